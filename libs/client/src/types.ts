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
