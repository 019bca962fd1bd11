import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';

const logger = new Logger('Errors');
/** How long a client that stopped reading may hold the connection of a failed answer. */
const FAILED_STREAM_GRACE_MS = 10_000;

/**
 * Streams a prepared answer. Errors before the first byte reach the exception filter as usual (a 4xx, or
 * a 500 with an error id). Once bytes are out the status cannot change, so a failure is logged with an
 * error id and the answer is ended as incomplete, in two ways a client can detect:
 * - the body is left unfinished in its own format: a JSON array or object is not closed, CSV lacks its
 *   final newline, an Arrow stream has no end-of-stream marker;
 * - the connection is closed without the last chunk of the chunked transfer encoding, so HTTP clients
 *   report a truncated response.
 * What was already written is delivered first: cutting the socket at once would drop it and leave the
 * client an empty reply.
 */
export async function sendStream(
  res: Response,
  mediaType: string,
  write: (out: Response) => Promise<void>,
): Promise<void> {
  res.status(200).setHeader('Content-Type', mediaType);
  try {
    await write(res);
    res.end();
  } catch (error) {
    if (!res.headersSent) {
      res.removeHeader('Content-Type');
      throw error;
    }
    endIncomplete(res, error);
  }
}

function endIncomplete(res: Response, error: unknown): void {
  const socket = res.socket;
  // The client went away first: there is nobody to tell and nothing went wrong on our side.
  if (!socket || socket.destroyed) return;
  const errorId = randomUUID();
  logger.error(
    `Answer to ${res.req.method} ${res.req.originalUrl.split('?')[0]} failed after its first bytes (error id ${errorId}); ended incomplete`,
    error instanceof Error ? error.stack : String(error),
  );
  socket.end();
  setTimeout(() => socket.destroy(), FAILED_STREAM_GRACE_MS).unref();
}
