/**
 * The `om` a script or notebook gets: a small REST client holding a short-lived token scoped to the
 * caller's tenant. It stands in for `Omega` from `@omega/client` until the SDK accepts a Bearer token
 * (it only sends `ApiKey` credentials today); the shape follows omega-ml's `om.datasets.get(name)` etc.
 * Everything here runs inside the sandboxed child: only Node built-ins and `fetch`.
 */
export interface OmConnection {
  url: string;
  token: string;
  tenant: string;
  bucket: string;
  qualifier: string;
}

export class OmRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OmRequestError';
  }
}

type Json = unknown;

export interface OmRequestOptions {
  json?: Json;
  body?: string | Uint8Array;
  contentType?: string;
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
}

export function createOm(connection: OmConnection) {
  const request = async (method: string, path: string, options: OmRequestOptions = {}): Promise<Response> => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) search.append(key, String(value));
    const query = search.toString();
    const headers: Record<string, string> = {
      Bucket: connection.bucket,
      Qualifier: connection.qualifier,
      ...options.headers,
      // Last: a script cannot swap the credential for another one through `headers`.
      Authorization: `Bearer ${connection.token}`,
    };
    let body: string | Uint8Array | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['Content-Type'] = 'application/json';
    } else if (options.contentType) headers['Content-Type'] = options.contentType;
    const answer = await fetch(`${connection.url}${path}${query ? `?${query}` : ''}`, {
      method,
      headers,
      body,
    });
    if (!answer.ok) {
      const text = await answer.text().catch(() => '');
      let code = `HTTP_${answer.status}`;
      let message = text.slice(0, 500) || answer.statusText;
      try {
        const parsed = JSON.parse(text) as { code?: string; message?: string };
        code = parsed.code ?? code;
        message = parsed.message ?? message;
      } catch {
        // not the API's error body
      }
      throw new OmRequestError(answer.status, code, `${method} ${path}: ${answer.status} ${message}`);
    }
    return answer;
  };
  const json = async <T = Json>(method: string, path: string, options?: OmRequestOptions): Promise<T> =>
    (await (await request(method, path, options)).json()) as T;
  const name = (value: string) => encodeURIComponent(value);

  return {
    tenant: connection.tenant,
    bucket: connection.bucket,
    qualifier: connection.qualifier,
    request,
    json,
    datasets: {
      /** Rows as records; `filter` is omega-ml's `column__op=value` query. */
      get: (dataset: string, filter: Record<string, string | number | boolean> = {}) =>
        json<Record<string, unknown>[]>('GET', `/api/v1/dataset/${name(dataset)}`, {
          query: { ...filter, orient: 'records' },
        }),
      put: (data: unknown, dataset: string, options: { append?: boolean } = {}) =>
        json('PUT', `/api/v1/dataset/${name(dataset)}`, {
          json: { data, ...(options.append ? { append: true } : {}) },
        }),
      list: async () =>
        (await json<{ objects: { name: string }[] }>('GET', '/api/v1/dataset/')).objects.map((o) => o.name),
      drop: (dataset: string) => json('DELETE', `/api/v1/dataset/${name(dataset)}`),
    },
    files: {
      get: async (file: string) =>
        Buffer.from(await (await request('GET', `/api/v1/file/${name(file)}`)).arrayBuffer()),
      put: (data: string | Uint8Array, file: string, contentType = 'application/octet-stream') =>
        json('PUT', `/api/v1/file/${name(file)}`, { body: data, contentType }),
    },
    models: {
      predict: async (model: string, data: unknown) =>
        (await json<{ result: unknown }>('PUT', `/api/v1/model/${name(model)}/predict`, { json: { data } }))
          .result,
      list: async () =>
        (await json<{ objects: { name: string }[] }>('GET', '/api/v1/model/')).objects.map((o) => o.name),
    },
  };
}

export type Om = ReturnType<typeof createOm>;
