/** The message pattern every task travels under on the broker (Nest's `{pattern, data}` envelope). */
export const TASK_PATTERN = 'omega.task';

export const TASK_STATUSES = ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * One unit of work, as submitted and as it travels to a worker. It names its tenant and bucket: a worker
 * acts inside that context only. `action` picks the handler (`model.predict`, `runtime.ping`, …).
 */
export interface TaskMessage {
  id: string;
  tenant: string;
  bucket: string;
  /** The tenant's environment (its own database); absent in tasks sent before qualifiers: `default`. */
  qualifier?: string;
  action: string;
  /** The object acted on, as addressed by the caller (`iris@latest`), when the action has one. */
  object?: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** The worker label (queue) the task was routed to. */
  label: string;
  trace: TaskTrace;
}

export interface TaskTrace {
  submitted: string;
  /** Queue of the submitting process that wants a completion notice (synchronous calls). */
  replyTo?: string;
  requestId?: string;
  /**
   * A synchronous call: the caller waits on `replyTo` for the whole outcome, and the worker writes the
   * task record only afterwards, in a batch (see TaskRecordBatch). Such a task runs at most once.
   */
  deferredRecord?: boolean;
}

/** What a failed task recorded: a code the API maps to HTTP, and a message safe to show. */
export interface TaskError {
  code: string;
  message: string;
}

/** The task record in the tenant database: the one source of truth about a task's fate. */
export interface TaskRecord {
  id: string;
  bucket: string;
  action: string;
  object?: string;
  label: string;
  /** The call's arguments without bulk data (feature rows are summarised as their size). */
  argsSummary: Record<string, unknown>;
  status: TaskStatus;
  attempts: number;
  submitted: Date;
  started?: Date;
  finished?: Date;
  durationMs?: number;
  worker?: string;
  result?: unknown;
  error?: TaskError;
}

/** A completion notice sent to `trace.replyTo`; small results ride along to save a database read. */
export interface TaskNotice {
  id: string;
  tenant: string;
  status: TaskStatus;
  result?: unknown;
  error?: TaskError;
  hasResult: boolean;
  /** For synchronous calls, whose record is written later: who ran it and when (ISO times). */
  worker?: string;
  started?: string;
  finished?: string;
}

export function isFinished(status: TaskStatus): boolean {
  return status === 'SUCCESS' || status === 'FAILURE';
}
