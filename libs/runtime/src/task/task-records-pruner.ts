import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, TenantDatabases } from '@omega/core';
import { TaskRecordsRepository } from './task-records.repository';
import {
  RETENTION_FIRST_PASS_DELAY_MS,
  RETENTION_INTERVAL_MS,
  retentionCutoff,
  tenantDatabasesOf,
} from './task-retention';

export interface PruneReport {
  /** Finish time before which finished tasks were deleted; absent when they are kept forever. */
  cutoff?: Date;
  databases: number;
  /** Asynchronous tasks deleted (outcome and record). */
  outcomes: number;
  /** Finished records deleted (synchronous calls). */
  records: number;
  /** Databases whose pruning failed this pass (logged; retried next pass). */
  failed: number;
}

/**
 * Task retention (`OMEGA_TASK_RETENTION_HOURS`): once shortly after start, then every hour, deletes from
 * every tenant database the finished tasks that finished longer ago than the retention. Runs where
 * schedules tick (the manager, or the embedded API). A database that fails is logged and skipped; the
 * process goes on. Several processes pruning at once only repeat each other's deletes.
 */
@Injectable()
export class TaskRecordsPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TaskRetention');
  private timers: NodeJS.Timeout[] = [];
  private current?: Promise<PruneReport>;

  constructor(
    private readonly records: TaskRecordsRepository,
    private readonly databases: TenantDatabases,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.taskRetentionHours === 0) {
      this.logger.log('finished tasks are kept forever (OMEGA_TASK_RETENTION_HOURS=0)');
      return;
    }
    const pass = () => void this.prune().catch(() => undefined);
    this.timers = [setTimeout(pass, RETENTION_FIRST_PASS_DELAY_MS), setInterval(pass, RETENTION_INTERVAL_MS)];
    for (const timer of this.timers) timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    await this.current?.catch(() => undefined);
  }

  /** One pass over every tenant database. Passes of one process never overlap: a second call joins the first. */
  prune(now = new Date()): Promise<PruneReport> {
    this.current ??= this.pass(now).finally(() => (this.current = undefined));
    return this.current;
  }

  private async pass(now: Date): Promise<PruneReport> {
    const cutoff = retentionCutoff(now, this.config.taskRetentionHours);
    const report: PruneReport = { cutoff, databases: 0, outcomes: 0, records: 0, failed: 0 };
    if (!cutoff) return report;
    const started = Date.now();
    let databases: string[];
    try {
      databases = await this.tenantDatabases();
    } catch (error) {
      this.logger.error(`task retention: cannot list databases: ${(error as Error).message}`);
      return { ...report, failed: 1 };
    }
    for (const database of databases) {
      try {
        const pruned = await this.records.pruneFinished(database, cutoff);
        report.outcomes += pruned.outcomes;
        report.records += pruned.records;
        report.databases++;
      } catch (error) {
        report.failed++;
        this.logger.error(`task retention: database ${database}: ${(error as Error).message}`);
      }
    }
    this.logger.log(
      `task retention: deleted ${report.outcomes + report.records} tasks finished before ${cutoff.toISOString()} ` +
        `(${report.outcomes} asynchronous, ${report.records} synchronous) in ${report.databases} databases` +
        `${report.failed ? `, ${report.failed} failed` : ''} in ${Date.now() - started} ms`,
    );
    return report;
  }

  private async tenantDatabases(): Promise<string[]> {
    const admin = this.databases.client().db('admin').admin();
    const { databases } = await admin.listDatabases({ nameOnly: true });
    return tenantDatabasesOf(
      databases.map(({ name }) => name),
      this.config.mongoDbPrefix,
    );
  }
}
