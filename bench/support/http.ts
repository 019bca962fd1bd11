import { request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface HttpCall {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  headers?: OutgoingHttpHeaders;
  /** A stream is piped as it comes (chunked unless a Content-Length is given). */
  body?: Readable | Buffer | string;
}

/** Headers every request carries unless it sets them itself: the bench admin's credentials. */
let defaultHeaders: OutgoingHttpHeaders = {};

export function useDefaultHeaders(headers: OutgoingHttpHeaders): void {
  defaultHeaders = headers;
}

/** The headers `send` adds, as strings: for a load client in another process. */
export function defaultHeaderValues(): Record<string, string> {
  return Object.fromEntries(Object.entries(defaultHeaders).map(([name, value]) => [name, String(value)]));
}

/**
 * One request with node's own http client, answering the response once its headers arrive; the body is
 * left to the caller to stream. No keep-alive agent, so nothing holds the process open at the end.
 */
export function send(url: string, call: HttpCall): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = { ...defaultHeaders, ...call.headers };
    const req = request(url, { method: call.method, headers, agent: false }, resolve);
    req.on('error', reject);
    if (call.body instanceof Readable) {
      // An early error answer may cut the upload short; the answer itself then tells what went wrong.
      pipeline(call.body, req).catch((error: Error) => req.destroy(error));
    } else {
      req.end(call.body);
    }
  });
}

export async function readText(response: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of response) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** Throws with the status and the answer's text unless the status is 2xx. */
export async function expectOk(response: IncomingMessage, what: string): Promise<void> {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return;
  const text = await readText(response).catch(() => '');
  throw new Error(`${what}: HTTP ${status} ${text.slice(0, 500)}`);
}

/** Sends and reads the whole (small) answer as JSON, failing on a non-2xx status. */
export async function sendForJson<T = unknown>(url: string, call: HttpCall, what: string): Promise<T> {
  const response = await send(url, call);
  await expectOk(response, what);
  return JSON.parse(await readText(response)) as T;
}
