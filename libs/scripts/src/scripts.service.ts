import { Injectable } from '@nestjs/common';
import { BlobStore, MetadataRecord, OmegaError, OmegaStore, OmegaStores, TenantContext } from '@omega/core';
import { Readable } from 'node:stream';
import type { RunIdentity } from './auth/scoped-token';
import { ScriptBuilder, ScriptUpload } from './build/script-builder';
import {
  SCRIPT_KIND,
  ScriptKindMeta,
  ScriptPackage,
  ScriptPlugin,
  SCRIPTS_PREFIX,
} from './storage/script.plugin';

export interface ScriptSummary {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  kindMeta: Record<string, unknown>;
  created: Date;
  modified: Date;
}

/** Scripts in `scripts/`: built at put time (TypeScript transpiled, dependencies bundled), listed, dropped. */
@Injectable()
export class ScriptsService {
  constructor(
    private readonly stores: OmegaStores,
    private readonly builder: ScriptBuilder,
    private readonly plugin: ScriptPlugin,
    private readonly blobs: BlobStore,
  ) {}

  private get store(): OmegaStore {
    return this.stores.for(SCRIPTS_PREFIX);
  }

  async put(
    ctx: TenantContext,
    name: string,
    upload: ScriptUpload,
    owner: RunIdentity,
    attributes?: Record<string, unknown>,
  ): Promise<ScriptSummary> {
    const built = await this.builder.build(upload);
    const meta = await this.store.put(
      ctx,
      name,
      new ScriptPackage(built, { filename: upload.filename, content: upload.content }, owner),
      { kind: SCRIPT_KIND, attributes },
    );
    return this.summary(meta);
  }

  async list(ctx: TenantContext, query: { pattern?: string; skip?: number; limit?: number }) {
    const { items, total } = await this.store.list(ctx, query);
    return { items: items.map((meta) => this.summary(meta)), total };
  }

  metadata(ctx: TenantContext, name: string): Promise<MetadataRecord> {
    return this.store.metadata(ctx, name);
  }

  async describe(ctx: TenantContext, name: string): Promise<ScriptSummary> {
    return this.summary(await this.metadata(ctx, name));
  }

  /** The runnable bundle (JavaScript). */
  async bundle(ctx: TenantContext, name: string): Promise<{ meta: MetadataRecord; code: string }> {
    const meta = await this.metadata(ctx, name);
    if (meta.kind !== SCRIPT_KIND) throw OmegaError.invalidInput(`${name} is a ${meta.kind}, not a script`);
    return { meta, code: (await this.plugin.get(ctx, meta)).toString('utf8') };
  }

  /** The source as it was uploaded. */
  async source(
    ctx: TenantContext,
    name: string,
  ): Promise<{ filename: string; size: number; stream: Readable }> {
    const meta = await this.metadata(ctx, name);
    const source = (meta.kindMeta as unknown as ScriptKindMeta).source;
    return {
      filename: source.filename,
      size: source.size,
      stream: this.blobs.download(ctx, source.gridFile),
    };
  }

  async drop(ctx: TenantContext, name: string): Promise<void> {
    await this.store.drop(ctx, name);
  }

  summary(meta: MetadataRecord): ScriptSummary {
    return {
      name: meta.name,
      kind: meta.kind,
      bucket: meta.bucket,
      attributes: meta.attributes,
      kindMeta: meta.kind === SCRIPT_KIND ? this.plugin.publicKindMeta(meta) : {},
      created: meta.created,
      modified: meta.modified,
    };
  }
}
