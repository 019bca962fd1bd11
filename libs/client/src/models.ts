import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { HttpClient } from './http';
import { listAll } from './list-all';
import type {
  CreateModelBody,
  ListOptions,
  ListPage,
  ModelDetail,
  ModelSummary,
  ModelVersions,
  PromoteModelBody,
} from './types';

/** A model the platform creates and fits itself, e.g. `{ algorithm: 'random-forest-classifier' }`. */
export interface ModelSpec {
  algorithm: string;
  params?: Record<string, unknown>;
}

/** A model file on this machine (its extension names the kind: `.onnx`), its bytes, or a spec. */
export type ModelInput = string | Uint8Array | ModelSpec;

export interface ModelPutOptions {
  attributes?: Record<string, unknown>;
  tags?: string[];
  /** The kind of a model file, when its name does not say (e.g. `onnx.model`); bytes default to ONNX. */
  kind?: string;
}

/**
 * `om.models`: stored models and their versions. A name may carry a version: `name@3`, `name@tag`,
 * `name^` (the one before latest).
 */
export class Models {
  constructor(private readonly http: HttpClient) {}

  async put(input: ModelInput, name: string, options: ModelPutOptions = {}): Promise<ModelSummary> {
    if (typeof input === 'object' && !(input instanceof Uint8Array)) {
      const body: CreateModelBody = {
        name,
        algorithm: input.algorithm,
        params: input.params,
        attributes: options.attributes,
        tags: options.tags,
      };
      return this.http.post<ModelSummary>('/api/v1/model', { json: body });
    }
    const file =
      typeof input === 'string'
        ? { blob: await openAsBlob(input), filename: basename(input) }
        : { blob: new Blob([input]), filename: `${basename(name)}.onnx` };
    const form = new FormData();
    form.append('name', name);
    if (options.kind) form.append('kind', options.kind);
    if (options.attributes) form.append('attributes', JSON.stringify(options.attributes));
    if (options.tags) form.append('tags', options.tags.join(','));
    form.append('file', file.blob, file.filename);
    return this.http.post<ModelSummary>('/api/v1/model', { body: form });
  }

  /** The model's Metadata (of the version the name points at). */
  async get(name: string): Promise<ModelDetail> {
    return this.metadata(name);
  }

  async metadata(name: string): Promise<ModelDetail> {
    return this.http.get<ModelDetail>('/api/v1/model/{name}', { path: { name } });
  }

  async versions(name: string): Promise<ModelVersions> {
    return this.http.get<ModelVersions>('/api/v1/model/{name}/versions', { path: { name } });
  }

  /** Copies the model with all its versions and lineage to another bucket (e.g. `prod`). */
  async promote(name: string, toBucket: string): Promise<ModelSummary> {
    const body: PromoteModelBody = { to: toBucket };
    return this.http.post<ModelSummary>('/api/v1/model/{name}/promote', { path: { name }, json: body });
  }

  async list(options: ListOptions = {}): Promise<ModelSummary[]> {
    return listAll(
      (query) => this.http.get<ListPage<ModelSummary>>('/api/v1/model', { query: { ...query } }),
      options,
    );
  }

  /** Drops the model and all its versions. */
  async drop(name: string): Promise<{ deleted: string }> {
    return this.http.delete('/api/v1/model/{name}', { path: { name } });
  }
}
