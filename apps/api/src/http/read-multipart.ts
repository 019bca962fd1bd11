import { OmegaError, OmegaErrorCode } from '@omega/core';
import busboy from 'busboy';
import type { Request } from 'express';

export interface BufferedMultipart {
  fields: Record<string, string>;
  file?: { buffer: Buffer; filename?: string; mimeType: string };
}

/**
 * Reads a multipart body whose file must be held whole (a model is parsed before it is stored), up to
 * `maxFileBytes`; past it the request fails with 413 and nothing is kept.
 */
export function readMultipart(req: Request, maxFileBytes: number): Promise<BufferedMultipart> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fields: 20, fieldSize: 64 * 1024, fileSize: maxFileBytes },
      });
    } catch (error) {
      reject(OmegaError.invalidInput(`multipart body could not be read: ${(error as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let file: BufferedMultipart['file'];
    let failed = false;
    const fail = (error: OmegaError): void => {
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(error);
    };
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (_field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () =>
        fail(new OmegaError(OmegaErrorCode.PayloadTooLarge, `The file exceeds ${maxFileBytes} bytes`)),
      );
      stream.on('end', () => {
        file = { buffer: Buffer.concat(chunks), filename: info.filename, mimeType: info.mimeType };
      });
    });
    parser.on('error', (error: Error) =>
      fail(OmegaError.invalidInput(`multipart body could not be read: ${error.message}`)),
    );
    parser.on('close', () => {
      if (!failed) resolve({ fields, file });
    });
    req.pipe(parser);
  });
}
