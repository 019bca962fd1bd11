/** Who set a schedule: a REST/SDK call, or the notebook's own metadata when the job was put. */
export type ScheduleSource = 'api' | 'notebook';

/** A job's schedule as its tenant stores it (authoritative; the platform index is derived from it). */
export interface Schedule {
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
  lastRun?: Date;
  leaseOwner?: string;
  leasedAt?: Date;
}
