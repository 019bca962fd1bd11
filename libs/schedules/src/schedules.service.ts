import { Injectable } from '@nestjs/common';
import { assertValidName, MetadataRepository, OmegaError, TenantContext } from '@omega/core';
import { Clock } from './clock/clock';
import { nextTimeAfter, nextTimes } from './cron/cron-expression';
import { ResolvedSchedule, resolveScheduleSpec, ScheduleSpec } from './cron/schedule-spec';
import { scheduleFromNotebookMetadata } from './notebook/notebook-schedule';
import type { Schedule, ScheduledTask, ScheduleSource, ScheduleTrigger } from './storage/schedule';
import { ScheduleIndexRepository } from './storage/schedule-index.repository';
import { ScheduleTriggersRepository } from './storage/schedule-triggers.repository';
import { SchedulesRepository } from './storage/schedules.repository';

/** The storage prefix of notebook jobs: a schedule belongs to a job that exists there. */
export const JOBS_PREFIX = 'jobs';
export const MAX_NEXT_TIMES = 100;

/**
 * Schedules of jobs, per tenant: set, read, drop, and the times they will run. Writes go to the tenant's
 * own collection first (authoritative), then to the platform index the manager scans.
 */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly index: ScheduleIndexRepository,
    private readonly triggerLog: ScheduleTriggersRepository,
    private readonly metadata: MetadataRepository,
    private readonly clock: Clock,
  ) {}

  /** Sets (or replaces) the schedule of an existing job; NOT_FOUND when the job is not in this bucket. */
  async schedule(
    ctx: TenantContext,
    job: string,
    spec: ScheduleSpec,
    options: { source?: ScheduleSource } = {},
  ): Promise<Schedule> {
    assertValidName(job, 'job name');
    const resolved = resolveScheduleSpec(spec);
    await this.requireJob(ctx, job);
    return this.save(ctx, job, resolved, options.source ?? 'api');
  }

  /**
   * Sets (or replaces) the schedule of a task other than a job run, under `key` (`<kind>:<object>`, a name
   * no job can have): the ticker submits `task` at each due time. The caller checks its object exists.
   */
  async scheduleTask(
    ctx: TenantContext,
    key: string,
    spec: ScheduleSpec,
    task: ScheduledTask,
  ): Promise<Schedule> {
    return this.save(ctx, taskKey(key), resolveScheduleSpec(spec), 'api', task);
  }

  /** The schedule set by `scheduleTask`, or null. */
  async findTask(ctx: TenantContext, key: string): Promise<Schedule | null> {
    return this.schedules.find(ctx, taskKey(key));
  }

  /** Removes a task's schedule; false when it had none. */
  async dropTask(ctx: TenantContext, key: string): Promise<boolean> {
    await this.index.remove(ctx, taskKey(key));
    return this.schedules.remove(ctx, taskKey(key));
  }

  private async save(
    ctx: TenantContext,
    job: string,
    resolved: ResolvedSchedule,
    source: ScheduleSource,
    task?: ScheduledTask,
  ): Promise<Schedule> {
    const now = this.clock.now();
    const schedule = await this.schedules.save(
      ctx,
      { job, ...resolved, source, ...(task ? { task } : {}) },
      now,
    );
    await this.index.upsert(ctx, job, {
      cron: schedule.cron,
      timezone: schedule.timezone,
      nextRun: nextTimeAfter(schedule.cron, schedule.timezone, now),
      action: task?.action,
    });
    return schedule;
  }

  async get(ctx: TenantContext, job: string): Promise<Schedule> {
    assertValidName(job, 'job name');
    const schedule = await this.schedules.find(ctx, job);
    if (!schedule) throw OmegaError.notFound(`schedule of job ${job}`);
    return schedule;
  }

  /** The next `count` times the job will run, from now. */
  async nextTimes(ctx: TenantContext, job: string, count = 5): Promise<Date[]> {
    return this.nextTimesOf(await this.get(ctx, job), count);
  }

  nextTimesOf(schedule: Pick<Schedule, 'cron' | 'timezone'>, count = 5): Date[] {
    if (!Number.isInteger(count) || count < 1 || count > MAX_NEXT_TIMES) {
      throw OmegaError.invalidInput(`n must be an integer from 1 to ${MAX_NEXT_TIMES}`);
    }
    return nextTimes(schedule.cron, schedule.timezone, this.clock.now(), count);
  }

  /** Removes a job's schedule (its trigger history stays); NOT_FOUND when it has none. */
  async dropSchedule(ctx: TenantContext, job: string): Promise<void> {
    assertValidName(job, 'job name');
    // The index first: a schedule still in the index but gone from the tenant would keep firing.
    await this.index.remove(ctx, job);
    if (!(await this.schedules.remove(ctx, job))) throw OmegaError.notFound(`schedule of job ${job}`);
  }

  /**
   * For the jobs kind at put: a schedule in the notebook's metadata (`metadata.omega.schedule`) becomes
   * the job's schedule; a notebook without one removes a schedule that an earlier version of it had set
   * (one set over the API stays). Answers the schedule now in force, if any.
   */
  async applyNotebookSchedule(
    ctx: TenantContext,
    job: string,
    notebook: unknown,
  ): Promise<Schedule | undefined> {
    const spec = scheduleFromNotebookMetadata(notebook);
    if (spec) return this.schedule(ctx, job, spec, { source: 'notebook' });
    const current = await this.schedules.find(ctx, job);
    if (current?.source === 'notebook') {
      await this.dropSchedule(ctx, job);
      return undefined;
    }
    return current ?? undefined;
  }

  /** The job's recorded firings, newest first. */
  async listTriggers(ctx: TenantContext, job: string, limit = 100): Promise<ScheduleTrigger[]> {
    assertValidName(job, 'job name');
    return this.triggerLog.list(ctx, job, limit);
  }

  /** NOT_FOUND when the job is not in this bucket (a dropped job's trigger history stays readable here). */
  async requireJob(ctx: TenantContext, job: string): Promise<void> {
    assertValidName(job, 'job name');
    if (!(await this.metadata.find(ctx, JOBS_PREFIX, job)))
      throw OmegaError.notFound(`${JOBS_PREFIX}/${job}`);
  }
}

/** A task schedule's key holds a `:` (no job name does), so it never meets a job's schedule. */
function taskKey(key: string): string {
  if (!/^[a-z][a-z-]*:./.test(key)) throw OmegaError.invalidInput(`not a task schedule key: ${key}`);
  return key;
}
