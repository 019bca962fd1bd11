import { Injectable } from '@nestjs/common';
import { GridFSBucket, ObjectId } from 'mongodb';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OmegaError, OmegaErrorCode } from '../errors/omega-error';
import { TenantDatabases } from '../mongo/tenant-databases';
import { TenantContext } from '../tenancy/tenant-context';

/** GridFS chunk size: larger chunks mean fewer round trips per megabyte; well under the 16 MB document cap. */
export const BLOB_CHUNK_BYTES = 1024 * 1024;
const GRIDFS_BUCKET = 'blobs';

export interface StoredBlob {
  id: string;
  length: number;
}

export interface BlobUploadOptions {
  filename: string;
  contentType?: string;
  /** Stops the upload with 413 past this many bytes; the partial blob is removed. */
  maxBytes?: number;
}

/**
 * Large binaries in GridFS, streamed both ways: nothing here holds a whole blob in memory. Each tenant's
 * blobs live in its own database.
 */
@Injectable()
export class BlobStore {
  constructor(private readonly databases: TenantDatabases) {}

  async upload(ctx: TenantContext, source: Readable, options: BlobUploadOptions): Promise<StoredBlob> {
    const bucket = this.bucket(ctx);
    const id = new ObjectId();
    const upload = bucket.openUploadStreamWithId(id, options.filename, {
      chunkSizeBytes: BLOB_CHUNK_BYTES,
      metadata: { contentType: options.contentType, tenantBucket: ctx.bucket },
    });
    const counter = new ByteLimit(options.maxBytes ?? Number.MAX_SAFE_INTEGER);
    try {
      await pipeline(source, counter, upload);
    } catch (error) {
      await bucket.delete(id).catch(() => undefined);
      if (counter.exceeded) {
        throw new OmegaError(
          OmegaErrorCode.PayloadTooLarge,
          `Upload is larger than ${options.maxBytes} bytes`,
        );
      }
      throw error;
    }
    return { id: id.toHexString(), length: counter.bytes };
  }

  /** A stream of the blob's bytes, or of `[start, end]` inclusive. */
  download(ctx: TenantContext, id: string, range?: { start: number; end: number }): Readable {
    const options = range ? { start: range.start, end: range.end + 1 } : undefined;
    return this.bucket(ctx).openDownloadStream(toObjectId(id), options);
  }

  async remove(ctx: TenantContext, id: string): Promise<void> {
    try {
      await this.bucket(ctx).delete(toObjectId(id));
    } catch (error) {
      if (!/not found|FileNotFound/i.test((error as Error).message)) throw error;
    }
  }

  private bucket(ctx: TenantContext): GridFSBucket {
    return new GridFSBucket(this.databases.db(ctx), {
      bucketName: GRIDFS_BUCKET,
      chunkSizeBytes: BLOB_CHUNK_BYTES,
    });
  }
}

function toObjectId(id: string): ObjectId {
  if (!ObjectId.isValid(id)) throw OmegaError.notFound('blob');
  return new ObjectId(id);
}

/** Counts bytes as they pass and fails the stream once a limit is crossed. */
class ByteLimit extends Transform {
  bytes = 0;
  exceeded = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.exceeded = true;
      callback(new OmegaError(OmegaErrorCode.PayloadTooLarge, `Upload is larger than ${this.limit} bytes`));
      return;
    }
    callback(null, chunk);
  }
}
