import { lookup } from 'node:dns/promises';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isPublicAddress } from '@omega/core';
import type { OmConnection } from './child/child-protocol';
import type { FetchMessage, ParentMessage } from './child/child-protocol';

/** Bytes of a response body per frame sent to the child. */
const CHUNK_BYTES = 256 * 1024;

/** Headers a child never chooses: credentials (the worker sets the run's own) and hop-by-hop ones. */
const DROPPED_REQUEST_HEADERS = new Set([
  'authorization',
  'cookie',
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'expect',
  'accept-encoding',
]);
const DROPPED_RESPONSE_HEADERS = new Set([
  'set-cookie',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'content-encoding',
  'content-length',
]);

/** The host names in a service URL (`mongodb://a:1,b:2/db` has two). */
export function serviceHosts(url: string | undefined): string[] {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url ?? '')?.[1];
  if (!authority) return [];
  return authority
    .split(',')
    .map((host) =>
      host
        .replace(/:\d+$/, '')
        .replace(/^\[(.*)\]$/, '$1')
        .toLowerCase(),
    )
    .filter((host) => host !== '');
}

/** Sends one frame to the child, resolving once the pipe can take more (backpressure). */
export type SendToChild = (message: ParentMessage, data?: Uint8Array) => Promise<void>;

export interface ProxyRun {
  api: OmConnection;
  /** The stand-in token the child's `om` sends; only it is swapped for the run's token. */
  standIn: string;
  signal: AbortSignal;
}

/**
 * The child's only way out: its `fetch` calls, made here. A request to the API (under `/api/v1/`) is
 * sent with the run's token when it carries the run's stand-in credential, and without any credential
 * otherwise; a request elsewhere is made only to a host on `OMEGA_SCRIPT_EGRESS_HOSTS` whose every
 * address is public and not one of the platform's own services, connecting to the address checked (a
 * second DNS answer cannot redirect it).
 */
export class SandboxProxy {
  private platformAddresses?: Promise<Set<string>>;

  constructor(
    private readonly egressHosts: string[],
    private readonly platformHosts: string[],
  ) {}

  async serve(message: FetchMessage, body: Buffer, run: ProxyRun, send: SendToChild): Promise<void> {
    try {
      const url = new URL(message.url);
      const api = new URL(run.api.url);
      const apiPrefix = `${api.pathname.replace(/\/+$/, '')}/api/v1/`;
      if (url.origin === api.origin && url.pathname.startsWith(apiPrefix)) {
        await this.callApi(url, message, body, run, send);
      } else {
        await this.callOutside(url, message, body, run.signal, send);
      }
    } catch (error) {
      if (run.signal.aborted) return;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = `${(error as Error).message}${cause ? `: ${cause.code ?? cause.message}` : ''}`;
      await send({ type: 'fail', id: message.id, message: why }).catch(() => undefined);
    }
  }

  private async callApi(
    url: URL,
    message: FetchMessage,
    body: Buffer,
    run: ProxyRun,
    send: SendToChild,
  ): Promise<void> {
    const headers = new Headers();
    let authorized = false;
    for (const [name, value] of message.headers) {
      const lower = name.toLowerCase();
      if (lower === 'authorization') authorized = value === `Bearer ${run.standIn}`;
      else if (!DROPPED_REQUEST_HEADERS.has(lower)) headers.append(name, value);
    }
    if (authorized) headers.set('Authorization', `Bearer ${run.api.token}`);
    const answer = await fetch(url, {
      method: message.method,
      headers,
      body: body.length > 0 && message.method !== 'GET' && message.method !== 'HEAD' ? body : undefined,
      redirect: 'manual',
      signal: run.signal,
    });
    await send({
      type: 'head',
      id: message.id,
      status: answer.status,
      statusText: answer.statusText,
      headers: keptHeaders(answer.headers),
    });
    if (answer.body) {
      for await (const part of answer.body) await sendChunks(message.id, Buffer.from(part), send);
    }
    await send({ type: 'end', id: message.id });
  }

  private async callOutside(
    url: URL,
    message: FetchMessage,
    body: Buffer,
    signal: AbortSignal,
    send: SendToChild,
  ): Promise<void> {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`fetch of ${url.protocol} URLs is not available in a script`);
    if (!this.egressHosts.includes(host))
      throw new Error(
        `fetch to ${host} refused: a script reaches only the hosts listed in OMEGA_SCRIPT_EGRESS_HOSTS`,
      );
    const addresses = await lookup(host, { all: true, verbatim: true });
    const platform = await this.platform();
    for (const { address } of addresses) {
      if (!isPublicAddress(address))
        throw new Error(`fetch to ${host} refused: it resolves to ${address}, which is not a public address`);
      if (platform.has(address) || this.platformHosts.includes(host))
        throw new Error(`fetch to ${host} refused: it is one of the platform's own services`);
    }
    if (addresses.length === 0) throw new Error(`fetch to ${host} failed: the name has no address`);
    const { address, family } = addresses[0];
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    for (const [name, value] of message.headers) {
      const lower = name.toLowerCase();
      if (!DROPPED_REQUEST_HEADERS.has(lower) || lower === 'authorization' || lower === 'cookie')
        headers[lower] = value;
    }
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
        url,
        {
          method: message.method,
          headers,
          signal,
          // The connection goes to the address checked above, whatever DNS answers now.
          lookup: (_host, options, callback) =>
            options.all
              ? (callback as (error: null, all: { address: string; family: number }[]) => void)(null, [
                  { address, family },
                ])
              : callback(null, address, family),
        },
        resolve,
      );
      outgoing.once('error', reject);
      outgoing.end(body.length > 0 ? body : undefined);
    });
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const one of Array.isArray(value) ? value : [value ?? '']) answerHeaders.append(name, one);
    }
    await send({
      type: 'head',
      id: message.id,
      status: answer.statusCode ?? 502,
      statusText: answer.statusMessage ?? '',
      headers: keptHeaders(answerHeaders),
    });
    for await (const part of answer) await sendChunks(message.id, part as Buffer, send);
    await send({ type: 'end', id: message.id });
  }

  /** The addresses of the platform's own services (database, broker, SQL, API), resolved once. */
  private platform(): Promise<Set<string>> {
    this.platformAddresses ??= Promise.all(
      this.platformHosts.map((host) =>
        lookup(host, { all: true }).then(
          (found) => found.map((entry) => entry.address),
          () => [] as string[],
        ),
      ),
    ).then((all) => new Set(all.flat()));
    return this.platformAddresses;
  }
}

function keptHeaders(headers: Headers): [string, string][] {
  return [...headers].filter(([name]) => !DROPPED_RESPONSE_HEADERS.has(name.toLowerCase()));
}

async function sendChunks(id: number, bytes: Buffer, send: SendToChild): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES)
    await send({ type: 'chunk', id }, bytes.subarray(offset, offset + CHUNK_BYTES));
}
