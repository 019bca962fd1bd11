import type { Writable } from 'node:stream';

/** Writes and waits for the socket to drain when its buffer is full: output never piles up in memory. */
export async function writeWithBackpressure(out: Writable, data: string | Uint8Array): Promise<void> {
  if (out.destroyed) throw new Error('client went away');
  if (out.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', closed);
      resolve();
    };
    const closed = () => {
      out.off('drain', done);
      reject(new Error('client went away'));
    };
    out.once('drain', done);
    out.once('close', closed);
  });
}
