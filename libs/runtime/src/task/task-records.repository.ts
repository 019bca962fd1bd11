import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { TenantContext, TenantDatabases } from '@omega/core';
import type { Collection, Filter } from 'mongodb';
import { summariseArgs } from './args-summary';
import { isFinished, TaskError, TaskMessage, TaskRecord, TaskStatus } from './task';
import { WriteBatch } from './write-batch';

const COLLECTION = 'omega_tasks';
/**
 * An asynchronous task's two writes (its PENDING record at submit, its outcome on the worker) wait at most
 * this long for others to share their round trip…
 */
export const ASYNC_RECORD_WINDOW_MS = 3;
/** …or until this many wait. */
const ASYNC_RECORD_BATCH_SIZE = 100;

interface TaskDocument extends Omit<TaskRecord, 'id' | 'result'> {
  _id: string;
  /**
   * The result as JSON text: results are arbitrary JSON (nested arrays of probabilities, keys with dots)
   * that MongoDB-wire servers such as FerretDB do not all store as documents.
   */
  resultJson?: string;
}

/** What a record says of its task, whatever its status. */
type Described = Omit<
  TaskDocument,
  '_id' | 'status' | 'attempts' | 'worker' | 'started' | 'finished' | 'durationMs' | 'resultJson' | 'error'
>;

/** Which tasks a listing shows: filters (all optional) and a page, by offset or by cursor (`before`). */
export interface TaskListQuery {
  status?: TaskStatus;
  action?: string;
  object?: string;
  /** Submitted at or after. */
  from?: Date;
  /** Submitted before. */
  to?: Date;
  /** The last task of the previous page; `total` ignores it. */
  before?: { submitted: Date; id: string };
  skip?: number;
  limit?: number;
}

/** A synchronous call's outcome, recorded after its caller had the answer. */
export interface FinishedRecord {
  task: TaskMessage;
  worker: string;
  started: Date;
  outcome:
    | { status: 'SUCCESS'; result: unknown; finished: Date }
    | { status: 'FAILURE'; error: TaskError; finished: Date };
}

/** How a delivery of a task should proceed, decided atomically against its record. */
export type ClaimOutcome =
  | { kind: 'run'; record: TaskRecord }
  /** Already SUCCESS or FAILURE: never run twice, just acknowledge. */
  | { kind: 'finished'; record: TaskRecord }
  /** Delivered more often than allowed: it keeps killing workers. */
  | { kind: 'poison'; record: TaskRecord }
  /** STARTED by another delivery that this one may not take over (a second copy of the message). */
  | { kind: 'running'; record: TaskRecord };

/**
 * Task records in the tenant's database. Every write is conditional on the status, so concurrent
 * deliveries of one task (a redelivery racing a slow worker) record exactly one outcome.
 */
@Injectable()
export class TaskRecordsRepository implements BeforeApplicationShutdown {
  private readonly indexed = new Set<string>();

  private readonly pending = new WriteBatch<TenantContext, TaskMessage>({
    windowMs: ASYNC_RECORD_WINDOW_MS,
    maxSize: ASYNC_RECORD_BATCH_SIZE,
    write: (ctx, tasks) => this.insertPending(ctx, tasks),
  });
  private readonly outcomes = new WriteBatch<TenantContext, FinishedRecord, boolean>({
    windowMs: ASYNC_RECORD_WINDOW_MS,
    maxSize: ASYNC_RECORD_BATCH_SIZE,
    write: (ctx, records) => this.writeFirstOutcomes(ctx, records),
  });

  constructor(private readonly databases: TenantDatabases) {}

  /** Writes the PENDING records and first outcomes still waiting for their batch. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.pending.flush(), this.outcomes.flush()]);
  }

  /**
   * Records a task as PENDING, durably, before its caller publishes it. Concurrent calls share one
   * `insertMany` per tenant database (group commit, see WriteBatch); a refused batch fails each of them.
   */
  createPending(ctx: TenantContext, task: TaskMessage): Promise<void> {
    return this.pending.add(this.databases.databaseName(ctx), ctx, task);
  }

