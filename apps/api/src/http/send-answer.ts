import type { Response } from 'express';

/**
 * Streams a prepared answer. Errors before the first byte reach the exception filter as usual; once
 * bytes are out, the connection is cut so the client sees a broken body rather than a truncated success.
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
    res.destroy(error as Error);
  }
}
