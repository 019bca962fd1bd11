import { Injectable } from '@nestjs/common';
import { isDuplicateKey, TenantContext, TenantDatabases } from '@omega/core';
import type { Collection } from 'mongodb';
import type { Schedule } from './schedule';

export const SCHEDULES_COLLECTION = 'omega_schedules';

interface ScheduleDocument extends Schedule {
  _id: string;
}

export type ScheduleWrite = Omit<
  Schedule,
  'created' | 'modified' | 'lastRun' | 'lastTaskId' | 'bucket' | 'tenant' | 'qualifier'
>;

/** Schedules in the tenant's database, one per job and bucket. */
@Injectable()
export class SchedulesRepository {
  constructor(private readonly databases: TenantDatabases) {}

  /** Creates or replaces the schedule of a job, keeping its creation time and last run. */
  async save(ctx: TenantContext, write: ScheduleWrite, now: Date): Promise<Schedule> {
    const collection = this.collection(ctx);
    const _id = scheduleKey(ctx, write.job);
    const fields = { ...write, bucket: ctx.bucket, tenant: ctx.tenant, qualifier: ctx.qualifier };
    // Insert first, then update: an upsert is a find and an insert on FerretDB and can fail the same way.
    try {
      await collection.insertOne({ _id, ...fields, created: now, modified: now });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const unset = write.text === undefined ? { $unset: { text: '' as const } } : {};
      await collection.updateOne({ _id }, { $set: { ...fields, modified: now }, ...unset });
    }
    return (await this.find(ctx, write.job)) as Schedule;
  }

  async find(ctx: TenantContext, job: string): Promise<Schedule | null> {
    const document = await this.collection(ctx).findOne({ _id: scheduleKey(ctx, job) });
    return document ? toSchedule(document) : null;
  }

  async remove(ctx: TenantContext, job: string): Promise<boolean> {
    const { deletedCount } = await this.collection(ctx).deleteOne({ _id: scheduleKey(ctx, job) });
    return deletedCount === 1;
  }

  async recordRun(ctx: TenantContext, job: string, lastRun: Date, lastTaskId: string): Promise<void> {
    await this.collection(ctx).updateOne({ _id: scheduleKey(ctx, job) }, { $set: { lastRun, lastTaskId } });
  }

  /** Every schedule of the tenant database (all buckets): what the platform index is rebuilt from. */
  async listAll(ctx: TenantContext): Promise<Schedule[]> {
    return (await this.collection(ctx).find({}).sort({ _id: 1 }).toArray()).map(toSchedule);
  }

  private collection(ctx: TenantContext): Collection<ScheduleDocument> {
    return this.databases.db(ctx).collection<ScheduleDocument>(SCHEDULES_COLLECTION);
  }
}

/** Buckets cannot contain `/`, so `<bucket>/<job>` is unambiguous even for job names with `/`. */
function scheduleKey(ctx: TenantContext, job: string): string {
  return `${ctx.bucket}/${job}`;
}

function toSchedule({ _id, ...schedule }: ScheduleDocument): Schedule {
  return schedule;
}
