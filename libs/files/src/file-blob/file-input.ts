import { Readable } from 'node:stream';

/** Bytes to store as a file: a stream (uploads) or a buffer, with what the client said they are. */
export class FileInput {
  constructor(
    readonly stream: Readable,
    readonly contentType = 'application/octet-stream',
    readonly filename?: string,
  ) {}

  static fromBuffer(buffer: Buffer, contentType?: string): FileInput {
    return new FileInput(Readable.from([buffer]), contentType);
  }
}

/** What `store.get()` answers for a file: its facts and a way to open (part of) its bytes. */
export interface FileHandle {
  size: number;
  contentType: string;
  sha256: string;
  open(range?: { start: number; end: number }): Readable;
}
