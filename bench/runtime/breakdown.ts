import type { TenantContext } from '@omega/core';
import type { ModelsService } from '@omega/models';
import { TaskMessage, TaskRecord, TaskRecordsRepository } from '@omega/runtime';
import { randomUUID } from 'node:crypto';
import { LatencyStats, measureLatency, median, warmUp } from '../support/latency';
import { LABEL } from './runtime-platform';

/**
 * Where a predict through the worker spends its time, measured two ways: the task records of the
 * measured requests (timestamps the API and the worker wrote), and each database step the path makes,
 * timed alone from this process.
 */

/** Medians over the task records of one measured level, in milliseconds (the records keep whole ms). */
export interface RecordSplit {
  tasks: number;
  /** `started − submitted`: the API's PENDING insert and publish confirm, delivery, decoding on the worker. */
  submitToClaimMs: number;
  /** `finished − started`: the model's metadata (cached), features, ONNX, result encoding. */
  claimToFinishMs: number;
}

/** Reads the newest `count` SUCCESS records: right after a measured level, exactly its tasks. */
export async function recordSplit(
  records: TaskRecordsRepository,
  ctx: TenantContext,
  count: number,
  action: string,
): Promise<RecordSplit> {
  const { items } = await records.list(ctx, { status: 'SUCCESS', limit: count });
  const tasks = items.filter((record) => record.action === action);
  if (tasks.length !== count)
    throw new Error(`expected the ${count} newest finished tasks to be ${action}, got ${tasks.length}`);
  const spans = (from: keyof TaskRecord, to: keyof TaskRecord) =>
    tasks.map((record) => time(record[to]) - time(record[from]));
  return {
    tasks: tasks.length,
    submitToClaimMs: median(spans('submitted', 'started')),
    claimToFinishMs: median(spans('started', 'finished')),
  };
}

function time(value: unknown): number {
  if (!(value instanceof Date)) throw new Error(`task record lacks a timestamp: ${String(value)}`);
  return value.getTime();
}

export interface DatabaseSteps {
  /** `ModelsService.metadata`: once in the API (routing), once in the worker (loading). */
  metadataRead: LatencyStats;
  /** `createPending`: the API's insert of the PENDING record (batched, before the publish). */
  pendingInsert: LatencyStats;
  /** `claim`: the worker's findOneAndUpdate (upsert) to STARTED. */
  claim: LatencyStats;
  /** `finish`: the worker's conditional update to SUCCESS with the result. */
  finish: LatencyStats;
}

/**
 * Each database step of one predict, `concurrency` at a time, on records shaped like a predict's (they
 * stay in the suite's database, which is dropped at the end).
 */
export async function databaseSteps(
  models: ModelsService,
  records: TaskRecordsRepository,
  ctx: TenantContext,
  model: string,
  body: unknown,
  options: { count: number; warmup: number; concurrency: number },
): Promise<DatabaseSteps> {
  const step = async (operation: (index: number) => Promise<void>) => {
    await warmUp(options.warmup, options.concurrency, operation);
    return measureLatency(options.count, options.concurrency, (index) => operation(options.warmup + index));
  };
  // Warm-up call i and measured call i use task i and warmup + i: every claim and finish has its insert.
  const tasks = Array.from({ length: options.warmup + options.count }, () => predictTask(ctx, model, body));
  const starts = new Array<Date | undefined>(tasks.length);
  const metadataRead = await step(async () => {
    await models.metadata(ctx, model);
  });
  const pendingInsert = await step((index) => records.createPending(ctx, tasks[index]));
  const claim = await step(async (index) => {
    const outcome = await records.claim(ctx, tasks[index], 'bench', { maxAttempts: 3, takeOver: false });
    if (outcome.kind !== 'run') throw new Error(`claim answered ${outcome.kind}`);
    starts[index] = outcome.record.started;
  });
  const finish = await step(async (index) => {
    const task = tasks[index];
    const counted = await records.finish(ctx, task, { status: 'SUCCESS', result: [1] }, starts[index]);
    if (!counted) throw new Error(`finish of ${task.id} did not count`);
  });
  return { metadataRead, pendingInsert, claim, finish };
}

function predictTask(ctx: TenantContext, model: string, body: unknown): TaskMessage {
  return {
    id: randomUUID(),
    tenant: ctx.tenant,
    bucket: ctx.bucket,
    action: 'model.predict',
    object: model,
    args: [body],
    kwargs: {},
    label: LABEL,
    trace: { submitted: new Date().toISOString() },
  };
}

/**
 * The database ceiling of the no-op throughput: an async task's two record writes (the PENDING insert at
 * submit, the outcome of its first delivery) in order, `concurrency` tasks at a time, with no broker and
 * no worker; concurrent writes share their batches as they do in the runtime. Answers tasks/s.
 */
export async function recordWritesThroughput(
  records: TaskRecordsRepository,
  ctx: TenantContext,
  options: { count: number; warmup: number; concurrency: number },
): Promise<LatencyStats> {
  const writeRecords = async () => {
    const task = pingTask(ctx);
    await records.createPending(ctx, task);
    const started = new Date();
    const { args, kwargs, tenant, bucket } = task;
    const result = {
      message: 'ping return message',
      time: new Date().toISOString(),
      args,
      kwargs,
      tenant,
      bucket,
    };
    if (!(await records.finishFirst(ctx, task, 'bench', started, { status: 'SUCCESS', result })))
      throw new Error(`task ${task.id}: its outcome was not recorded`);
  };
  await warmUp(options.warmup, options.concurrency, writeRecords);
  return measureLatency(options.count, options.concurrency, writeRecords);
}

function pingTask(ctx: TenantContext): TaskMessage {
  return {
    id: randomUUID(),
    tenant: ctx.tenant,
    bucket: ctx.bucket,
    action: 'bench.noop',
    args: [],
    kwargs: { delay_ms: 0 },
    label: LABEL,
    trace: { submitted: new Date().toISOString() },
  };
}
