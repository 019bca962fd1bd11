import type { components, operations, paths } from './generated/openapi';

type AnsweringMethod = 'get' | 'put' | 'post' | 'delete';
type SuccessStatus = 200 | 201 | 202;
type JsonBodyOf<Response> = Response extends { content: { 'application/json': infer Body } } ? Body : never;
type SuccessJsonOf<Operation> = Operation extends { responses: infer Responses }
  ? JsonBodyOf<Responses[Extract<keyof Responses, SuccessStatus>]>
  : never;

/**
 * The JSON `method route` answers as the OpenAPI document describes it, or `Fallback` (a shape written
 * here by hand) while the route declares no response. When a controller declares its response DTO and
 * `npm run openapi` runs again, the SDK's type becomes the generated one by itself, and SDK code reading a
 * field the server does not answer stops compiling. Each type below names the route whose answer it is.
 */
export type AnswerOf<Route extends keyof paths, Method extends AnsweringMethod, Fallback> = AnswerIn<
  paths,
  Route,
  Method,
  Fallback
>;

/** `AnswerOf` over any openapi-typescript `paths` type (the unit test gives it a document of its own). */
export type AnswerIn<
  Paths,
  Route extends keyof Paths,
  Method extends AnsweringMethod,
  Fallback,
> = Method extends keyof Paths[Route]
  ? [SuccessJsonOf<NonNullable<Paths[Route][Method]>>] extends [never]
    ? Fallback
    : SuccessJsonOf<NonNullable<Paths[Route][Method]>>
  : Fallback;

/** Paging and filtering of object lists (the API's `ListQueryDto`). */
export type ListOptions = NonNullable<operations['DatasetsController_list']['parameters']['query']>;

/** The API's list envelope (omega-ml's tastypie shape). */
export interface ListPage<T> {
  objects: T[];
  meta: { limit: number; offset: number; total_count: number };
}

export type PutDatasetBody = components['schemas']['PutDatasetDto'];
export type CreateModelBody = components['schemas']['CreateModelDto'];

export interface ColumnInfo {
  name: string;
  type: string;
}

/** A dataset's Metadata as the API shows it. */
interface DatasetSummaryShape {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  kindMeta: { columns?: ColumnInfo[]; rows?: number } & Record<string, unknown>;
  created: string;
  modified: string;
}
export type DatasetSummary = AnswerOf<'/api/v1/dataset/{name}/metadata', 'get', DatasetSummaryShape>;

interface FileSummaryShape {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  size: number;
  contentType: string;
  sha256: string;
  filename?: string;
  created: string;
  modified: string;
}
export type FileSummary = AnswerOf<'/api/v1/file/{name}/metadata', 'get', FileSummaryShape>;

interface ModelSummaryShape {
  name: string;
  kind: string;
  bucket: string;
  prefix: string;
  attributes: Record<string, unknown>;
  kindMeta: { latest?: number; description?: Record<string, unknown> } & Record<string, unknown>;
  created: string;
  modified: string;
}
export type ModelSummary = AnswerOf<'/api/v1/model', 'post', ModelSummaryShape>;
/** `GET /api/v1/model/{name}`: the Metadata with omega-ml's `{model, result}` beside it. */
export type ModelDetail = AnswerOf<'/api/v1/model/{name}', 'get', ModelSummaryShape>;

export interface ModelVersion {
  version: number;
  lineage: Record<string, unknown>;
  tags?: string[];
  created?: string;
  [key: string]: unknown;
}

interface ModelVersionsShape {
  name: string;
  /** Tag to version number; `latest` is always there. */
  tags: Record<string, number>;
  /** Newest first. */
  versions: ModelVersion[];
}
export type ModelVersions = AnswerOf<'/api/v1/model/{name}/versions', 'get', ModelVersionsShape>;

export type TaskStatus = 'PENDING' | 'STARTED' | 'SUCCESS' | 'FAILURE';

/** A task record as `GET /api/v1/task/{id}/status` answers it. */
interface TaskInfoShape {
  task_id: string;
  bucket: string;
  action: string;
  object?: string;
  label: string;
  argsSummary: Record<string, unknown>;
  status: TaskStatus;
  attempts: number;
  submitted: string;
  started?: string;
  finished?: string;
  durationMs?: number;
  worker?: string;
  error?: { code: string; message: string };
}
export type TaskInfo = AnswerOf<'/api/v1/task/{id}/status', 'get', TaskInfoShape>;

