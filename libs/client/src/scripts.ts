import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { HttpClient } from './http';
import { listAll } from './list-all';
import type { ListOptions, ListPage, ScriptSummary } from './types';

/**
 * A script to store: a path on this machine (`.ts`, `.js`, or a `.tgz`/`.tar` of a package folder), its
 * source text with a file name that says the language, or its bytes.
 */
export type ScriptInput = string | { code: string; filename: string } | Uint8Array;

export interface ScriptPutOptions {
  /** npm packages bundled in at put time: `{ ms: '^2.1.3' }`. */
  dependencies?: Record<string, string>;
  attributes?: Record<string, unknown>;
  /** The file name of bytes (its extension names the language); `index.js` when absent. */
  filename?: string;
}

/** `om.scripts`: code modules exporting `run(om, ...args)`, run on workers by `om.runtime.script(name)`. */
export class Scripts {
  constructor(private readonly http: HttpClient) {}

  /** Stores (or replaces) a script; TypeScript is transpiled and dependencies bundled on the server. */
  async put(input: ScriptInput, name: string, options: ScriptPutOptions = {}): Promise<ScriptSummary> {
    const file =
      typeof input === 'string'
        ? { blob: await openAsBlob(input), filename: basename(input) }
        : input instanceof Uint8Array
          ? { blob: new Blob([input]), filename: options.filename ?? 'index.js' }
          : { blob: new Blob([input.code]), filename: input.filename };
    const form = new FormData();
    form.append('name', name);
    if (options.dependencies) form.append('dependencies', JSON.stringify(options.dependencies));
    if (options.attributes) form.append('attributes', JSON.stringify(options.attributes));
    form.append('file', file.blob, file.filename);
    return this.http.post<ScriptSummary>('/api/v1/script', { body: form });
  }

  /** The script's Metadata: language, entry, bundled dependencies, owner. */
  get(name: string): Promise<ScriptSummary> {
    return this.http.get<ScriptSummary>('/api/v1/script/{name}', { path: { name } });
  }

  /** The source as it was uploaded (a file's text or a tarball's bytes). */
  async source(name: string): Promise<Uint8Array> {
    const answer = await this.http.request('get', '/api/v1/script/{name}/source', { path: { name } });
    return new Uint8Array(await answer.arrayBuffer());
  }

  list(options: ListOptions = {}): Promise<ScriptSummary[]> {
    return listAll(
      (query) => this.http.get<ListPage<ScriptSummary>>('/api/v1/script', { query: { ...query } }),
      options,
    );
  }

  drop(name: string): Promise<{ deleted: string }> {
    return this.http.delete('/api/v1/script/{name}', { path: { name } });
  }
}
