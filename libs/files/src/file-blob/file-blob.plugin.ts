import { Inject, Injectable } from '@nestjs/common';
import {
  BlobStore,
  MetadataRecord,
  OMEGA_CONFIG,
  OmegaConfig,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  StoredPayload,
  TenantContext,
} from '@omega/core';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { FileHandle, FileInput } from './file-input';

export const FILE_BLOB_KIND = 'file.blob';

interface FileKindMeta {
  size: number;
  contentType: string;
  sha256: string;
  filename?: string;
  [key: string]: unknown;
}

/** Any bytes, streamed into GridFS and out again; size, content type and checksum in Metadata. */
@Injectable()
@StoragePlugin({ kind: FILE_BLOB_KIND, prefixes: ['files'] })
export class FileBlobPlugin implements StoragePluginContract<FileHandle> {
  constructor(
    private readonly blobs: BlobStore,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  supports(input: unknown): boolean {
    return input instanceof FileInput || Buffer.isBuffer(input) || input instanceof Readable;
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    const file =
      input instanceof FileInput
        ? input
        : Buffer.isBuffer(input)
          ? FileInput.fromBuffer(input)
          : new FileInput(input as Readable);
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    file.stream.on('error', (error) => hashing.destroy(error));
    const blob = await this.blobs.upload(ctx, file.stream.pipe(hashing), {
      filename: `${target.prefix}/${target.name}`,
      contentType: file.contentType,
      maxBytes: this.config.maxUploadBytes,
    });
    const kindMeta: FileKindMeta = {
      size: blob.length,
      contentType: file.contentType,
      sha256: hash.digest('hex'),
      ...(file.filename ? { filename: file.filename } : {}),
    };
    return { gridFile: blob.id, kindMeta };
  }

  async get(ctx: TenantContext, meta: MetadataRecord): Promise<FileHandle> {
    const kindMeta = meta.kindMeta as FileKindMeta;
    const id = meta.gridFile as string;
    return {
      size: kindMeta.size,
      contentType: kindMeta.contentType,
      sha256: kindMeta.sha256,
      open: (range) => this.blobs.download(ctx, id, range),
    };
  }

  async release(ctx: TenantContext, meta: Pick<MetadataRecord, 'gridFile'>): Promise<void> {
    if (meta.gridFile) await this.blobs.remove(ctx, meta.gridFile);
  }
}