  /** One batch of PENDING records; one already there (a worker's claim or a retry got first) stands. */
  private async insertPending(ctx: TenantContext, tasks: TaskMessage[]): Promise<void[]> {
    const documents: TaskDocument[] = tasks.map((task) => ({
      _id: task.id,
      ...this.describe(task),
      status: 'PENDING',
      attempts: 0,
    }));
    await this.insertAll(ctx, documents);
    return [];
  }

  /**
   * Writes finished records of synchronous calls in one round trip. A record already there (a redelivery
   * recorded first) stands: duplicates are skipped, the others still inserted.
   */
  async insertFinished(ctx: TenantContext, records: FinishedRecord[]): Promise<void> {
    const documents: TaskDocument[] = records.map((record) => ({
      _id: record.task.id,
      ...this.describe(record.task),
      ...this.outcomeFields(record),
    }));
    await this.insertAll(ctx, documents);
  }

  /** Inserts in one round trip; documents already there are skipped, the others still inserted. */
  private async insertAll(ctx: TenantContext, documents: TaskDocument[]): Promise<void> {
    try {
      await this.collection(ctx).insertMany(documents, { ordered: false });
    } catch (error) {
      if (!isOnlyDuplicates(error)) throw error;
    }
  }

  /** A first run's outcome as stored: who ran it and when, counted as attempt 1. */
  private outcomeFields({
    worker,
    started,
    outcome,
  }: FinishedRecord): Omit<TaskDocument, '_id' | keyof Described> {
    return {
      status: outcome.status,
      attempts: 1,
      worker,
      started,
      finished: outcome.finished,
      durationMs: outcome.finished.getTime() - started.getTime(),
      ...(outcome.status === 'SUCCESS'
        ? { resultJson: JSON.stringify(outcome.result ?? null) }
        : { error: outcome.error }),
    };
  }

  /** Removes the record of a task that was never dispatched. */
  async discardPending(ctx: TenantContext, id: string): Promise<void> {
    await this.collection(ctx).deleteOne({ _id: id, status: 'PENDING' });
  }

