import { cellSource, Notebook } from '@omega/jobs';
import { highlight, Token } from '../../rendering/highlight';

/** Characters of one output shown; the rest is cut with a note (a notebook can hold megabytes of output). */
const MAX_OUTPUT_TEXT = 20_000;
/** Raster images only: shown as data: URLs in <img>, which never runs anything. SVG is shown as text. */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;
/** Terminal colour codes in tracebacks: noise in a page. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export type OutputView =
  | { kind: 'stream'; name: string; text: string }
  | { kind: 'text'; mime: string; text: string; asText: boolean }
  | { kind: 'image'; mime: string; src: string }
  | { kind: 'error'; ename: string; evalue: string; traceback: string };

export interface CellView {
  index: number;
  type: string;
  /** Code cells: the source as highlighting tokens. */
  tokens?: Token[];
  /** Markdown and raw cells: their text, shown as text (never rendered as HTML). */
  text?: string;
  executionCount?: number | null;
  outputs: OutputView[];
}

/**
 * A notebook as the console shows it, read-only: code highlighted, markdown as text, outputs as text or
 * raster images. Nothing in it is executed or rendered as HTML: an `text/html` output is shown as its
 * markup, escaped by the template like everything else.
 */
export function notebookView(notebook: Notebook): CellView[] {
  return notebook.cells.map((cell, index) => {
    const source = cellSource(cell);
    const outputs = Array.isArray(cell.outputs) ? cell.outputs.flatMap(outputView) : [];
    return cell.cell_type === 'code'
      ? { index, type: 'code', tokens: highlight(source), executionCount: cell.execution_count, outputs }
      : { index, type: cell.cell_type, text: source, outputs };
  });
}

function outputView(output: unknown): OutputView[] {
  if (typeof output !== 'object' || output === null) return [];
  const value = output as Record<string, unknown>;
  switch (value.output_type) {
    case 'stream':
      return [{ kind: 'stream', name: String(value.name ?? 'stdout'), text: cut(joined(value.text)) }];
    case 'error':
      return [
        {
          kind: 'error',
          ename: String(value.ename ?? 'Error'),
          evalue: cut(String(value.evalue ?? '')),
          traceback: cut(joined(value.traceback, '\n').replace(ANSI, '')),
        },
      ];
    case 'execute_result':
    case 'display_data':
      return dataView(value.data);
    default:
      return [];
  }
}

/** The richest form the console can show safely: an image, else plain text, else the first other type as text. */
function dataView(data: unknown): OutputView[] {
  if (typeof data !== 'object' || data === null) return [];
  const bundle = data as Record<string, unknown>;
  for (const mime of IMAGE_TYPES) {
    const content = joined(bundle[mime]);
    if (content && BASE64.test(content))
      return [{ kind: 'image', mime, src: `data:${mime};base64,${content.replace(/\s/g, '')}` }];
  }
  if (bundle['text/plain'] !== undefined)
    return [{ kind: 'text', mime: 'text/plain', text: cut(joined(bundle['text/plain'])), asText: false }];
  const [mime] = Object.keys(bundle);
  if (mime === undefined) return [];
  const content = bundle[mime];
  const text =
    typeof content === 'string' || Array.isArray(content) ? joined(content) : JSON.stringify(content);
  return [{ kind: 'text', mime, text: cut(text), asText: true }];
}

function joined(value: unknown, separator = ''): string {
  if (Array.isArray(value)) return value.map(String).join(separator);
  return typeof value === 'string' ? value : '';
}

function cut(text: string): string {
  return text.length > MAX_OUTPUT_TEXT
    ? `${text.slice(0, MAX_OUTPUT_TEXT)}\n… (${text.length - MAX_OUTPUT_TEXT} more characters)`
    : text;
}