/** `GET /api/v1/task/{id}/result`: the record, with the result once it is SUCCESS. */
export type TaskResultInfo<T = unknown> = Omit<
  AnswerOf<'/api/v1/task/{id}/result', 'get', TaskInfoShape & { result?: unknown }>,
  'result'
> & { result?: T };

export interface WorkerInfo {
  id: string;
  labels: string[];
  host: string;
  pid: number;
  concurrency: number;
  mode: 'broker' | 'in-process';
  inFlight: number;
  processed: number;
  started: string;
  seen: string;
}

interface ClientConfigShape {
  url: string;
  api: string;
  userid: string;
  tenant: string;
  qualifier: string;
  bucket: string;
  role: string;
  worker_labels: string[];
  runtime: 'broker' | 'in-process';
  version: string;
}
export type ClientConfig = AnswerOf<'/api/v1/config', 'get', ClientConfigShape>;

/** A script's Metadata as the API shows it. */
interface ScriptSummaryShape {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  kindMeta: {
    language?: string;
    entry?: string;
    dependencies?: Record<string, string>;
    bundleSize?: number;
    sha256?: string;
    source?: { filename?: string; size?: number };
    owner?: string;
  } & Record<string, unknown>;
  created: string;
  modified: string;
}
export type ScriptSummary = AnswerOf<'/api/v1/script/{name}', 'get', ScriptSummaryShape>;

/** What a script run answers: omega-ml's fields plus the captured output. */
export interface ScriptRunResult<T = unknown> {
  script: string;
  result: T;
  /** Seconds the run took. */
  runtimes: number;
  started: string;
  ended: string;
  stdout?: string;
  stderr?: string;
  task_id?: string;
}

/** One run in a job's history. */
export interface JobRunRecord {
  status: 'SUCCESS' | 'FAILURE';
  started: string;
  ended: string;
  durationMs: number;
  /** The executed notebook, `results/<job>_<time>.ipynb`. */
  result: string;
  error?: string;
  userid: string;
}

/** A job's Metadata as the API shows it, with its run history. */
interface JobSummaryShape {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  kindMeta: { cells?: number; codeCells?: number; runs?: JobRunRecord[] } & Record<string, unknown>;
  created: string;
  modified: string;
}
export type JobSummary = AnswerOf<'/api/v1/job', 'post', JobSummaryShape>;

/** What a job run answers; `result` names the executed notebook. */
interface JobRunResultShape {
  job: string;
  status: 'SUCCESS' | 'FAILURE';
  result: string;
  runtimes: number;
  started: string;
  ended: string;
  error?: { code: string; message: string };
  task_id?: string;
}
export type JobRunResult = AnswerOf<'/api/v1/job/{name}/run', 'post', JobRunResultShape>;

/** A Jupyter notebook (nbformat 4). */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: {
    cell_type: 'code' | 'markdown' | 'raw';
    source: string | string[];
    outputs?: Record<string, unknown>[];
    execution_count?: number | null;
    metadata?: Record<string, unknown>;
  }[];
}

/** A job's schedule as `PUT|GET /api/v1/job/{name}/schedule` answer it. */
interface JobScheduleShape {
  name: string;
  bucket: string;
  cron: string;
  /** The plain-English form it was given in, if so. */
  text?: string;
  timezone: string;
  source: string;
  created: string;
  modified: string;
  last_run: string | null;
  last_task_id: string | null;
  next_times: string[];
}
export type JobSchedule = AnswerOf<'/api/v1/job/{name}/schedule', 'get', JobScheduleShape>;

/** One scheduled run of a job. */
export interface ScheduleTrigger {
  due_at: string;
  fired_at: string | null;
  task_id: string | null;
  status: string;
  catch_up: boolean;
  manager: string;
  error?: string;
}

/** One rate limit of the caller and its use in the current window (`om.me()`). */
export interface RateLimitUse {
  name: string;
  /** Requests per window; 0 = no limit. */
  limit: number;
  windowSeconds: number;
  used: number;
  /** Null when there is no limit. */
  remaining: number | null;
  resetsAt: string;
}

/** `GET /api/v1/auth/me`: who the credentials speak for, and their limits. */
interface WhoAmIShape {
  userid: string;
  tenant: string;
  role: string;
  via: 'apikey' | 'bearer' | 'session';
  keyId?: string;
  isPlatformAdmin?: boolean;
  limits: RateLimitUse[];
}
export type WhoAmI = AnswerOf<'/api/v1/auth/me', 'get', WhoAmIShape>;
