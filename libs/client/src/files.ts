import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HttpClient } from './http';
import { listAll } from './list-all';
import type { FileSummary, ListOptions, ListPage } from './types';

/** A file's bytes: a path on this machine, a Buffer, or a Node or web stream (streamed, never collected). */
export type FileInput =
  string | Uint8Array | Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface FileGetOptions {
  /** Inclusive byte range, as HTTP's `Range: bytes=start-end`; `end` defaults to the last byte. */
  range?: { start: number; end?: number };
}

/** `om.files`: binary objects of any size, streamed both ways (GridFS on the server). */
export class Files {
  constructor(private readonly http: HttpClient) {}

  async put(name: string, input: FileInput, options: { contentType?: string } = {}): Promise<FileSummary> {
    const body =
      typeof input === 'string'
        ? createReadStream(input)
        : input instanceof Uint8Array
          ? input
          : input instanceof ReadableStream
            ? Readable.fromWeb(input as WebReadableStream<Uint8Array>)
            : input;
    try {
      return await this.http.put<FileSummary>('/api/v1/file/{name}', {
        path: { name },
        body,
        contentType: options.contentType ?? 'application/octet-stream',
      });
    } finally {
      if (body instanceof Readable && typeof input === 'string') body.destroy();
    }
  }

  /** The file's bytes as a Node stream, as they arrive. */
  async get(name: string, options: FileGetOptions = {}): Promise<Readable> {
    const range = options.range ? `bytes=${options.range.start}-${options.range.end ?? ''}` : undefined;
    const answer = await this.http.request('get', '/api/v1/file/{name}', {
      path: { name },
      headers: range ? { Range: range } : {},
    });
    if (!answer.body) return Readable.from([]);
    return Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>);
  }

  /** The whole file in memory: for small files. */
  async getBuffer(name: string, options: FileGetOptions = {}): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of await this.get(name, options)) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }

  async metadata(name: string): Promise<FileSummary> {
    return this.http.get<FileSummary>('/api/v1/file/{name}/metadata', { path: { name } });
  }

  async list(options: Omit<ListOptions, 'kind'> = {}): Promise<FileSummary[]> {
    return listAll(
      (query) => this.http.get<ListPage<FileSummary>>('/api/v1/file', { query: { ...query } }),
      options,
    );
  }

  async drop(name: string): Promise<{ deleted: string }> {
    return this.http.delete('/api/v1/file/{name}', { path: { name } });
  }
}
