import { Injectable } from '@nestjs/common';
import { TenantContext, TenantDatabases } from '@omega/core';
import type { Collection, Filter } from 'mongodb';
import { summariseArgs } from './args-summary';
import { isFinished, TaskError, TaskMessage, TaskRecord, TaskStatus } from './task';

const COLLECTION = 'omega_tasks';

interface TaskDocument extends Omit<TaskRecord, 'id' | 'result'> {
  _id: string;
  /**
   * The result as JSON text: results are arbitrary JSON (nested arrays of probabilities, keys with dots)
   * that MongoDB-wire servers such as FerretDB do not all store as documents.
   */
  resultJson?: string;
}

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
export class TaskRecordsRepository {
  private readonly indexed = new Set<string>();

  constructor(private readonly databases: TenantDatabases) {}

  /** Records a task as PENDING. A worker may have claimed it first (both write in parallel): fine. */
  async createPending(ctx: TenantContext, task: TaskMessage): Promise<void> {
    try {
      await this.collection(ctx).insertOne({
        _id: task.id,
        ...this.describe(task),
        status: 'PENDING',
        attempts: 0,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /**
   * Writes finished records of synchronous calls in one round trip. A record already there (a redelivery
   * recorded first) stands: duplicates are skipped, the others still inserted.
   */
  async insertFinished(ctx: TenantContext, records: FinishedRecord[]): Promise<void> {
    const documents: TaskDocument[] = records.map(({ task, worker, started, outcome }) => {
      const finished = outcome.finished;
      return {
        _id: task.id,
        ...this.describe(task),
        status: outcome.status,
        attempts: 1,
        worker,
        started,
        finished,
        durationMs: finished.getTime() - started.getTime(),
        ...(outcome.status === 'SUCCESS'
          ? { resultJson: JSON.stringify(outcome.result ?? null) }
          : { error: outcome.error }),
      };
    });
    try {
      await this.collection(ctx).insertMany(documents, { ordered: false });
    } catch (error) {
      if (!isOnlyDuplicates(error)) throw error;
    }
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
   * record if the submitter's PENDING insert has not landed yet. Answers whether this outcome counted.
   */
  async finishFirst(
    ctx: TenantContext,
    task: TaskMessage,
    worker: string,
    started: Date,
    outcome: { status: 'SUCCESS'; result: unknown } | { status: 'FAILURE'; error: TaskError },
  ): Promise<boolean> {
    const finished = new Date();
    const set: Partial<TaskDocument> = {
      status: outcome.status,
      finished,
      started,
      worker,
      attempts: 1,
      durationMs: finished.getTime() - started.getTime(),
    };
    if (outcome.status === 'SUCCESS') set.resultJson = JSON.stringify(outcome.result ?? null);
    else set.error = outcome.error;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const { modifiedCount, upsertedCount } = await this.collection(ctx).updateOne(
          { _id: task.id, status: 'PENDING' },
          { $set: set, $setOnInsert: this.describe(task) },
          { upsert: true },
        );
        return modifiedCount + upsertedCount === 1;
      } catch (error) {
        // The record exists and is no longer PENDING (the upsert's insert failed on `_id`), or FerretDB's
        // find-then-insert raced the submitter's insert: the second try updates or finds it settled.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return false;
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

  private describe(task: TaskMessage): Omit<TaskDocument, '_id' | 'status' | 'attempts'> {
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