  /**
   * Marks a delivery STARTED and counts it. A first delivery is not claimed (see TaskExecutor: it runs at
   * once and writes only its outcome, through `finishFirst`), so a redelivery (`takeOver`: its worker
   * died or lost the broker) that finds the record PENDING counts two deliveries: the uncounted first and
   * itself. Only a redelivery may take over a STARTED record; a delivery without `takeOver` that finds one
   * answers `running`. The upsert covers a record whose PENDING insert has not landed yet.
   */
  async claim(
    ctx: TenantContext,
    task: TaskMessage,
    worker: string,
    options: { maxAttempts: number; takeOver: boolean },
  ): Promise<ClaimOutcome> {
    const collection = this.collection(ctx);
    // Two tries: the record can change between the read and the conditional write (another delivery, or
    // FerretDB's upsert being a find then an insert); the second try decides on what is there then.
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await collection.findOne({ _id: task.id });
      if (existing && isFinished(existing.status)) return { kind: 'finished', record: toRecord(existing) };
      if (existing?.status === 'STARTED' && !options.takeOver) {
        return { kind: 'running', record: toRecord(existing) };
      }
      const status: TaskStatus = existing?.status ?? 'PENDING';
      const counted = options.takeOver && status === 'PENDING' ? 2 : 1;
      let document: TaskDocument | null;
      try {
        document = await collection.findOneAndUpdate(
          { _id: task.id, status, attempts: existing?.attempts ?? 0 },
          {
            $set: { status: 'STARTED', started: new Date(), worker },
            $inc: { attempts: counted },
            $setOnInsert: this.describe(task),
          },
          { upsert: existing === null, returnDocument: 'after' },
        );
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        document = null;
      }
      if (document) {
        const record = toRecord(document);
        return record.attempts > options.maxAttempts ? { kind: 'poison', record } : { kind: 'run', record };
      }
    }
    throw new Error(`task ${task.id} could not be claimed`);
  }

  /**
   * The one write of a first delivery: its outcome, who ran it and when, counted as attempt 1, provided
   * the record is still PENDING (a redelivery that took the task over, or finished it, wins). Creates the
   * record if it is missing. Resolves once stored (concurrent outcomes share one `bulkWrite` per tenant
   * database, see WriteBatch) and answers whether this outcome counted.
   */
  finishFirst(
    ctx: TenantContext,
    task: TaskMessage,
    worker: string,
    started: Date,
    outcome: { status: 'SUCCESS'; result: unknown } | { status: 'FAILURE'; error: TaskError },
  ): Promise<boolean> {
    const record: FinishedRecord = { task, worker, started, outcome: { ...outcome, finished: new Date() } };
    return this.outcomes.add(this.databases.databaseName(ctx), ctx, record);
  }

  /** One batch of first outcomes in one `bulkWrite`: answers, per record, whether it counted. */
  private async writeFirstOutcomes(ctx: TenantContext, records: FinishedRecord[]): Promise<boolean[]> {
    try {
      const result = await this.collection(ctx).bulkWrite(
        records.map((record) => ({ updateOne: this.firstOutcomeUpdate(record) })),
        { ordered: false },
      );
      if (result.modifiedCount + result.upsertedCount === records.length) return records.map(() => true);
    } catch (error) {
      if (!isOnlyDuplicates(error)) throw error;
    }
    // Some matched nothing or failed on an existing `_id` (another delivery settled them first). Which
    // ones is not reliably reported (FerretDB numbers the operations of its errors and upserts its own
    // way, and stops at the first error), so each is decided from its record: written by this batch
    // (this run's worker and start), settled by another delivery, or still to write on its own.
    const stored = await this.collection(ctx)
      .find({ _id: { $in: records.map((record) => record.task.id) } })
      .project<Pick<TaskDocument, '_id' | 'status' | 'worker' | 'started'>>({
        status: 1,
        worker: 1,
        started: 1,
      })
      .toArray();
    const byId = new Map(stored.map((document) => [document._id, document]));
    return Promise.all(
      records.map((record) => {
        const document = byId.get(record.task.id);
        if (document?.status === 'PENDING' || !document) return this.finishOne(ctx, record);
        return (
          document.status === record.outcome.status &&
          document.worker === record.worker &&
          document.started?.getTime() === record.started.getTime()
        );
      }),
    );
  }

  /** One first outcome on its own; answers whether it counted. */
  private async finishOne(ctx: TenantContext, record: FinishedRecord): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const { filter, update, upsert } = this.firstOutcomeUpdate(record);
        const { modifiedCount, upsertedCount } = await this.collection(ctx).updateOne(filter, update, {
          upsert,
        });
        return modifiedCount + upsertedCount === 1;
      } catch (error) {
        // The record exists and is no longer PENDING (the upsert's insert failed on `_id`), or FerretDB's
        // find-then-insert raced the submitter's insert: the second try updates or finds it settled.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return false;
  }

  /** A first outcome's write: applies only while the record is PENDING, creates it if missing. */
  private firstOutcomeUpdate(record: FinishedRecord) {
    return {
      filter: { _id: record.task.id, status: 'PENDING' } as Filter<TaskDocument>,
      update: { $set: this.outcomeFields(record), $setOnInsert: this.describe(record.task) },
      upsert: true,
    };
  }

  /** Records the outcome unless another delivery already did; answers whether this one counted. */
  async finish(
    ctx: TenantContext,
    id: string,
    outcome: { status: 'SUCCESS'; result: unknown } | { status: 'FAILURE'; error: TaskError },
    started?: Date,
  ): Promise<boolean> {
    const finished = new Date();
    const set: Partial<TaskDocument> = { status: outcome.status, finished };
    if (started) set.durationMs = finished.getTime() - started.getTime();
    if (outcome.status === 'SUCCESS') set.resultJson = JSON.stringify(outcome.result ?? null);
    else set.error = outcome.error;
    const { modifiedCount } = await this.collection(ctx).updateOne(
      { _id: id, status: { $in: ['PENDING', 'STARTED'] } },
      { $set: set },
    );
    return modifiedCount === 1;
  }

  /**
   * A FAILURE for a task that never reached a handler (poison, undecodable); creates the record if need be,
   * with no attempt made.
   */
  async failUnrun(ctx: TenantContext, task: TaskMessage, error: TaskError): Promise<void> {
    await this.collection(ctx)
      .updateOne(
        { _id: task.id, status: { $in: ['PENDING', 'STARTED'] } },
        {
          $set: { status: 'FAILURE', finished: new Date(), error },
          $setOnInsert: { ...this.describe(task), attempts: 0 },
        },
        { upsert: true },
      )
      .catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      });
  }

  async find(ctx: TenantContext, id: string): Promise<TaskRecord | null> {
    const document = await this.readableCollection(ctx).findOne({ _id: id });
    return document ? toRecord(document) : null;
  }

  async list(ctx: TenantContext, query: TaskListQuery): Promise<{ items: TaskRecord[]; total: number }> {
    const filter: Filter<TaskDocument> = {};
    if (query.status) filter.status = query.status;
    if (query.action) filter.action = query.action;
    if (query.object) filter.object = query.object;
    if (query.from || query.to)
      filter.submitted = {
        ...(query.from ? { $gte: query.from } : {}),
        ...(query.to ? { $lt: query.to } : {}),
      };
    // Cursor paging: tasks older than the last one shown (ties on the same instant broken by id).
    const page: Filter<TaskDocument> = query.before
      ? {
          ...filter,
          $or: [
            { submitted: { $lt: query.before.submitted } },
            { submitted: query.before.submitted, _id: { $lt: query.before.id } },
          ],
        }
      : filter;
    const collection = this.readableCollection(ctx);
    const [documents, total] = await Promise.all([
      collection
        .find(page, { projection: { resultJson: 0 } })
        .sort({ submitted: -1, _id: -1 })
        .skip(query.skip ?? 0)
        .limit(query.limit ?? 100)
        .toArray(),
      collection.countDocuments(filter),
    ]);
    return { items: documents.map(toRecord), total };
  }

  private describe(task: TaskMessage): Described {
    return {
      bucket: task.bucket,
      action: task.action,
      ...(task.object !== undefined ? { object: task.object } : {}),
      label: task.label,
      argsSummary: summariseArgs(task.args, task.kwargs),
      submitted: new Date(task.trace.submitted),
    };
  }

  /** For reads: creates nothing, so reading tasks of a new qualifier leaves no database behind. */
  private readableCollection(ctx: TenantContext): Collection<TaskDocument> {
    return this.databases.db(ctx).collection<TaskDocument>(COLLECTION);
  }

  private collection(ctx: TenantContext): Collection<TaskDocument> {
    const collection = this.readableCollection(ctx);
    const database = this.databases.databaseName(ctx);
    if (!this.indexed.has(database)) {
      this.indexed.add(database);
      // Listing shows the newest first; the index is created once per process and tenant, in the background.
      void collection.createIndex({ submitted: -1 }).catch(() => undefined);
    }
    return collection;
  }
}

function toRecord({ _id, resultJson, ...rest }: TaskDocument): TaskRecord {
  return {
    id: _id,
    ...rest,
    ...(resultJson !== undefined ? { result: JSON.parse(resultJson) as unknown } : {}),
  };
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number })?.code === 11000;
}

/** An unordered bulk insert that failed only on records that already exist. */
function isOnlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: Array<{ code?: number }> | { code?: number } })?.writeErrors;
  if (writeErrors === undefined) return isDuplicateKey(error);
  const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  return list.length > 0 && list.every((entry) => entry.code === 11000);
}
