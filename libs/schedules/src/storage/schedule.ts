/** Who set a schedule: a REST/SDK call, or the notebook's own metadata when the job was put. */
export type ScheduleSource = 'api' | 'notebook';

/**
 * What a schedule that is not a job's submits at each due time: a task of another kind (e.g. a model's
 * drift check). Its `job` key is then a name no job can have (`<kind>:<object>`).
 */
export interface ScheduledTask {
  action: string;
  object: string;
  kwargs: Record<string, unknown>;
}

/** A job's schedule as its tenant stores it (authoritative; the platform index is derived from it). */
export interface Schedule {
  /** The job, or the key of a scheduled task (see `task`). */
  job: string;
  bucket: string;
  tenant: string;
  qualifier: string;
  cron: string;
  /** The plain-English form it was written in, when it was. */
  text?: string;
  timezone: string;
  source: ScheduleSource;
  created: Date;
  modified: Date;
  lastRun?: Date;
  lastTaskId?: string;
  /** Set for a schedule of a task other than a job run. */
  task?: ScheduledTask;
}

export type TriggerStatus = 'claimed' | 'submitted' | 'failed';

/** One firing of a schedule, in the tenant database: which due time, when, by which manager, which task. */
export interface ScheduleTrigger {
  id: string;
  job: string;
  bucket: string;
  dueAt: Date;
  claimedAt: Date;
  manager: string;
  /** True when the manager was late by more than one due time and fired the missed runs once. */
  catchUp: boolean;
  status: TriggerStatus;
  firedAt?: Date;
  taskId?: string;
  error?: string;
}

/** A schedule in the platform-wide index the manager scans for due runs across all tenants. */
export interface ScheduleIndexEntry {
  id: string;
  tenant: string;
  qualifier: string;
  bucket: string;
  job: string;
  cron: string;
  timezone: string;
  nextRun: Date;
  /** The task action when the schedule is not a job's (the ticker reads the task from the tenant). */
  action?: string;
  lastRun?: Date;
  leaseOwner?: string;
  leasedAt?: Date;
}
