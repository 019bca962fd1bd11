import { Injectable } from '@nestjs/common';
import {
  BlobStore,
  MetadataRecord,
  OmegaError,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  StoredPayload,
  TenantContext,
} from '@omega/core';
import type { RunIdentity } from '@omega/scripts';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Notebook, NotebookDocument, NotebookLanguage } from '../notebook/notebook';

export const NOTEBOOK_KIND = 'notebook.ipynb';
export const JOBS_PREFIX = 'jobs';

/** One run of a job as its Metadata keeps it (newest last, at most MAX_RUN_HISTORY). */
export interface JobRun {
  status: 'SUCCESS' | 'FAILURE';
  started: string;
  ended: string;
  durationMs: number;
  /** The executed notebook, in `jobs/`. */
  result: string;
  /** The first lines of the error of a failed run. */
  error?: string;
  /** Who the run acted for. */
  userid: string;
}

export interface NotebookKindMeta {
  nbformat: number;
  language: NotebookLanguage;
  cells: number;
  codeCells: number;
  size: number;
  sha256: string;
  owner: RunIdentity;
  runs: JobRun[];
  /** For executed notebooks: the job they are a run of. */
  job?: string;
}

/** What a put of a notebook stores. */
export class NotebookInput {
  constructor(
    readonly document: NotebookDocument,
    readonly owner: RunIdentity,
    readonly job?: string,
  ) {}
}

/**
 * `notebook.ipynb`: a Jupyter notebook (nbformat 4, JavaScript or TypeScript cells) in GridFS. A job's
 * run history lives in its `kindMeta.runs` and survives a new upload of the notebook.
 */
@Injectable()
@StoragePlugin({ kind: NOTEBOOK_KIND, prefixes: [JOBS_PREFIX], priority: 10 })
export class NotebookPlugin implements StoragePluginContract<Notebook> {
  constructor(private readonly blobs: BlobStore) {}

  supports(input: unknown): boolean {
    return input instanceof NotebookInput;
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    if (!(input instanceof NotebookInput)) throw OmegaError.invalidInput('A job is stored from a notebook');
    const bytes = Buffer.from(JSON.stringify(input.document.notebook, null, 1));
    const blob = await this.blobs.upload(ctx, Readable.from([bytes]), {
      filename: `${target.prefix}/${target.name}`,
      contentType: 'application/x-ipynb+json',
    });
    const previous = target.existing?.kindMeta as Partial<NotebookKindMeta> | undefined;
    const kindMeta: NotebookKindMeta = {
      nbformat: input.document.notebook.nbformat,
      language: input.document.language,
      cells: input.document.notebook.cells.length,
      codeCells: input.document.codeCells().length,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      owner: input.owner,
      runs: previous?.runs ?? [],
      ...(input.job ? { job: input.job } : {}),
    };
    return { gridFile: blob.id, kindMeta: { ...kindMeta } };
  }

  async get(ctx: TenantContext, meta: MetadataRecord): Promise<Notebook> {
    if (!meta.gridFile) throw OmegaError.notFound(`${meta.prefix}/${meta.name} notebook`);
    const chunks: Buffer[] = [];
    for await (const chunk of this.blobs.download(ctx, meta.gridFile)) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notebook;
  }

  publicKindMeta(meta: MetadataRecord): Record<string, unknown> {
    const { owner, ...rest } = meta.kindMeta as unknown as NotebookKindMeta;
    return { ...rest, owner: owner?.userid };
  }

  async release(ctx: TenantContext, meta: Pick<MetadataRecord, 'gridFile'>): Promise<void> {
    if (meta.gridFile) await this.blobs.remove(ctx, meta.gridFile);
  }
}
