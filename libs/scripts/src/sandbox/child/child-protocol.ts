/**
 * Where a run's `om` connects: the API, a short-lived token scoped to the caller's tenant, and the
 * bucket and environment the run was started in. The worker keeps the token: the child is given a
 * stand-in that only its own channel to the worker honours.
 */
export interface OmConnection {
  url: string;
  token: string;
  tenant: string;
  bucket: string;
  qualifier: string;
}

/** The one run the worker sends its sandbox child (over its channel, never argv or env). */
export type ChildRequest =
  | { mode: 'script'; api: OmConnection; file: string; args: unknown[] }
  | { mode: 'notebook'; api: OmConnection; cells: { index: number; code: string }[] };

export interface ChildError {
  name: string;
  message: string;
  stack?: string;
}

/** Outputs of one executed notebook cell, in nbformat v4's shape. */
export type CellOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string[] }
  | {
      output_type: 'execute_result';
      execution_count: number;
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
    }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export interface CellOutcome {
  index: number;
  outputs: CellOutput[];
  ok: boolean;
}

/** What the child answers before it exits. */
export type ChildResponse =
  | { ok: true; result?: unknown; cells?: CellOutcome[] }
  | { ok: false; error: ChildError; cells?: CellOutcome[] };

/**
 * Messages from the child: each finished notebook cell as it finishes (so a run stopped at a limit keeps
 * the cells before), then the one final answer.
 */
export type ChildMessage =
  { type: 'cell'; cell: CellOutcome } | ({ type: 'done' } & ChildResponse) | FetchMessage;

/**
 * A `fetch` of the child, which has no network: the worker makes it (the API with the run's token, or an
 * allowed outside host) and answers with `head`, then `chunk`s of the body, then `end`; or `fail`.
 * The request body travels as the frame's bytes.
 */
export interface FetchMessage {
  type: 'fetch';
  id: number;
  url: string;
  method: string;
  headers: [string, string][];
}

/** What the worker sends its child: the run, then the answers to its fetches. */
export type ParentMessage =
  | ({ type: 'run'; maxMessageBytes: number } & ChildRequest)
  | { type: 'head'; id: number; status: number; statusText: string; headers: [string, string][] }
  | { type: 'chunk'; id: number }
  | { type: 'end'; id: number }
  | { type: 'fail'; id: number; message: string };

const MAX_URL_CHARS = 16 * 1024;
const MAX_HEADERS = 200;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * A message from the child, checked against the protocol: anything else throws, with what was wrong.
 * Only the shape is checked here; the worker decides what a fetch may reach.
 */
export function parseChildMessage(value: unknown): ChildMessage {
  const message = record(value, 'the message');
  switch (message.type) {
    case 'cell':
      return { type: 'cell', cell: cellOutcome(message.cell) };
    case 'done': {
      const cells = message.cells === undefined ? undefined : list(message.cells, 'cells').map(cellOutcome);
      if (message.ok === true) return { type: 'done', ok: true, result: message.result, cells };
      if (message.ok === false) return { type: 'done', ok: false, error: childError(message.error), cells };
      throw new TypeError('done.ok is not a boolean');
    }
    case 'fetch': {
      if (!Number.isSafeInteger(message.id)) throw new TypeError('fetch.id is not an integer');
      if (typeof message.url !== 'string' || message.url.length > MAX_URL_CHARS)
        throw new TypeError('fetch.url is not a URL');
      if (typeof message.method !== 'string' || !METHODS.has(message.method))
        throw new TypeError('fetch.method is not an HTTP method');
      const headers = list(message.headers, 'fetch.headers');
      if (headers.length > MAX_HEADERS) throw new TypeError('fetch.headers has too many headers');
      for (const header of headers) {
        if (!Array.isArray(header) || header.length !== 2 || header.some((part) => typeof part !== 'string'))
          throw new TypeError('fetch.headers is not a list of [name, value]');
      }
      return {
        type: 'fetch',
        id: message.id as number,
        url: message.url,
        method: message.method,
        headers: headers as [string, string][],
      };
    }
    default:
      throw new TypeError(`unknown message type ${JSON.stringify(message.type)?.slice(0, 40)}`);
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} is not a list`);
  return value;
}

function childError(value: unknown): ChildError {
  const error = record(value, 'done.error');
  if (typeof error.name !== 'string' || typeof error.message !== 'string')
    throw new TypeError('done.error has no name and message');
  if (error.stack !== undefined && typeof error.stack !== 'string')
    throw new TypeError('done.error.stack is not text');
  return { name: error.name, message: error.message, stack: error.stack };
}

function cellOutcome(value: unknown): CellOutcome {
  const cell = record(value, 'the cell');
  if (!Number.isSafeInteger(cell.index) || typeof cell.ok !== 'boolean')
    throw new TypeError('the cell has no index or ok');
  const outputs = list(cell.outputs, 'cell.outputs').map((output) => {
    const kind = record(output, 'a cell output').output_type;
    if (kind !== 'stream' && kind !== 'execute_result' && kind !== 'error')
      throw new TypeError('a cell output has an unknown output_type');
    return output as CellOutput;
  });
  return { index: cell.index as number, ok: cell.ok, outputs };
}

/** Text a notebook's cells may print in all; past it, output is dropped with a note. */
export const MAX_NOTEBOOK_OUTPUT_CHARS = 1024 * 1024;
