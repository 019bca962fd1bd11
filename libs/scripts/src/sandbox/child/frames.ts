/**
 * The framing of the channel between a worker and its sandbox child (a plain pipe on fd 3, never Node's
 * `'ipc'`, which parses any message whole before anyone can look at its size): each frame is a 4-byte
 * length of what follows, a 4-byte length of its JSON header, the header, and raw bytes (bodies travel as
 * bytes, not base64). The reader counts a frame's bytes before it keeps or parses any of them.
 */

const PREFIX_BYTES = 8;

export interface Frame {
  message: unknown;
  data: Buffer;
}

/** One frame: a JSON-able message and, optionally, bytes that go with it. */
export function encodeFrame(message: unknown, data?: Uint8Array): Buffer {
  const header = Buffer.from(JSON.stringify(message), 'utf8');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  const bytes = data?.byteLength ?? 0;
  prefix.writeUInt32BE(4 + header.length + bytes, 0);
  prefix.writeUInt32BE(header.length, 4);
  return data && bytes > 0 ? Buffer.concat([prefix, header, data]) : Buffer.concat([prefix, header]);
}

/**
 * Cuts a byte stream into frames. `push` answers the complete frames so far, or throws a `FrameError`
 * (too large, or not a frame): the stream is then unusable and its sender is to be stopped.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.pendingBytes < 4) return frames;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length > this.maxBytes)
        throw new FrameError(`a message of ${length} bytes (the limit is ${this.maxBytes})`);
      if (length < 4) throw new FrameError('a message that is not a frame');
      if (this.pendingBytes < 4 + length) return frames;
      const whole = this.take(4 + length);
      const headerBytes = whole.readUInt32BE(4);
      if (headerBytes > length - 4) throw new FrameError('a message that is not a frame');
      let message: unknown;
      try {
        message = JSON.parse(whole.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headerBytes));
      } catch {
        throw new FrameError('a message that is not JSON');
      }
      frames.push({ message, data: whole.subarray(PREFIX_BYTES + headerBytes) });
    }
  }

  private peek(bytes: number): Buffer {
    if (this.pending[0].length < bytes) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0];
  }

  private take(bytes: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    const rest = all.subarray(bytes);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, bytes);
  }
}

export class FrameError extends Error {
  constructor(what: string) {
    super(`The sandbox child sent ${what}`);
    this.name = 'FrameError';
  }
}
