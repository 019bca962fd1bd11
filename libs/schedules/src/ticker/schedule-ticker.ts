import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MetadataRepository, OMEGA_CONFIG, OmegaConfig, OmegaError, TenantContext } from '@omega/core';
import { RunsService, StoredRun, TaskHandlerRegistry } from '@omega/runtime';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Clock } from '../clock/clock';
import { JOBS_PREFIX } from '../schedules.service';
import type { ScheduleIndexEntry } from '../storage/schedule';
import { ScheduleIndexRebuilder } from '../storage/schedule-index-rebuilder';
import { ScheduleIndexRepository } from '../storage/schedule-index.repository';
import { ScheduleTriggersRepository } from '../storage/schedule-triggers.repository';
import { SchedulesRepository } from '../storage/schedules.repository';
import { decideDueRun } from './due-run';

/** The task action a scheduled run submits; the jobs kind handles it (object: the job name). */
export const JOB_RUN_ACTION = 'job.run';
/** Due schedules taken per tick; the rest wait for the next one. */
const BATCH = 500;

export interface TickReport {
  at: Date;
  due: number;
  /** Runs this ticker submitted. */
  fired: number;
  /** Due schedules another manager claimed first. */
  lost: number;
  /** Due schedules moved on without a run (`OMEGA_SCHEDULE_CATCH_UP=skip` after downtime). */
  skipped: number;
  failed: number;
}

/**
 * The manager's heartbeat for schedules: every `OMEGA_SCHEDULE_TICK_SECONDS` it finds the schedules due
 * in all tenants and submits one `job.run` task per due run. Several managers may tick over the same
 * index: each due run is claimed first (conditional update of the index entry, then the unique trigger
 * record), so it fires exactly once. A run lost between claim and submission is not retried (at most once).
 */
@Injectable()
export class ScheduleTicker implements OnApplicationBootstrap, OnModuleDestroy {
  readonly id = `manager-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger(ScheduleTicker.name);
  private timer?: NodeJS.Timeout;
  private current?: Promise<TickReport>;

  constructor(
    private readonly index: ScheduleIndexRepository,
    private readonly triggers: ScheduleTriggersRepository,
    private readonly schedules: SchedulesRepository,
    private readonly metadata: MetadataRepository,
    private readonly runs: RunsService,
    private readonly rebuilder: ScheduleIndexRebuilder,
    private readonly clock: Clock,
    private readonly handlers: TaskHandlerRegistry,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  /**
   * Starts ticking: first the index is checked against the tenants' schedules, then the first tick runs at
   * once, so runs missed while the manager was down are caught up.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.brokerUrl && !this.handlers.find(JOB_RUN_ACTION)) {
      // Without a broker the runtime client runs tasks in this process: the embedded API can (it loads the
      // job handler), a manager cannot.
      this.logger.warn(
        'OMEGA_BROKER_URL is not set: scheduled runs stay in this process and fail; set it so workers run them',
      );
    }
    await this.rebuilder.rebuild().then(
      ({ added, removed }) => {
        if (added + removed > 0)
          this.logger.log(`schedule index rebuilt: ${added} added, ${removed} removed`);
      },
      (error: Error) => this.logger.error(`schedule index rebuild failed: ${error.message}`),
    );
    await this.tickQuietly();
    this.timer = setInterval(() => void this.tickQuietly(), this.config.scheduleTickSeconds * 1000);
    this.timer.unref();
    this.logger.log(
      `ticking every ${this.config.scheduleTickSeconds} s as ${this.id} (catch-up: ${this.config.scheduleCatchUp})`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stop();
    await this.current?.catch(() => undefined);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over the due schedules. Ticks of one ticker never overlap: a second call joins the first. */
  tick(): Promise<TickReport> {
    this.current ??= this.runTick().finally(() => (this.current = undefined));
    return this.current;
  }

  private async tickQuietly(): Promise<void> {
    await this.tick().catch((error: Error) => this.logger.error(`tick failed: ${error.message}`));
  }

  private async runTick(): Promise<TickReport> {
    const now = this.clock.now();
    const report: TickReport = { at: now, due: 0, fired: 0, lost: 0, skipped: 0, failed: 0 };
    const due = await this.index.due(now, BATCH);
    report.due = due.length;
    for (const entry of due) {
      try {
        report[await this.handle(entry, now)]++;
      } catch (error) {
        report.failed++;
        this.logger.error(`schedule ${entry.id}: ${(error as Error).message}`);
      }
    }
    return report;
  }

  private async handle(
    entry: ScheduleIndexEntry,
    now: Date,
  ): Promise<'fired' | 'lost' | 'skipped' | 'failed'> {
    const graceMs = 2 * this.config.scheduleTickSeconds * 1000;
    const decision = decideDueRun(entry, now, this.config.scheduleCatchUp, graceMs);
    const advanced = await this.index.advance(entry, {
      nextRun: decision.nextRun,
      ...(decision.fire ? { lastRun: decision.fire } : {}),
      leaseOwner: this.id,
      leasedAt: now,
    });
    if (!advanced) return 'lost';
    if (!decision.fire) return 'skipped';
    const ctx = TenantContext.of(entry.tenant, entry.bucket, entry.qualifier);
    const trigger = await this.triggers.claim(ctx, {
      job: entry.job,
      bucket: entry.bucket,
      dueAt: decision.fire,
      claimedAt: now,
      manager: this.id,
      catchUp: decision.missed,
    });
    if (!trigger) return 'lost';
    try {
      const task = await this.runs.submit(ctx, {
        ...(await this.taskOf(ctx, entry)),
        requestId: `schedule:${trigger.id}`,
      });
      await this.triggers.markSubmitted(ctx, trigger.id, this.clock.now(), task.id);
      await this.schedules.recordRun(ctx, entry.job, decision.fire, task.id);
      this.logger.log(
        `${entry.id} due ${decision.fire.toISOString()}${decision.missed ? ' (catch-up)' : ''}: task ${task.id}`,
      );
      return 'fired';
    } catch (error) {
      const message = (error as Error).message;
      await this.triggers.markFailed(ctx, trigger.id, message).catch(() => undefined);
      this.logger.error(`schedule ${entry.id} due ${decision.fire.toISOString()}: ${message}`);
      return 'failed';
    }
  }

  /** What a due schedule submits: its job's run, or the task a schedule of another kind names. */
  private async taskOf(ctx: TenantContext, entry: ScheduleIndexEntry): Promise<StoredRun> {
    if (entry.action) {
      const task = (await this.schedules.find(ctx, entry.job))?.task;
      if (!task) throw OmegaError.notFound(`schedule ${entry.job}`);
      return task;
    }
    const job = await this.metadata.find(ctx, JOBS_PREFIX, entry.job);
    if (!job) throw OmegaError.notFound(`${JOBS_PREFIX}/${entry.job}`);
    // Acts as the job's owner (the jobs kind's default), on the label the job requires.
    return { action: JOB_RUN_ACTION, object: entry.job, attributes: job.attributes };
  }
}
