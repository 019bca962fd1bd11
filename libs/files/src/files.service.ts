import { Injectable } from '@nestjs/common';
import { MetadataRecord, OmegaStores, TenantContext } from '@omega/core';
import type { Readable } from 'node:stream';
import { FileHandle, FileInput } from './file-blob/file-input';

export interface FileSummary {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  size: number;
  contentType: string;
  sha256: string;
  created: Date;
  modified: Date;
}

/** File use cases behind the REST API: put a stream, open it (or a range), list, drop. */
@Injectable()
export class FilesService {
  constructor(private readonly stores: OmegaStores) {}

  async put(
    ctx: TenantContext,
    name: string,
    body: Readable,
    options: { contentType?: string; filename?: string; attributes?: Record<string, unknown> },
  ): Promise<FileSummary> {
    const meta = await this.stores.files.put(
      ctx,
      name,
      new FileInput(body, options.contentType, options.filename),
      {
        attributes: options.attributes,
      },
    );
    return summarizeFile(meta);
  }

  async open(ctx: TenantContext, name: string): Promise<FileHandle> {
    return this.stores.files.get<FileHandle>(ctx, name);
  }

  async metadata(ctx: TenantContext, name: string): Promise<FileSummary> {
    return summarizeFile(await this.stores.files.metadata(ctx, name));
  }

  async list(ctx: TenantContext, options: { pattern?: string; skip?: number; limit?: number }) {
    const { items, total } = await this.stores.files.list(ctx, options);
    return { items: items.map(summarizeFile), total };
  }

  async drop(ctx: TenantContext, name: string): Promise<void> {
    await this.stores.files.drop(ctx, name);
  }
}

export function summarizeFile(meta: MetadataRecord): FileSummary {
  const kindMeta = meta.kindMeta as { size: number; contentType: string; sha256: string };
  return {
    name: meta.name,
    kind: meta.kind,
    bucket: meta.bucket,
    attributes: meta.attributes ?? {},
    size: kindMeta.size,
    contentType: kindMeta.contentType,
    sha256: kindMeta.sha256,
    created: meta.created,
    modified: meta.modified,
  };
}
