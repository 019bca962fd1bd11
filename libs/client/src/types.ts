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

/** A schema of the OpenAPI document, by its DTO's name. */
type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

/** The API's list envelope (omega-ml's tastypie shape), e.g. `DatasetListDto`. */
export interface ListPage<T> {
  objects: T[];
  meta: Schema<'ListMetaDto'>;
}

export type PutDatasetBody = components['schemas']['PutDatasetDto'];
export type CreateModelBody = components['schemas']['CreateModelDto'];
export type PromoteModelBody = components['schemas']['PromoteModelDto'];

/** A dataset's Metadata as the API shows it (`GET /api/v1/dataset/{name}/metadata`, a put's answer). */
export type DatasetSummary = Schema<'DatasetDto'>;
/** A table's column as its Metadata lists it. */
export type ColumnInfo = NonNullable<DatasetSummary['kindMeta']['columns']>[number];

/** A file's Metadata (`GET /api/v1/file/{name}/metadata`, a put's answer). */
export type FileSummary = Schema<'FileDto'>;

/** A model's Metadata as stored (`POST /api/v1/model`, the list's items, a promote's answer). */
export type ModelSummary = Schema<'ModelDto'>;
/** `GET /api/v1/model/{name}`: the Metadata with omega-ml's `{model, result}` beside it. */
export type ModelDetail = Schema<'ModelDetailDto'>;

/** One stored version of a model. */
export type ModelVersion = Schema<'ModelVersionDto'>;

/** `GET /api/v1/model/{name}/versions`: the versions (newest first) and tags (`latest` always there). */
export type ModelVersions = Schema<'ModelVersionsDto'>;

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

/** A script's Metadata as the API shows it (`GET /api/v1/script/{name}`, a put's answer). */
export type ScriptSummary = Schema<'ScriptDto'>;

/** What a script run answers (`POST /api/v1/script/{name}/run`): omega-ml's fields plus the output. */
export type ScriptRunResult<T = unknown> = Omit<Schema<'ScriptRunAnswerDto'>, 'result'> & { result: T };

/** One run in a job's history. */
export type JobRunRecord = Schema<'JobRunDto'>;

/** A job's Metadata as the API shows it, with its run history (`POST /api/v1/job`, the list). */
export type JobSummary = Schema<'JobDto'>;

/** What a job run answers (`POST /api/v1/job/{name}/run`, 200); `result` names the executed notebook. */
export type JobRunResult = Schema<'JobRunAnswerDto'>;

/** A Jupyter notebook (nbformat 4), as `GET /api/v1/job/{name}/notebook` answers it. */
export type Notebook = Schema<'NotebookDto'>;

/** A job's schedule as `PUT|GET /api/v1/job/{name}/schedule` answer it. */
export type JobSchedule = Schema<'JobScheduleDto'>;

/** One scheduled run of a job (`GET /api/v1/job/{name}/schedule/triggers`). */
export type ScheduleTrigger = Schema<'ScheduleTriggerDto'>;

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
