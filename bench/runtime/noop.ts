import type { TenantContext } from '@omega/core';
import { PING_ACTION, RuntimeClient, TaskRecordsRepository } from '@omega/runtime';
import { LatencyStats, measureLatency } from '../support/latency';
import { LABEL } from './runtime-platform';

/** The completion check reads the newest task's record this often, then counts the finished ones. */
const POLL_MS = 50;
/** The longest a batch may take before it counts as lost. */
const DEADLINE_MS = 300_000;

export interface RuntimeThroughputResult {
  count: number;
  /** From the first submit until every task's record says SUCCESS. */
  seconds: number;
  perSecond: number;
  /** Until the last submit answered (recorded PENDING and confirmed by the broker). */
  submitSeconds: number;
  /** Latency of each `submit`: the PENDING insert (batched with concurrent submits), then the publish confirm. */
  submit: LatencyStats;
  /** Task records in the tenant's `omega_tasks` before and after the measured batch. */
  taskRecords: { before: number; after: number };
}

/**
 * No-op tasks through the runtime: `RuntimeClient.submit` of `runtime.ping` (delay 0), `window` submits
 * in flight at most, timed until all of them are recorded SUCCESS by the worker. This measures what the
 * platform sustains end to end (submit with its PENDING insert, queue, run, the outcome write), not one caller's round trip.
 */
export async function runtimeThroughput(
  runtime: RuntimeClient,
  records: TaskRecordsRepository,
  ctx: TenantContext,
  options: { count: number; warmup: number; window: number },
): Promise<RuntimeThroughputResult> {
  const run = async (count: number) => {
    const recordsBefore = await taskRecordCount(records, ctx);
    const before = await finishedCounts(records, ctx);
    const ids = new Array<string>(count);
    const started = process.hrtime.bigint();
    const submit = await measureLatency(count, options.window, async (index) => {
      const task = await runtime.submit(ctx, { action: PING_ACTION, kwargs: { delay_ms: 0 }, label: LABEL });
      ids[index] = task.id;
    });
    const submitSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await allFinished(records, ctx, ids[count - 1], before.success + count, before.failure);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const taskRecords = { before: recordsBefore, after: await taskRecordCount(records, ctx) };
    return { count, seconds, perSecond: count / seconds, submitSeconds, submit, taskRecords };
  };
  await run(options.warmup);
  return run(options.count);
}

export interface RuntimeSyncThroughputResult {
  count: number;
  /** From the first call until the last one answered. */
  seconds: number;
  perSecond: number;
  /** Latency of each call: publish, run, reply (its record is written afterwards, in a batch). */
  call: LatencyStats;
}

/**
 * Synchronous no-op tasks: `RuntimeClient.call` of `runtime.ping` (delay 0), `window` calls in flight at
 * most, each answered through the reply queue; the records are written after the answers, in batches, so
 * this is what a caller waiting on each task sees. Timed until the last call answered.
 */
export async function runtimeSyncThroughput(
  runtime: RuntimeClient,
  ctx: TenantContext,
  options: { count: number; warmup: number; window: number },
): Promise<RuntimeSyncThroughputResult> {
  const run = async (count: number) => {
    const call = await measureLatency(count, options.window, async () => {
      await runtime.call(ctx, { action: PING_ACTION, kwargs: { delay_ms: 0 }, label: LABEL });
    });
    return { count, seconds: call.seconds, perSecond: count / call.seconds, call };
  };
  await run(options.warmup);
  return run(options.count);
}

/** How many task records the tenant holds, whatever their status. */
export async function taskRecordCount(records: TaskRecordsRepository, ctx: TenantContext): Promise<number> {
  return (await records.list(ctx, { limit: 1 })).total;
}

async function finishedCounts(
  records: TaskRecordsRepository,
  ctx: TenantContext,
): Promise<{ success: number; failure: number }> {
  const [success, failure] = await Promise.all([
    records.list(ctx, { status: 'SUCCESS', limit: 1 }),
    records.list(ctx, { status: 'FAILURE', limit: 1 }),
  ]);
  return { success: success.total, failure: failure.total };
}

/**
 * Waits until `success` tasks are SUCCESS, failing on any new FAILURE. Counting is a scan, so it first
 * watches only the last submitted task (one read by id): the others mostly finish before it.
 */
async function allFinished(
  records: TaskRecordsRepository,
  ctx: TenantContext,
  lastId: string,
  success: number,
  failure: number,
): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  const pause = () => new Promise((resolve) => setTimeout(resolve, POLL_MS));
  while (Date.now() < deadline) {
    const last = await records.find(ctx, lastId);
    if (last?.status === 'FAILURE') throw new Error(`ping ${lastId} failed: ${JSON.stringify(last.error)}`);
    if (last?.status === 'SUCCESS') break;
    await pause();
  }
  while (Date.now() < deadline) {
    const counts = await finishedCounts(records, ctx);
    if (counts.failure > failure) throw new Error(`${counts.failure - failure} ping task(s) failed`);
    if (counts.success >= success) return;
    await pause();
  }
  throw new Error(`the ping tasks did not all finish within ${DEADLINE_MS / 1000} s`);
}
