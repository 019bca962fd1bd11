/**
 * The child's network, which is its channel to the worker: `fetch` sends each request there (the worker
 * decides what it may reach), and listening for connections fails at once, since nothing could connect.
 */
import { Server } from 'node:net';
import { Socket as UdpSocket } from 'node:dgram';
import type { ChildMessage, ParentMessage } from './child-protocol';

/** Statuses whose Response has no body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

interface PendingFetch {
  resolve: (response: Response) => void;
  reject: (error: Error) => void;
  body?: ReadableStreamDefaultController<Uint8Array>;
}

/** The fetches waiting for the worker's answers, by id. */
export class FetchAnswers {
  /**
   * The largest message the worker takes (its run says; OMEGA_SCRIPT_IPC_MAX_BYTES): a request is one
   * message, body and all, and one that would not fit fails here, catchably, instead of ending the run.
   */
  maxMessageBytes = 16 * 1024 * 1024;
  private next = 0;
  private readonly pending = new Map<number, PendingFetch>();

  open(entry: PendingFetch): number {
    this.next += 1;
    this.pending.set(this.next, entry);
    return this.next;
  }

  drop(id: number, reason: Error): void {
    const entry = this.pending.get(id);
    this.pending.delete(id);
    if (entry?.body) entry.body.error(reason);
    else entry?.reject(reason);
  }

  receive(message: Exclude<ParentMessage, { type: 'run' }>, data: Buffer): void {
    const entry = this.pending.get(message.id);
    if (!entry) return;
    if (message.type === 'head') {
      const status = message.status >= 200 && message.status <= 599 ? message.status : 502;
      const stream = NULL_BODY.has(status)
        ? null
        : new ReadableStream<Uint8Array>({ start: (controller) => void (entry.body = controller) });
      if (!stream) this.pending.delete(message.id);
      entry.resolve(
        new Response(stream, { status, statusText: message.statusText, headers: message.headers }),
      );
    } else if (message.type === 'chunk') {
      entry.body?.enqueue(new Uint8Array(data));
    } else if (message.type === 'end') {
      this.pending.delete(message.id);
      entry.body?.close();
    } else if (message.type === 'fail') {
      this.drop(message.id, new TypeError('fetch failed', { cause: new Error(message.message) }));
    }
  }
}

/** A `fetch` whose requests the worker makes. */
export function channelFetch(
  answers: FetchAnswers,
  send: (message: ChildMessage, data?: Uint8Array) => void,
): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.body ? await collect(request.body, answers.maxMessageBytes) : undefined;
    request.signal.throwIfAborted();
    const message = { type: 'fetch' as const, id: 0, url: request.url, method: request.method };
    const headers: [string, string][] = [...request.headers];
    // The frame's prefix, its header (with room for any id) and the body.
    const bytes =
      8 + Buffer.byteLength(JSON.stringify({ ...message, headers })) + 20 + (body?.byteLength ?? 0);
    if (bytes > answers.maxMessageBytes)
      throw new RangeError(`A request from a script is limited to ${answers.maxMessageBytes} bytes`);
    return new Promise<Response>((resolve, reject) => {
      const id = answers.open({ resolve, reject });
      request.signal.addEventListener('abort', () => answers.drop(id, request.signal.reason as Error), {
        once: true,
      });
      send({ ...message, id, headers }, body);
    });
  };
}

/** A request body, whole (streamed bodies too), up to `limit` bytes. */
async function collect(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) {
    bytes += part.byteLength;
    if (bytes > limit) throw new RangeError(`A request from a script is limited to ${limit} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** Servers and UDP sockets fail when they would bind: the sandbox has no network to listen on. */
export function blockListening(): void {
  const refuse = (): never => {
    const error = new Error('Listening is not available in a script: the sandbox has no network') as Error & {
      code: string;
    };
    error.code = 'ERR_ACCESS_DENIED';
    throw error;
  };
  Server.prototype.listen = refuse;
  UdpSocket.prototype.bind = refuse;
}
