import { principalOf } from '@omega/accounts';
import { OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import type { TaskRecord } from '@omega/runtime';
import type { RunRequest, StoredRuns } from '@omega/scripts';
import type { Request, Response } from 'express';
import { asyncRequested } from '../http/async-request';
import { readMultipart } from '../http/read-multipart';
import { validateBody } from '../http/validate-body';
import { RUN_QUERY_KEYS, RunQueryDto } from './script.dto';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_PARAMS = 50;
const MAX_ARGS = 100;

/**
 * A run from its HTTP parts: the JSON body is the positional arguments (an array as is, an object as one
 * argument), the query parameters other than `async require timeout` are keyword arguments, and the run
 * acts for the authenticated user.
 */
export async function runRequest(
  req: Request,
  kind: 'script' | 'job' = 'script',
): Promise<{ options: RunQueryDto; request: RunRequest }> {
  const query = req.query as Record<string, unknown>;
  const known = Object.fromEntries(Object.entries(query).filter(([key]) => RUN_QUERY_KEYS.has(key)));
  const options = await validateBody(RunQueryDto, known);
  const principal = principalOf(req);
  if (!principal) throw new OmegaError(OmegaErrorCode.Unauthenticated, 'Invalid or missing credentials');
  const body: unknown = req.body;
  const args = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Object.keys(body).length > 0
      ? [body]
      : [];
  if (args.length > MAX_ARGS) throw OmegaError.invalidInput(`At most ${MAX_ARGS} arguments per run`);
  const kwargsEntries = Object.entries(query).filter(([key]) => !RUN_QUERY_KEYS.has(key));
  if (kwargsEntries.length > MAX_PARAMS)
    throw OmegaError.invalidInput(`At most ${MAX_PARAMS} parameters per run`);
  const kwargs: Record<string, unknown> = Object.fromEntries(
    kwargsEntries.map(([key, value]) => {
      if (!PARAM_NAME.test(key))
        throw OmegaError.invalidInput(`Parameter name ${JSON.stringify(key)} is not allowed`);
      return [key, Array.isArray(value) ? value.map(coerce) : coerce(value)];
    }),
  );
  // omega-ml's runtime adds `pure_python: false` to a script's keyword arguments, and its clients see it
  // in what the script reports back; a run without keyword arguments still gets none.
  if (kind === 'script' && kwargsEntries.length > 0 && !('pure_python' in kwargs)) kwargs.pure_python = false;
  return {
    options: { ...options, async: options.async || asyncRequested(req.header('async')) },
    request: {
      args,
      kwargs,
      runAs: { userId: principal.userId, userid: principal.userid },
      require: options.require,
      timeoutSeconds: options.timeout,
      requestId: req.header('x-request-id'),
    },
  };
}

function coerce(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return Number(value);
  return value;
}

/** A JSON object form field, or undefined when absent. */
export function parseAttributes(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw OmegaError.invalidInput('attributes must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw OmegaError.invalidInput('attributes must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * A finished run that failed, as the API's error body plus where to read more: 422 with the task's own
 * code (`LIMIT_EXCEEDED`, `SCRIPT_FAILED`, …). Errors of the platform itself (not found, no worker) are
 * thrown before a task exists and take the usual path.
 */
export function sendRunFailure(res: Response, record: TaskRecord, extra: Record<string, unknown>) {
  res.status(422);
  return {
    statusCode: 422,
    error: 'Unprocessable Entity',
    message: record.error?.message ?? 'The run failed',
    code: record.error?.code ?? OmegaErrorCode.TaskFailed,
    ...extra,
    task_id: record.id,
    resource_uri: `/api/v1/task/${record.id}/result`,
  };
}

/**
 * `POST /api/v1/{script|job}/{name}/run` for either kind: `?async=true` answers 202 with the task's
 * location; otherwise the run's own answer, or 422 with the task's error when it failed.
 */
export async function answerRun(
  kind: 'script' | 'job',
  runs: StoredRuns,
  ctx: TenantContext,
  name: string,
  req: Request,
  res: Response,
  answer: (run: Record<string, unknown>) => Promise<Record<string, unknown>> = async (run) => run,
): Promise<Record<string, unknown>> {
  const { options, request } = await runRequest(req, kind);
  if (options.async) {
    const task = await runs.submit(ctx, name, request);
    const location = `/api/v1/task/${task.id}/result`;
    res.status(202).setHeader('Location', location);
    return { [kind]: name, result: 'pending', task_id: task.id, status: 'PENDING', resource_uri: location };
  }
  const record = await runs.call(ctx, name, request);
  if (record.status === 'FAILURE') return sendRunFailure(res, record, { [kind]: name });
  return { ...(await answer(record.result as Record<string, unknown>)), task_id: record.id };
}

/**
 * The parts of a multipart script or notebook upload, checked: the form fields as `Fields`, the file
 * (not empty, at most `maxBytes`), and the user it is stored for.
 */
export async function readRunnableUpload<Fields extends object>(
  req: Request,
  fieldsType: new () => Fields,
  maxBytes: number,
  what: 'script' | 'notebook',
): Promise<{ form: Fields; file: { filename?: string; buffer: Buffer }; owner: RunRequest['runAs'] }> {
  if (!(req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
    throw new OmegaError(
      OmegaErrorCode.UnsupportedMediaType,
      `Upload a ${what} as multipart/form-data (file, name)`,
    );
  }
  const { fields, file } = await readMultipart(req, maxBytes);
  const form = await validateBody(fieldsType, fields);
  if (!file || file.buffer.length === 0) throw OmegaError.invalidInput(`multipart body has no ${what} file`);
  const principal = principalOf(req);
  if (!principal) throw new OmegaError(OmegaErrorCode.Unauthenticated, 'Invalid or missing credentials');
  return { form, file, owner: { userId: principal.userId, userid: principal.userid } };
}
