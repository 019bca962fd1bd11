import { Inject, Injectable } from '@nestjs/common';
import { isDuplicateKey, OMEGA_CONFIG, OmegaConfig, TenantContext, TenantDatabases } from '@omega/core';
import type { Collection } from 'mongodb';
import type { ScheduleIndexEntry } from './schedule';

const COLLECTION = 'schedules';

interface IndexDocument extends Omit<ScheduleIndexEntry, 'id'> {
  _id: string;
}

export type IndexWrite = Pick<ScheduleIndexEntry, 'cron' | 'timezone' | 'nextRun' | 'action'>;

/**
 * The platform-wide list of schedules with their next run, in `<prefix>__runtime` (a name no tenant
 * database can have): the one place the manager looks for due runs across tenants. Derived from the
 * tenants' own schedules, so it can be rebuilt from them.
 */
@Injectable()
export class ScheduleIndexRepository {
  private indexed?: Promise<unknown>;

  constructor(
    private readonly databases: TenantDatabases,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  async upsert(ctx: TenantContext, job: string, write: IndexWrite): Promise<void> {
    const collection = await this.collection();
    const _id = indexKey(ctx, job);
    const { action, ...fields } = write;
    const where = { tenant: ctx.tenant, qualifier: ctx.qualifier, bucket: ctx.bucket, job };
    const set = { ...fields, ...(action ? { action } : {}), ...where };
    // FerretDB's upsert is a find then an insert: a concurrent one can fail on `_id`, and then updates.
    for (let attempt = 0; ; attempt++) {
      try {
        await collection.updateOne({ _id }, { $set: set }, { upsert: true });
        return;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt > 0) throw error;
      }
    }
  }

  async find(ctx: TenantContext, job: string): Promise<ScheduleIndexEntry | null> {
    const document = await (await this.collection()).findOne({ _id: indexKey(ctx, job) });
    return document ? toEntry(document) : null;
  }

  async remove(ctx: TenantContext, job: string): Promise<void> {
    await (await this.collection()).deleteOne({ _id: indexKey(ctx, job) });
  }

  /** Every entry, in key order (for rebuilding; the index holds one small entry per schedule). */
  async all(): Promise<ScheduleIndexEntry[]> {
    return (await (await this.collection()).find({}).sort({ _id: 1 }).toArray()).map(toEntry);
  }

  async removeEntry(id: string): Promise<void> {
    await (await this.collection()).deleteOne({ _id: id });
  }

  /** Schedules whose next run is at or before `now`, the most overdue first. */
  async due(now: Date, limit: number): Promise<ScheduleIndexEntry[]> {
    const documents = await (
      await this.collection()
    )
      .find({ nextRun: { $lte: now } })
      .sort({ nextRun: 1 })
      .limit(limit)
      .toArray();
    return documents.map(toEntry);
  }

  /**
   * Moves a schedule past the due time it was found at, if no one else did: the conditional update on
   * `nextRun` is the claim on MongoDB. FerretDB applies it as a read then a write, so two managers can both
   * see `true`; the trigger insert (ScheduleTriggersRepository.claim) decides between them there.
   */
  async advance(
    entry: ScheduleIndexEntry,
    change: { nextRun: Date; lastRun?: Date; leaseOwner: string; leasedAt: Date },
  ): Promise<boolean> {
    const { modifiedCount } = await (
      await this.collection()
    ).updateOne({ _id: entry.id, nextRun: entry.nextRun }, { $set: change });
    return modifiedCount === 1;
  }

  private async collection(): Promise<Collection<IndexDocument>> {
    const collection = this.databases
      .client()
      .db(`${this.config.mongoDbPrefix}__runtime`)
      .collection<IndexDocument>(COLLECTION);
    const create = () => collection.createIndex({ nextRun: 1 }, { name: 'next_run' });
    // A second manager creating it at the same moment can fail this one; the retry finds it in place.
    this.indexed ??= create()
      .catch(create)
      .catch((error: unknown) => {
        this.indexed = undefined;
        throw error;
      });
    await this.indexed;
    return collection;
  }
}

/** Tenant, qualifier and bucket never contain `/`; the job name comes last and may. */
export function indexKey(ctx: TenantContext, job: string): string {
  return `${ctx.tenant}/${ctx.qualifier}/${ctx.bucket}/${job}`;
}

function toEntry({ _id, ...rest }: IndexDocument): ScheduleIndexEntry {
  return { id: _id, ...rest };
}
