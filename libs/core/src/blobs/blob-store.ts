import { Injectable } from '@nestjs/common';
import { Binary, GridFSBucket, ObjectId } from 'mongodb';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { OmegaError, OmegaErrorCode } from '../errors/omega-error';
import { TenantDatabases } from '../mongo/tenant-databases';
import { TenantContext } from '../tenancy/tenant-context';

/** GridFS chunk size: larger chunks mean fewer round trips per megabyte; well under the 16 MB document cap. */
export const BLOB_CHUNK_BYTES = 1024 * 1024;
const GRIDFS_BUCKET = 'blobs';
/** Chunks fetched per round trip when reading: bounds a download's memory to a few megabytes. */
const DOWNLOAD_BATCH_CHUNKS = 4;

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
    // Past the limit the source is let go and the upload ends normally, so the partial file is complete
    // in GridFS and one delete removes all of it (no chunk write is still in flight).
    counter.once('limit', () => {
      source.unpipe(counter);
      counter.end();
    });
    const done = new Promise<void>((resolve, reject) => {
      upload.once('finish', resolve);
      for (const stream of [source, counter, upload]) stream.once('error', reject);
      source.once('close', () => {
        if (!source.readableEnded && !counter.exceeded) reject(new Error('upload aborted by the client'));
      });
    });
    source.pipe(counter).pipe(upload);
    try {
      await done;
    } catch (error) {
      source.unpipe(counter);
      await upload.abort().catch(() => undefined);
      await bucket.delete(id).catch(() => undefined);
      throw error;
    }
    if (counter.exceeded) {
      await bucket.delete(id);
      throw new OmegaError(OmegaErrorCode.PayloadTooLarge, `Upload is larger than ${options.maxBytes} bytes`);
    }
    return { id: id.toHexString(), length: counter.bytes };
  }

  /**
   * A stream of the blob's bytes, or of `[start, end]` inclusive. Chunks are read a few at a time: the
   * driver's own download stream fetches ~100 chunks per batch (100 MB at our chunk size).
   */
  download(ctx: TenantContext, id: string, range?: { start: number; end: number }): Readable {
    const chunks = this.databases
      .db(ctx)
      .collection<{ files_id: ObjectId; n: number; data: Binary }>(`${GRIDFS_BUCKET}.chunks`);
    const filesId = toObjectId(id);
    async function* bytes(): AsyncGenerator<Buffer> {
      const first = range ? Math.floor(range.start / BLOB_CHUNK_BYTES) : 0;
      const last = range ? Math.floor(range.end / BLOB_CHUNK_BYTES) : Number.MAX_SAFE_INTEGER;
      const cursor = chunks
        .find({ files_id: filesId, n: { $gte: first, $lte: last } }, { batchSize: DOWNLOAD_BATCH_CHUNKS })
        .sort({ n: 1 });
      let expected = first;
      try {
        for await (const chunk of cursor) {
          if (chunk.n !== expected) throw new Error(`blob ${id} is missing chunk ${expected}`);
          expected++;
          let data = Buffer.from(chunk.data.buffer);
          const offset = chunk.n * BLOB_CHUNK_BYTES;
          if (range)
            data = data.subarray(Math.max(0, range.start - offset), Math.max(0, range.end + 1 - offset));
          yield data;
        }
      } finally {
        await cursor.close();
      }
    }
    return Readable.from(bytes(), { objectMode: false, highWaterMark: BLOB_CHUNK_BYTES });
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

/** Counts bytes as they pass; past the limit it passes nothing more and emits `limit` once. */
class ByteLimit extends Transform {
  bytes = 0;
  exceeded = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.exceeded) {
      callback();
      return;
    }
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.exceeded = true;
      this.emit('limit');
      callback();
      return;
    }
    callback(null, chunk);
  }
}
