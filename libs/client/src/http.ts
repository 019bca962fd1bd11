import { ApiErrorBody, OmegaApiError, OmegaConnectionError } from './errors';
import type { paths } from './generated/openapi';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'head';

/**
 * The API routes that answer `method`, taken from the generated OpenAPI types: a route the server no
 * longer has (or no longer answers with that method) does not compile here.
 */
export type Route<M extends HttpMethod> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  /** Values for the route's `{placeholders}` (URL-encoded here: names may hold `/`). */
  path?: Record<string, string>;
  query?: Record<string, QueryValue>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body: bytes, a form, or a stream of bytes (sent chunked, never collected first). */
  body?: Uint8Array | FormData | Blob | AsyncIterable<Uint8Array> | string;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
}

/** Which bucket and environment (`Qualifier`) every request of a client goes to. */
export interface Scope {
  bucket?: string;
  qualifier?: string;
}

/** How requests authenticate: omega-ml's API key, or a Bearer token (a login's, or a run's scoped one). */
export type HttpCredential = { userid: string; apikey: string } | { token: string };

/**
 * Requests with the omega-ml `Authorization: ApiKey <userid>:<apikey>` header (or `Bearer <token>`), over
 * Node's own fetch. The secret lives in a private field: it is not an enumerable property, so logging a
 * client never shows it.
 */
export class HttpClient {
  readonly #credential: HttpCredential;

  constructor(
    readonly baseUrl: string,
    credential: HttpCredential,
    readonly scope: Scope = {},
  ) {
    this.#credential = credential;
  }

  /** The API key's userid; empty for a token, whose user the server knows (`om.config()` tells). */
  get userid(): string {
    return 'userid' in this.#credential ? this.#credential.userid : '';
  }

  /** The same credentials bound to another bucket or environment. */
  withScope(scope: Scope): HttpClient {
    return new HttpClient(this.baseUrl, this.#credential, { ...this.scope, ...scope });
  }

  url<M extends HttpMethod>(route: Route<M>, options: Pick<RequestOptions, 'path' | 'query'> = {}): string {
    const path = String(route).replace(/\{([^}]+)\}/g, (_, key: string) => {
      const value = options.path?.[key];
      if (value === undefined) throw new TypeError(`${String(route)}: no value for {${key}}`);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) search.append(key, String(value));
    }
    const query = search.toString();
    return `${this.baseUrl}${path}${query ? `?${query}` : ''}`;
  }

  /** Sends one request; any answer but 2xx becomes an `OmegaApiError` (the body is read for it). */
  async request<M extends HttpMethod>(
    method: M,
    route: Route<M>,
    options: RequestOptions = {},
  ): Promise<Response> {
    const url = this.url<M>(route, options);
    const headers: Record<string, string> = {
      ...options.headers,
      // After the caller's headers: they cannot swap the credential for another.
      Authorization:
        'token' in this.#credential
          ? `Bearer ${this.#credential.token}`
          : `ApiKey ${this.#credential.userid}:${this.#credential.apikey}`,
    };
    if (this.scope.bucket) headers.Bucket = this.scope.bucket;
    if (this.scope.qualifier) headers.Qualifier = this.scope.qualifier;
    if (options.accept) headers.Accept = options.accept;
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['Content-Type'] = 'application/json';
    } else if (options.body !== undefined) {
      body = options.body as RequestInit['body'];
      if (options.contentType) headers['Content-Type'] = options.contentType;
    }
    const streamed = isAsyncIterable(options.body);
    let answer: Response;
    try {
      answer = await fetch(url, {
        method: method.toUpperCase(),
        headers,
        body,
        ...(streamed ? { duplex: 'half' as const } : {}),
      });
    } catch (error) {
      throw new OmegaConnectionError(`${method.toUpperCase()} ${stripQuery(url)} failed: ${reason(error)}`, {
        cause: error,
      });
    }
    if (!answer.ok) throw await apiError(answer, method, url);
    return answer;
  }

  /** A JSON answer from a route that answers GET. */
  get<T>(route: Route<'get'>, options: RequestOptions = {}): Promise<T> {
    return this.json<T, 'get'>('get', route, options);
  }

  put<T>(route: Route<'put'>, options: RequestOptions = {}): Promise<T> {
    return this.json<T, 'put'>('put', route, options);
  }

  post<T>(route: Route<'post'>, options: RequestOptions = {}): Promise<T> {
    return this.json<T, 'post'>('post', route, options);
  }

  delete<T>(route: Route<'delete'>, options: RequestOptions = {}): Promise<T> {
    return this.json<T, 'delete'>('delete', route, options);
  }

  private async json<T, M extends HttpMethod>(
    method: M,
    route: Route<M>,
    options: RequestOptions,
  ): Promise<T> {
    const answer = await this.request(method, route, { accept: 'application/json', ...options });
    return (await answer.json()) as T;
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function stripQuery(url: string): string {
  return url.split('?')[0];
}

/** fetch's own message is "fetch failed"; the cause says why (ECONNREFUSED, a reset, …). */
export function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = (error as Error).message ?? String(error);
  return cause ? `${message} (${cause.code ?? cause.message})` : message;
}

async function apiError(answer: Response, method: string, url: string): Promise<OmegaApiError> {
  const request = { method: method.toUpperCase(), path: new URL(url).pathname };
  const text = await answer.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (typeof body.message === 'string' && typeof body.code === 'string') {
      return new OmegaApiError({ ...body, statusCode: answer.status } as ApiErrorBody, request);
    }
  } catch {
    // Not the API's error body (a proxy's page, say): fall through to one made from the status.
  }
  return new OmegaApiError(
    {
      statusCode: answer.status,
      message: text.slice(0, 500) || answer.statusText,
      code: `HTTP_${answer.status}`,
    },
    request,
  );
}
