import { Injectable } from '@nestjs/common';
import { isDuplicateKey, TenantContext, TenantDatabases } from '@omega/core';
import type { Collection } from 'mongodb';
import type { ScheduleTrigger } from './schedule';

const COLLECTION = 'omega_schedule_triggers';

interface TriggerDocument extends Omit<ScheduleTrigger, 'id'> {
  _id: string;
}

/**
 * The record of every firing, in the tenant's database. Its `_id` is the job and the due time, so the
 * insert is the claim: of two managers racing for one due run, exactly one insert succeeds. That holds on
 * FerretDB too, whose conditional updates are a read then a write and can both report success.
 */
@Injectable()
export class ScheduleTriggersRepository {
  private readonly prepared = new Map<string, Promise<unknown>>();

  constructor(private readonly databases: TenantDatabases) {}

  /** Answers false when another manager already claimed this due time. */
  async claim(
    ctx: TenantContext,
    trigger: Omit<ScheduleTrigger, 'id' | 'status'>,
  ): Promise<ScheduleTrigger | null> {
    const collection = await this.collection(ctx);
    const id = triggerKey(ctx, trigger.job, trigger.dueAt);
    try {
      await collection.insertOne({ _id: id, ...trigger, status: 'claimed' });
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
    return { id, ...trigger, status: 'claimed' };
  }

  async markSubmitted(ctx: TenantContext, id: string, firedAt: Date, taskId: string): Promise<void> {
    const collection = await this.collection(ctx);
    await collection.updateOne({ _id: id }, { $set: { status: 'submitted', firedAt, taskId } });
  }

  async markFailed(ctx: TenantContext, id: string, error: string): Promise<void> {
    const collection = await this.collection(ctx);
    await collection.updateOne({ _id: id }, { $set: { status: 'failed', error } });
  }

  /** The newest firings of a job first. */
  async list(ctx: TenantContext, job: string, limit = 100): Promise<ScheduleTrigger[]> {
    const collection = await this.collection(ctx);
    const documents = await collection
      .find({ bucket: ctx.bucket, job })
      .sort({ dueAt: -1 })
      .limit(limit)
      .toArray();
    return documents.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  async removeAll(ctx: TenantContext, job: string): Promise<void> {
    const collection = await this.collection(ctx);
    await collection.deleteMany({ bucket: ctx.bucket, job });
  }

  /**
   * The collection exists (with its index) before the first claim: two first inserts racing to create it
   * must meet on `_id`, not on the creation of the collection.
   */
  private async collection(ctx: TenantContext): Promise<Collection<TriggerDocument>> {
    const collection = this.databases.db(ctx).collection<TriggerDocument>(COLLECTION);
    const database = this.databases.databaseName(ctx);
    let ready = this.prepared.get(database);
    if (!ready) {
      const create = () =>
        collection.createIndex({ bucket: 1, job: 1, dueAt: -1 }, { name: 'bucket_job_due' });
      // Another manager creating the same collection at the same moment can fail this one; the retry
      // then finds it in place.
      ready = create()
        .catch(create)
        .catch((error: unknown) => {
          this.prepared.delete(database);
          throw error;
        });
      this.prepared.set(database, ready);
    }
    await ready;
    return collection;
  }
}

function triggerKey(ctx: TenantContext, job: string, dueAt: Date): string {
  return `${ctx.bucket}/${job}@${dueAt.toISOString()}`;
}
