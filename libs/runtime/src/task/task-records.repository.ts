import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { TenantContext, TenantDatabases } from '@omega/core';
import type { Collection, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { summariseArgs } from './args-summary';
import { isFinished, TASK_STATUSES, TaskError, TaskMessage, TaskRecord, TaskStatus } from './task';
import { WriteBatch } from './write-batch';

const COLLECTION = 'omega_tasks';
/**
 * Outcomes of asynchronous tasks, one document per task keyed by its id, beside its record in
 * COLLECTION. An outcome is inserted, never applied as an update: FerretDB 1.x updates a document by
 * reading and rewriting it one at a time (about 100 a second, slower as the collection grows, and a
 * `bulkWrite` of 50 or more updates exhausts its PostgreSQL pool and stops it answering), while an
 * `insertMany` stores thousands a second. The unique `_id` is what makes an outcome count once: the
 * first insert wins, any later one fails on the key.
 */
const OUTCOMES = 'omega_task_outcomes';
/**
 * An asynchronous task's two writes (its PENDING record at submit, its outcome on the worker) share their
 * round trip with those that arrive while the previous one is under way (see WriteBatch, adaptive), up
 * to this many in one `insertMany`.
 */
const ASYNC_RECORD_BATCH_SIZE = 100;
/**
 * Tasks deleted per round trip by retention (see `pruneFinished`): their ids are read, then deleted by id.
 * A `deleteMany` over thousands of documents is safe on FerretDB 1.24 (unlike a `bulkWrite` of updates),
 * but a bounded batch keeps each statement short beside the platform's own traffic.
 */
const PRUNE_BATCH_SIZE = 1000;

interface TaskDocument extends Omit<TaskRecord, 'id' | 'result'> {
  _id: string;
  /**
   * The result as JSON text: results are arbitrary JSON (nested arrays of probabilities, keys with dots)
   * that MongoDB-wire servers such as FerretDB do not all store as documents.
   */
  resultJson?: string;
}

/**
 * An asynchronous task's outcome. It repeats what the record says of the task (so listings filtered by
 * status find and order outcomes on their own) and notes the record's status it settled (`settled`), so
 * a count of unfinished tasks can leave the settled ones out. Fields of the run it does not name (a
 * redelivery's worker, start and attempts are on the record, written by its claim) come from the record.
 */
interface OutcomeDocument extends Described {
  _id: string;
  settled: 'PENDING' | 'STARTED';
  status: 'SUCCESS' | 'FAILURE';
  finished: Date;
  durationMs?: number;
  attempts?: number;
  worker?: string;
  started?: Date;
  resultJson?: string;
  error?: TaskError;
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
 * Task records in the tenant's database. A synchronous call's record is written whole, after its answer.
 * An asynchronous task has a record from submission (PENDING; STARTED once a redelivery claims it) and its
 * outcome in a document of its own (see OUTCOMES): reads put the two together. Every outcome is an insert
 * keyed by the task, so concurrent deliveries of one task (a redelivery racing a slow worker) record
 * exactly one.
 */
@Injectable()
export class TaskRecordsRepository implements BeforeApplicationShutdown {
  private readonly indexed = new Set<string>();

  private readonly pending = new WriteBatch<TenantContext, TaskMessage>({
    maxSize: ASYNC_RECORD_BATCH_SIZE,
    write: (ctx, tasks) => this.insertPending(ctx, tasks),
  });
  private readonly outcomes = new WriteBatch<TenantContext, FinishedRecord, boolean>({
    maxSize: ASYNC_RECORD_BATCH_SIZE,
    write: (ctx, records) => this.insertFirstOutcomes(ctx, records),
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
    await insertSkippingDuplicates(this.collection(ctx), documents);
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
      ...this.firstRunFields(record),
    }));
    await insertSkippingDuplicates(this.collection(ctx), documents);
  }

  /** A first run's outcome as stored: who ran it and when, counted as attempt 1. */
  private firstRunFields({ worker, started, outcome }: FinishedRecord) {
    return {
      status: outcome.status,
      attempts: 1,
      worker,
      started,
      finished: outcome.finished,
      durationMs: outcome.finished.getTime() - started.getTime(),
      ...outcomeResult(outcome),
    };
  }

  /**
   * Retention: deletes, from the tenant database `database`, the finished tasks that finished before
   * `cutoff`: asynchronous tasks whose outcome is that old (outcome and record) and synchronous calls whose
   * finished record is. A task without an outcome (PENDING, STARTED) is never touched. A record goes before
   * its outcome, so an interrupted pass leaves an outcome the next pass removes, never a record that would
   * read as unfinished. Deleting what another pass already deleted deletes nothing, so passes may overlap.
   * Answers how many outcomes and finished records were deleted.
   */
  async pruneFinished(database: string, cutoff: Date): Promise<{ outcomes: number; records: number }> {
    const db = this.databases.client().db(database);
    const records = db.collection<TaskDocument>(COLLECTION);
    const outcomes = await deleteInBatches(
      db.collection<OutcomeDocument>(OUTCOMES),
      { finished: { $lt: cutoff } },
      (ids) => records.deleteMany({ _id: { $in: ids } }),
    );
    const finished = await deleteInBatches(records, {
      status: { $in: TASK_STATUSES.filter(isFinished) },
      finished: { $lt: cutoff },
    });
    return { outcomes, records: finished };
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
      const [existing, outcome] = await Promise.all([
        collection.findOne({ _id: task.id }),
        this.outcomeCollection(ctx).findOne({ _id: task.id }),
      ]);
      if (outcome) return { kind: 'finished', record: withOutcome(existing, outcome) };
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
   * The one write of a first delivery: its outcome, who ran it and when, counted as attempt 1, unless
   * another delivery recorded one first. Resolves once stored (concurrent outcomes share one `insertMany`
   * per tenant database, see WriteBatch) and answers whether this outcome counted.
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

  /** One batch of first outcomes in one `insertMany`: answers, per record, whether it counted. */
  private async insertFirstOutcomes(ctx: TenantContext, records: FinishedRecord[]): Promise<boolean[]> {
    const documents: OutcomeDocument[] = records.map((record) => ({
      _id: record.task.id,
      ...this.describe(record.task),
      settled: 'PENDING',
      ...this.firstRunFields(record),
    }));
    const collection = this.outcomeCollection(ctx);
    if (await insertSkippingDuplicates(collection, documents)) return records.map(() => true);
    // Some were already there (another delivery settled them first). Which ones is not reliably reported
    // (FerretDB numbers the documents of its errors its own way, and stops at the first error), so each
    // is decided from what is stored: this run's outcome (its worker and start), another's, or none yet.
    return Promise.all(
      documents.map(async (document) => {
        const stored = await collection.findOne(
          { _id: document._id },
          { projection: { worker: 1, started: 1 } },
        );
        if (!stored) return insertOne(collection, document);
        return stored.worker === document.worker && stored.started?.getTime() === document.started?.getTime();
      }),
    );
  }

  /**
   * Records the outcome of a claimed delivery unless another delivery already did; answers whether this
   * one counted. Its worker, start and attempts are on the record, written by the claim.
   */
  async finish(
    ctx: TenantContext,
    task: TaskMessage,
    outcome: { status: 'SUCCESS'; result: unknown } | { status: 'FAILURE'; error: TaskError },
    started?: Date,
  ): Promise<boolean> {
    const existing = await this.collection(ctx).findOne({ _id: task.id }, { projection: { status: 1 } });
    if (existing && isFinished(existing.status)) return false;
    const finished = new Date();
    return insertOne(this.outcomeCollection(ctx), {
      _id: task.id,
      ...this.describe(task),
      settled: existing?.status === 'STARTED' ? 'STARTED' : 'PENDING',
      status: outcome.status,
      finished,
      ...(started ? { durationMs: finished.getTime() - started.getTime() } : {}),
      ...outcomeResult(outcome),
    });
  }

  /**
   * A FAILURE for a task that never reached a handler (poison, undecodable, an interrupted synchronous
   * call), unless the task is settled already; creates its record if need be, with no attempt made.
   */
  async failUnrun(ctx: TenantContext, task: TaskMessage, error: TaskError): Promise<void> {
    const existing = await this.collection(ctx).findOne({ _id: task.id }, { projection: { status: 1 } });
    if (existing && isFinished(existing.status)) return;
    if (!existing) {
      await insertOne(this.collection(ctx), {
        _id: task.id,
        ...this.describe(task),
        status: 'PENDING',
        attempts: 0,
      });
    }
    await insertOne(this.outcomeCollection(ctx), {
      _id: task.id,
      ...this.describe(task),
      settled: existing?.status === 'STARTED' ? 'STARTED' : 'PENDING',
      status: 'FAILURE',
      finished: new Date(),
      error,
    });
  }

  async find(ctx: TenantContext, id: string): Promise<TaskRecord | null> {
    const [document, outcome] = await Promise.all([
      this.readableCollection(ctx).findOne({ _id: id }),
      this.outcomeCollection(ctx).findOne({ _id: id }),
    ]);
    if (outcome) return withOutcome(document, outcome);
    return document ? toRecord(document) : null;
  }

  /**
   * A page of tasks, newest first. Unfiltered by status, the records are the list (every task has one)
   * and each is shown with its outcome. Finished tasks are the finished records (synchronous calls) and
   * the outcomes, merged; unfinished ones are the records that have no outcome yet.
   */
  async list(ctx: TenantContext, query: TaskListQuery): Promise<{ items: TaskRecord[]; total: number }> {
    const filter: Filter<TaskDocument> = {};
    if (query.action) filter.action = query.action;
    if (query.object) filter.object = query.object;
    if (query.from || query.to)
      filter.submitted = {
        ...(query.from ? { $gte: query.from } : {}),
        ...(query.to ? { $lt: query.to } : {}),
      };
    const skip = query.skip ?? 0;
    const limit = query.limit ?? 100;
    if (query.status && isFinished(query.status)) {
      const finished = { ...filter, status: query.status };
      const [records, outcomes, recordCount, outcomeCount] = await Promise.all([
        this.page(this.readableCollection(ctx), finished, query.before, skip + limit),
        this.page(
          this.outcomeCollection(ctx),
          finished as Filter<OutcomeDocument>,
          query.before,
          skip + limit,
        ),
        this.readableCollection(ctx).countDocuments(finished),
        this.outcomeCollection(ctx).countDocuments(finished as Filter<OutcomeDocument>),
      ]);
      const items = [...records.map(toRecord), ...outcomes.map((outcome) => withOutcome(null, outcome))]
        .sort(newestFirst)
        .slice(skip, skip + limit);
      return { items, total: recordCount + outcomeCount };
    }
    if (query.status) {
      const unfinished = { ...filter, status: query.status };
      const settled = { ...filter, settled: query.status } as Filter<OutcomeDocument>;
      const [items, recordCount, settledCount] = await Promise.all([
        this.unsettledPage(ctx, unfinished, query.before, skip, limit),
        this.readableCollection(ctx).countDocuments(unfinished),
        this.outcomeCollection(ctx).countDocuments(settled),
      ]);
      return { items, total: Math.max(0, recordCount - settledCount) };
    }
    const [documents, total] = await Promise.all([
      this.page(this.readableCollection(ctx), filter, query.before, limit, skip),
      this.readableCollection(ctx).countDocuments(filter),
    ]);
    const outcomes = await this.outcomesOf(ctx, documents);
    return {
      items: documents.map((document) => {
        const outcome = outcomes.get(document._id);
        return outcome ? withOutcome(document, outcome) : toRecord(document);
      }),
      total,
    };
  }

  /** Records of one unfinished status without an outcome, paged: settled ones are skipped as they come. */
  private async unsettledPage(
    ctx: TenantContext,
    filter: Filter<TaskDocument>,
    before: TaskListQuery['before'],
    skip: number,
    limit: number,
  ): Promise<TaskRecord[]> {
    const kept: TaskRecord[] = [];
    let cursor = before;
    let toSkip = skip;
    for (;;) {
      const documents = await this.page(this.readableCollection(ctx), filter, cursor, limit);
      const outcomes = await this.outcomesOf(ctx, documents);
      for (const document of documents) {
        if (outcomes.has(document._id)) continue;
        if (toSkip > 0) toSkip--;
        else kept.push(toRecord(document));
        if (kept.length === limit) return kept;
      }
      if (documents.length < limit) return kept;
      const last = documents[documents.length - 1];
      cursor = { submitted: last.submitted, id: last._id };
    }
  }

  /** Up to `limit` documents newest first, after the cursor `before` (ties broken by id), then `skip`. */
  private page<D extends { _id: string; submitted: Date }>(
    collection: Collection<D>,
    filter: Filter<D>,
    before: TaskListQuery['before'],
    limit: number,
    skip = 0,
  ): Promise<D[]> {
    const page = before
      ? ({
          ...filter,
          $or: [
            { submitted: { $lt: before.submitted } },
            { submitted: before.submitted, _id: { $lt: before.id } },
          ],
        } as Filter<D>)
      : filter;
    return collection
      .find(page, { projection: { resultJson: 0 } })
      .sort({ submitted: -1, _id: -1 })
      .skip(skip)
      .limit(limit)
      .toArray() as Promise<D[]>;
  }

  /** The outcomes of a page of records, by task id. */
  private async outcomesOf(
    ctx: TenantContext,
    documents: TaskDocument[],
  ): Promise<Map<string, OutcomeDocument>> {
    if (documents.length === 0) return new Map();
    const outcomes = await this.outcomeCollection(ctx)
      .find({ _id: { $in: documents.map((document) => document._id) } }, { projection: { resultJson: 0 } })
      .toArray();
    return new Map(outcomes.map((outcome) => [outcome._id, outcome]));
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

  private outcomeCollection(ctx: TenantContext): Collection<OutcomeDocument> {
    return this.databases.db(ctx).collection<OutcomeDocument>(OUTCOMES);
  }

  private collection(ctx: TenantContext): Collection<TaskDocument> {
    const collection = this.readableCollection(ctx);
    const database = this.databases.databaseName(ctx);
    if (!this.indexed.has(database)) {
      this.indexed.add(database);
      // Listing shows the newest first; the indexes are created once per process and tenant, in the
      // background.
      void collection.createIndex({ submitted: -1 }).catch(() => undefined);
      void this.outcomeCollection(ctx)
        .createIndex({ submitted: -1 })
        .catch(() => undefined);
    }
    return collection;
  }
}

function outcomeResult(
  outcome: { status: 'SUCCESS'; result: unknown } | { status: 'FAILURE'; error: TaskError },
): { resultJson: string } | { error: TaskError } {
  return outcome.status === 'SUCCESS'
    ? { resultJson: JSON.stringify(outcome.result ?? null) }
    : { error: outcome.error };
}

function toRecord({ _id, resultJson, ...rest }: TaskDocument): TaskRecord {
  return {
    id: _id,
    ...rest,
    ...(resultJson !== undefined ? { result: JSON.parse(resultJson) as unknown } : {}),
  };
}

/** A record shown with its outcome: the outcome's fields win, the run's others come from the record. */
function withOutcome(document: TaskDocument | null, outcome: OutcomeDocument): TaskRecord {
  const { settled: _settled, ...fields } = outcome;
  return toRecord({ attempts: 0, ...document, ...fields } as TaskDocument);
}

function newestFirst(a: TaskRecord, b: TaskRecord): number {
  const bySubmitted = b.submitted.getTime() - a.submitted.getTime();
  if (bySubmitted !== 0) return bySubmitted;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Deletes the documents matching `filter`, PRUNE_BATCH_SIZE at a time: their ids are read, `first` runs
 * on them (deleting what goes with them), then they are deleted by id. Answers how many this call deleted.
 */
async function deleteInBatches<D extends { _id: string }>(
  collection: Collection<D>,
  filter: Filter<D>,
  first?: (ids: string[]) => Promise<unknown>,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const found = await collection
      .find(filter, { projection: { _id: 1 } })
      .limit(PRUNE_BATCH_SIZE)
      .toArray();
    const ids = found.map((document) => document._id);
    if (ids.length > 0) {
      await first?.(ids);
      deleted += (await collection.deleteMany({ _id: { $in: ids } } as Filter<D>)).deletedCount;
    }
    if (ids.length < PRUNE_BATCH_SIZE) return deleted;
  }
}

/** Inserts one document; answers false when one with its `_id` is there already. */
async function insertOne<D extends { _id: string }>(
  collection: Collection<D>,
  document: OptionalUnlessRequiredId<D>,
): Promise<boolean> {
  try {
    await collection.insertOne(document);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/**
 * Inserts in one round trip; documents already there are skipped, the others still inserted. Answers
 * whether every document was new.
 */
async function insertSkippingDuplicates<D extends { _id: string }>(
  collection: Collection<D>,
  documents: OptionalUnlessRequiredId<D>[],
): Promise<boolean> {
  try {
    await collection.insertMany(documents, { ordered: false });
    return true;
  } catch (error) {
    if (!isOnlyDuplicates(error)) throw error;
    return false;
  }
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
