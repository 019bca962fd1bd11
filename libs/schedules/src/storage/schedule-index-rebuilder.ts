import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, TenantContext, TenantDatabases } from '@omega/core';
import { Clock } from '../clock/clock';
import { nextTimeAfter } from '../cron/cron-expression';
import { SCHEDULES_COLLECTION, SchedulesRepository } from './schedules.repository';
import type { Schedule } from './schedule';
import { indexKey, ScheduleIndexRepository } from './schedule-index.repository';

export interface RebuildReport {
  /** Tenant schedules the index lacked (a crash between the two writes, or a lost index). */
  added: number;
  /** Index entries whose tenant schedule no longer exists. */
  removed: number;
}

/**
 * Brings the platform index back in line with the tenants' own schedules, which are authoritative. Entries
 * that exist keep their next run (a run due while the manager was down is still caught up); missing ones
 * start from now. The manager runs it at boot.
 */
@Injectable()
export class ScheduleIndexRebuilder {
  constructor(
    private readonly databases: TenantDatabases,
    private readonly index: ScheduleIndexRepository,
    private readonly schedules: SchedulesRepository,
    private readonly clock: Clock,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  async rebuild(): Promise<RebuildReport> {
    const report: RebuildReport = { added: 0, removed: 0 };
    const existing = new Set((await this.index.all()).map((entry) => entry.id));
    const found = new Set<string>();
    for (const database of await this.tenantDatabases()) {
      const schedules = await this.databases
        .client()
        .db(database)
        .collection<Schedule>(SCHEDULES_COLLECTION)
        .find({})
        .toArray();
      for (const schedule of schedules) {
        const ctx = contextOf(schedule);
        // A database of another deployment whose prefix starts like ours names other tenants: not ours.
        if (!ctx || this.databases.databaseName(ctx) !== database) continue;
        const key = indexKey(ctx, schedule.job);
        found.add(key);
        if (existing.has(key)) continue;
        await this.index.upsert(ctx, schedule.job, {
          cron: schedule.cron,
          timezone: schedule.timezone,
          nextRun: nextTimeAfter(schedule.cron, schedule.timezone, this.clock.now()),
          action: schedule.task?.action,
        });
        report.added++;
      }
    }
    for (const entry of await this.index.all()) {
      if (found.has(entry.id)) continue;
      const ctx = contextOf({ tenant: entry.tenant, bucket: entry.bucket, qualifier: entry.qualifier });
      // Checked again one by one: a schedule set while this ran is not an orphan.
      if (ctx && (await this.schedules.find(ctx, entry.job))) continue;
      await this.index.removeEntry(entry.id);
      report.removed++;
    }
    return report;
  }

  private async tenantDatabases(): Promise<string[]> {
    const prefix = this.config.mongoDbPrefix;
    const { databases } = await this.databases.client().db('admin').admin().listDatabases({ nameOnly: true });
    return databases
      .map(({ name }) => name)
      .filter((name) => name.startsWith(`${prefix}_`) || name.startsWith(`${prefix}-`))
      .filter((name) => name !== `${prefix}__runtime`);
  }
}

function contextOf(schedule: Pick<Schedule, 'tenant' | 'bucket' | 'qualifier'>): TenantContext | undefined {
  try {
    return TenantContext.of(schedule.tenant, schedule.bucket, schedule.qualifier);
  } catch {
    return undefined;
  }
}
