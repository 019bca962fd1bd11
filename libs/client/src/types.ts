import type { components, operations } from './generated/openapi';

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
export interface DatasetSummary {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  kindMeta: { columns?: ColumnInfo[]; rows?: number } & Record<string, unknown>;
  created: string;
  modified: string;
}

export interface FileSummary {
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

export interface ModelSummary {
  name: string;
  kind: string;
  bucket: string;
  prefix: string;
  attributes: Record<string, unknown>;
  kindMeta: { latest?: number; description?: Record<string, unknown> } & Record<string, unknown>;
  created: string;
  modified: string;
}

export interface ModelVersion {
  version: number;
  lineage: Record<string, unknown>;
  tags?: string[];
  created?: string;
  [key: string]: unknown;
}

export interface ModelVersions {
  name: string;
  /** Tag to version number; `latest` is always there. */
  tags: Record<string, number>;
  /** Newest first. */
  versions: ModelVersion[];
}

export type TaskStatus = 'PENDING' | 'STARTED' | 'SUCCESS' | 'FAILURE';

/** A task record as `GET /api/v1/task/{id}/status` answers it. */
export interface TaskInfo {
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

/** `GET /api/v1/task/{id}/result`: the record, with the result once it is SUCCESS. */
export interface TaskResultInfo<T = unknown> extends TaskInfo {
  result?: T;
}

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

export interface ClientConfig {
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

/** A script's Metadata as the API shows it. */
export interface ScriptSummary {
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
export interface JobSummary {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  kindMeta: { cells?: number; codeCells?: number; runs?: JobRunRecord[] } & Record<string, unknown>;
  created: string;
  modified: string;
}

/** What a job run answers; `result` names the executed notebook. */
export interface JobRunResult {
  job: string;
  status: 'SUCCESS' | 'FAILURE';
  result: string;
  runtimes: number;
  started: string;
  ended: string;
  error?: { code: string; message: string };
  task_id?: string;
}

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
export interface JobSchedule {
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
export interface WhoAmI {
  userid: string;
  tenant: string;
  role: string;
  via: 'apikey' | 'bearer' | 'session';
  keyId?: string;
  isPlatformAdmin?: boolean;
  limits: RateLimitUse[];
}
