import { OmegaError } from '@omega/core';

/** Notebooks are parsed whole (they are JSON); this bounds one upload. */
export const MAX_NOTEBOOK_BYTES = 5 * 1024 * 1024;
const MAX_CELLS = 500;
export const NOTEBOOK_LANGUAGES = ['typescript', 'javascript'] as const;
export type NotebookLanguage = (typeof NOTEBOOK_LANGUAGES)[number];

/** nbformat v4, as far as the platform reads and writes it; anything else in a notebook is kept as it is. */
export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown> & {
    kernelspec?: { name?: string; language?: string; display_name?: string };
    language_info?: { name?: string };
  };
  cells: NotebookCell[];
}

/** A validated notebook, ready to store. */
export class NotebookDocument {
  constructor(
    readonly notebook: Notebook,
    readonly language: NotebookLanguage,
  ) {}

  codeCells(): { index: number; source: string }[] {
    return this.notebook.cells
      .map((cell, index) => ({ cell, index }))
      .filter(({ cell }) => cell.cell_type === 'code')
      .map(({ cell, index }) => ({ index, source: cellSource(cell) }));
  }
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Reads an uploaded `.ipynb`: JSON, nbformat 4, cells of known types, a JavaScript or TypeScript kernel. */
export function parseNotebook(content: Buffer): NotebookDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch {
    throw OmegaError.invalidInput('A notebook is JSON (nbformat 4); this file is not JSON');
  }
  const notebook = parsed as Partial<Notebook>;
  if (typeof notebook !== 'object' || notebook === null || Array.isArray(notebook)) {
    throw OmegaError.invalidInput('A notebook is a JSON object');
  }
  if (notebook.nbformat !== 4) throw OmegaError.invalidInput('Only nbformat 4 notebooks are supported');
  if (!Array.isArray(notebook.cells)) throw OmegaError.invalidInput('The notebook has no cells list');
  if (notebook.cells.length > MAX_CELLS)
    throw OmegaError.invalidInput(`A notebook has at most ${MAX_CELLS} cells`);
  notebook.cells.forEach((cell, index) => {
    if (typeof cell !== 'object' || cell === null || !['code', 'markdown', 'raw'].includes(cell.cell_type)) {
      throw OmegaError.invalidInput(`Cell ${index} is not a code, markdown or raw cell`);
    }
    const source = cell.source;
    if (
      typeof source !== 'string' &&
      !(Array.isArray(source) && source.every((line) => typeof line === 'string'))
    ) {
      throw OmegaError.invalidInput(`Cell ${index} has no source text`);
    }
  });
  const metadata = (
    typeof notebook.metadata === 'object' && notebook.metadata !== null ? notebook.metadata : {}
  ) as Notebook['metadata'];
  const declared = (
    metadata.kernelspec?.language ??
    metadata.language_info?.name ??
    'typescript'
  ).toLowerCase();
  if (!(NOTEBOOK_LANGUAGES as readonly string[]).includes(declared)) {
    throw OmegaError.invalidInput(
      `This notebook's language is ${JSON.stringify(declared)}; jobs run JavaScript or TypeScript notebooks (tslab kernel)`,
    );
  }
  return new NotebookDocument(
    {
      nbformat: 4,
      nbformat_minor: notebook.nbformat_minor ?? 5,
      ...notebook,
      metadata,
      cells: notebook.cells,
    } as Notebook,
    declared as NotebookLanguage,
  );
}
