import { TenantContext } from '@omega/core';
import { ModelsService } from '@omega/models';
import { RuntimeClient, TASK_PATTERN, TaskRecordsRepository } from '@omega/runtime';
import type { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { formatMs, LatencyStats } from '../support/latency';
import { CpuUse, ProcessGroups, startCpuSampler } from '../support/process-cpu';
import { Cell, formatInt, formatRatio, formatTable, note } from '../support/report';
import { rawPublishConfirm, rawRoundTrip, rawThroughput, ThroughputResult } from './amqp-baselines';
import { databaseSteps, DatabaseSteps, recordSplit, RecordSplit, recordWritesThroughput } from './breakdown';
import {
  runtimeSyncThroughput,
  RuntimeSyncThroughputResult,
  runtimeThroughput,
  RuntimeThroughputResult,
  taskRecordCount,
} from './noop';
import { onnxDirect, predictBody, restPing, restPredict } from './predict';
import { LABEL, loadIris, RuntimePlatform, startRuntimePlatform, uploadModel } from './runtime-platform';

/** Concurrency levels of the latency measurements. */
const LEVELS = [1, 32];
/** Untimed calls before every measured level. */
const WARMUP_CALLS = 200;
/** Untimed no-op tasks before the measured batch (both paths). */
const WARMUP_TASKS = 500;
/** Publishes (or submits) awaiting their confirm at most, for both throughput paths. */
const PUBLISH_WINDOW = 32;
/** Calls per database step timed alone, per level. */
const STEP_CALLS = 500;
/** Round trips with Nagle's algorithm on: each takes about 40 ms, so a few hundred are plenty. */
const NAGLE_CALLS = 200;
/** Runtime no-op tasks/s should be at least this fraction of raw amqplib's. */
const NOOP_TARGET = 0.5;
/** Predict p50 via the worker should be at most this multiple of (REST ping p50 + raw RPC p50 + onnxruntime p50). */
const PREDICT_FACTOR = 2;
const MODEL = 'iris';
const PREDICT_ACTION = 'model.predict';

export interface RuntimeBenchDeps {
  client: MongoClient;
  mongoUrl: string;
  brokerUrl: string;
  /** Calls per measured latency level (BENCH_RT_REQUESTS). */
  requests: number;
  /** No-op tasks per throughput path (BENCH_RT_TASKS). */
  tasks: number;
  /** The worker's OMEGA_WORKER_CONCURRENCY, and the raw consumer's prefetch (BENCH_RT_WORKER_CONCURRENCY). */
  workerConcurrency: number;
}

export interface LatencyResult extends LatencyStats {
  path: string;
  label: string;
}

export interface RuntimeBenchResult {
  table: string;
  results: Record<string, unknown>;
}

/** The steps of one predict timed alone, at one concurrency. */
interface StepLevel {
  concurrency: number;
  /** Task records in the tenant's `omega_tasks` when the steps were timed: lookups by id scan on FerretDB 1.x. */
  taskRecords: number;
  database: DatabaseSteps;
  /** Publish of a persistent message to a durable queue until its confirm. */
  publishConfirm: LatencyStats;
}

/** Everything one run measured, before it is turned into tables. */
interface Figures {
  latency: LatencyResult[];
  /** Task-record medians per REST concurrency level. */
  splits: (RecordSplit & { concurrency: number })[];
  steps: StepLevel[];
  recordWrites: LatencyStats & { taskRecords: { before: number; after: number } };
  raw: ThroughputResult;
  /** Asynchronous no-op tasks: durable record at submit, outcome written before the ack. */
  runtime: RuntimeThroughputResult;
  /** Synchronous no-op calls: answered through the reply queue, records batched after the answer. */
  runtimeSync: RuntimeSyncThroughputResult;
  /** CPU use per process group during some of the runs; empty without Linux `/proc`. */
  cpu: ({ run: string } & CpuUse)[];
  loadBefore: number[];
  loadAfter: number[];
}

/**
 * Predict latency through the API and a worker, and no-op task throughput through the runtime, each
 * beside raw onnxruntime and raw amqplib doing the same work on the same broker.
 */
export async function runRuntimeBench(deps: RuntimeBenchDeps): Promise<RuntimeBenchResult> {
  const loadBefore = loadavg();
  note(`load average ${formatLoad(loadBefore)} on ${cpus().length} CPUs`);
  const iris = loadIris();
  const url = deps.brokerUrl;
  const levels = LEVELS.map((concurrency) => ({ concurrency, count: deps.requests }));
  const latency: LatencyResult[] = [];
  const add = (path: string, label: string, stats: LatencyStats) => {
    latency.push({ path, label, ...stats });
    note(
      `${label}, concurrency ${stats.concurrency}: p50 ${formatMs(stats.p50Ms)} ms, ` +
        `p99 ${formatMs(stats.p99Ms)} ms, ${formatInt(stats.perSecond)}/s`,
    );
  };

  // Baselines first, with nothing of the platform running.
  add(
    'onnx',
    'onnxruntime session.run',
    await onnxDirect(iris, { count: deps.requests, warmup: WARMUP_CALLS }),
  );
  const payload = Buffer.from(predictBody(iris, 0));
  const rpc = { noDelay: true, warmup: WARMUP_CALLS, levels, payload };
  for (const level of await rawRoundTrip(url, { ...rpc, durable: false }))
    add('rpc', 'raw amqplib RPC', level);
  for (const level of await rawRoundTrip(url, { ...rpc, durable: true }))
    add('rpc-durable', 'raw amqplib RPC, persistent + confirm', level);
  const nagle = { noDelay: false, durable: false, warmup: 20, payload };
  const nagleLevels = [{ concurrency: 1, count: Math.min(NAGLE_CALLS, deps.requests) }];
  for (const level of await rawRoundTrip(url, { ...nagle, levels: nagleLevels }))
    add('rpc-nagle', 'raw amqplib RPC, default socket (Nagle on)', level);
  const publishConfirms = new Map<number, LatencyStats>();
  for (const concurrency of LEVELS) {
    const options = { count: STEP_CALLS, warmup: WARMUP_CALLS, concurrency, payload: pingPayload() };
    publishConfirms.set(concurrency, await rawPublishConfirm(url, options));
  }

  note(`starting the API (broker mode) and a worker (concurrency ${deps.workerConcurrency})`);
  const platform = await startRuntimePlatform({
    mongoUrl: deps.mongoUrl,
    brokerUrl: url,
    workerConcurrency: deps.workerConcurrency,
    client: deps.client,
  });
  try {
    const cpu: Figures['cpu'] = [];
    const groups = processGroups(platform);
    const sampled = async <T>(run: string, work: () => Promise<T>): Promise<T> => {
      const stop = startCpuSampler(groups);
      const value = await work();
      if (stop) cpu.push({ run, ...stop() });
      return value;
    };

    await uploadModel(platform.url, MODEL, iris.file, platform.auth);
    for (const level of levels) {
      const options = { ...level, warmup: WARMUP_CALLS };
      add('http', 'REST GET /api/v1/ping (no database)', await restPing(platform.url, options));
    }
    const records = platform.app.get(TaskRecordsRepository, { strict: false });
    const splits: Figures['splits'] = [];
    for (const level of levels) {
      const stats = await sampled(`REST predict c=${level.concurrency}`, () =>
        restPredict(platform.url, MODEL, iris, { ...level, warmup: WARMUP_CALLS, auth: platform.auth }),
      );
      add('rest', 'REST predict via worker', stats);
      // Right after the level, the newest finished records are exactly its measured tasks.
      splits.push({
        concurrency: level.concurrency,
        ...(await recordSplit(records, platform.ctx, level.count, PREDICT_ACTION)),
      });
    }

    const models = platform.app.get(ModelsService, { strict: false });
    const steps: StepLevel[] = [];
    for (const concurrency of LEVELS) {
      const options = { count: STEP_CALLS, warmup: WARMUP_CALLS, concurrency };
      const body = JSON.parse(predictBody(iris, 0)) as unknown;
      const taskRecords = await taskRecordCount(records, platform.ctx);
      const database = await databaseSteps(models, records, platform.ctx, MODEL, body, options);
      const publishConfirm = publishConfirms.get(concurrency) as LatencyStats;
      steps.push({ concurrency, taskRecords, database, publishConfirm });
    }

    const raw = await sampled('raw no-op', () =>
      rawThroughput(url, {
        count: deps.tasks,
        warmup: WARMUP_TASKS,
        window: PUBLISH_WINDOW,
        prefetch: deps.workerConcurrency,
        payload: () => pingPayload(),
      }),
    );
    note(
      `raw amqplib: ${formatInt(raw.count)} messages published and acknowledged in ${raw.seconds.toFixed(2)} s`,
    );
    // Each throughput path starts from an empty task collection of its own (a tenant each): on FerretDB
    // 1.x a lookup by id scans the collection, so what the predicts left behind would slow them down.
    const client = platform.app.get(RuntimeClient, { strict: false });
    const runtime = await sampled('runtime no-op', () =>
      runtimeThroughput(client, records, TenantContext.of('noop'), {
        count: deps.tasks,
        warmup: WARMUP_TASKS,
        window: PUBLISH_WINDOW,
      }),
    );
    note(`runtime: ${formatInt(runtime.count)} ping tasks SUCCESS in ${runtime.seconds.toFixed(2)} s`);
    const runtimeSync = await sampled('runtime sync no-op', () =>
      runtimeSyncThroughput(client, TenantContext.of('noopsync'), {
        count: deps.tasks,
        warmup: WARMUP_TASKS,
        window: PUBLISH_WINDOW,
      }),
    );
    note(
      `runtime sync: ${formatInt(runtimeSync.count)} ping calls answered in ${runtimeSync.seconds.toFixed(2)} s`,
    );
    const writesCtx = TenantContext.of('writes');
    const writes = await sampled('record writes', () =>
      recordWritesThroughput(records, writesCtx, {
        count: deps.tasks,
        warmup: WARMUP_TASKS,
        concurrency: PUBLISH_WINDOW,
      }),
    );
    const taskRecords = { before: WARMUP_TASKS, after: await taskRecordCount(records, writesCtx) };
    const recordWrites = { ...writes, taskRecords };
    note(
      `record writes alone: ${formatInt(recordWrites.count)} tasks in ${recordWrites.seconds.toFixed(2)} s`,
    );

    const figures: Figures = {
      latency,
      splits,
      steps,
      recordWrites,
      raw,
      runtime,
      runtimeSync,
      cpu,
      loadBefore,
      loadAfter: loadavg(),
    };
    return { table: tables(deps, figures), results: results(deps, figures) };
  } finally {
    await platform.close();
  }
}

/** Who uses the CPU: this process (bench client and API), the worker, the database, the broker. */
function processGroups(platform: RuntimePlatform): ProcessGroups {
  return {
    'this process (bench client + API)': ({ pid }) => pid === process.pid,
    worker: ({ pid }) => pid === platform.worker.pid,
    FerretDB: ({ comm }) => comm === 'ferretdb',
    PostgreSQL: ({ comm }) => comm === 'postgres',
    RabbitMQ: ({ comm }) => comm === 'beam.smp' || comm === 'epmd' || comm.startsWith('erl_'),
  };
}

function latencyOf(figures: Figures, path: string, concurrency: number): LatencyResult {
  const found = figures.latency.find((entry) => entry.path === path && entry.concurrency === concurrency);
  if (!found) throw new Error(`no ${path} figures at concurrency ${concurrency}`);
  return found;
}

interface Targets {
  throughputRatio: number;
  throughputMet: boolean;
  syncThroughputRatio: number;
  syncThroughputMet: boolean;
  predictBoundMs: number;
  predictMet: boolean;
  /** The serial path of one predict at concurrency 1, from its steps timed alone. */
  serialEstimateMs: number;
}

function targets(figures: Figures): Targets {
  const onnx = latencyOf(figures, 'onnx', 1);
  const rpc = latencyOf(figures, 'rpc', 1);
  const rest = latencyOf(figures, 'rest', 1);
  const http = latencyOf(figures, 'http', 1);
  const { publishConfirm } = figures.steps[0];
  const throughputRatio = figures.runtime.perSecond / figures.raw.perSecond;
  const syncThroughputRatio = figures.runtimeSync.perSecond / figures.raw.perSecond;
  const predictBoundMs = PREDICT_FACTOR * (http.p50Ms + rpc.p50Ms + onnx.p50Ms);
  return {
    throughputRatio,
    throughputMet: throughputRatio >= NOOP_TARGET,
    syncThroughputRatio,
    syncThroughputMet: syncThroughputRatio >= NOOP_TARGET,
    predictBoundMs,
    predictMet: rest.p50Ms <= predictBoundMs,
    // A synchronous predict: an HTTP call; the API and the worker answer the model's metadata from their
    // caches; the API publishes (no record yet); the worker runs ONNX and replies with the outcome, and
    // writes the record later in a batch; delivery and the reply are about one raw RPC round trip.
    serialEstimateMs: http.p50Ms + publishConfirm.p50Ms + onnx.p50Ms + rpc.p50Ms,
  };
}

function tables(deps: RuntimeBenchDeps, figures: Figures): string {
  const { raw, runtime, runtimeSync, recordWrites } = figures;
  const onnx = latencyOf(figures, 'onnx', 1);
  const rpc = latencyOf(figures, 'rpc', 1);
  const rest = latencyOf(figures, 'rest', 1);
  const http = latencyOf(figures, 'http', 1);
  const boundSum = http.p50Ms + rpc.p50Ms + onnx.p50Ms;
  const met = targets(figures);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

  const latencyTable = formatTable(
    ['path', 'concurrency', 'calls', 'p50 ms', 'p99 ms', 'calls/s'],
    figures.latency.map((entry) => [
      entry.label,
      entry.concurrency,
      formatInt(entry.count),
      formatMs(entry.p50Ms),
      formatMs(entry.p99Ms),
      formatInt(entry.perSecond),
    ]),
  );

  const throughputRow = (
    label: string,
    run: { count: number; seconds: number; perSecond: number },
    target: string,
    taskRecords: string,
  ): Cell[] => [
    label,
    formatInt(run.count),
    run.seconds.toFixed(2),
    formatInt(run.perSecond),
    formatRatio(run.perSecond / raw.perSecond),
    target,
    taskRecords,
  ];
  const throughputTable = formatTable(
    ['no-op tasks', 'tasks', 'seconds', 'tasks/s', 'vs raw', 'target', 'task records'],
    [
      throughputRow('raw amqplib: publish (persistent, confirm) + consume (ack)', raw, '(baseline)', '-'),
      throughputRow(
        'runtime async: RuntimeClient.submit runtime.ping until SUCCESS',
        runtime,
        `≥ ${NOOP_TARGET} ${verdict(met.throughputMet)}`,
        recordRange(runtime.taskRecords),
      ),
      throughputRow(
        'runtime sync: RuntimeClient.call runtime.ping until answered (records batched after)',
        runtimeSync,
        `≥ ${NOOP_TARGET} ${verdict(met.syncThroughputMet)}`,
        '-',
      ),
      throughputRow(
        "an async task's 2 record writes alone (no broker, no worker)",
        recordWrites,
        '(DB ceiling)',
        recordRange(recordWrites.taskRecords),
      ),
    ],
  );

  const noopTarget = (label: string, perSecond: number, ratio: number, ok: boolean): Cell[] => [
    `${label} ≥ ${NOOP_TARGET} × raw amqplib`,
    `${formatInt(perSecond)}/s (${formatRatio(ratio)})`,
    `≥ ${formatInt(NOOP_TARGET * raw.perSecond)}/s`,
    verdict(ok),
  ];
  const targetTable = formatTable(
    ['target', 'measured', 'bound', 'result'],
    [
      noopTarget('async no-op tasks/s', runtime.perSecond, met.throughputRatio, met.throughputMet),
      noopTarget('sync no-op calls/s', runtimeSync.perSecond, met.syncThroughputRatio, met.syncThroughputMet),
      [
        `predict p50 (c=1) ≤ ${PREDICT_FACTOR} × (REST ping p50 + RPC p50 + onnxruntime p50)`,
        `${formatMs(rest.p50Ms)} ms (${formatRatio(rest.p50Ms / boundSum)} of the sum)`,
        `≤ ${formatMs(met.predictBoundMs)} ms`,
        verdict(met.predictMet),
      ],
    ],
  );

  const restP50 = (concurrency: number) => latencyOf(figures, 'rest', concurrency).p50Ms;
  const splitTable = formatTable(
    ['predict by its task records (medians, ms)', ...figures.splits.map((s) => `c=${s.concurrency}`)],
    [
      ['REST predict p50 (client)', ...figures.splits.map((s) => formatMs(restP50(s.concurrency)))],
      [
        'submitted → started: publish confirm, queue, delivery',
        ...figures.splits.map((s) => s.submitToClaimMs.toFixed(1)),
      ],
      [
        'started → finished: cached metadata, ONNX, result',
        ...figures.splits.map((s) => s.claimToFinishMs.toFixed(1)),
      ],
      [
        'the rest: HTTP, the reply (the record is written after it)',
        ...figures.splits.map((s) =>
          (restP50(s.concurrency) - s.submitToClaimMs - s.claimToFinishMs).toFixed(1),
        ),
      ],
    ],
  );

  const [single, many] = figures.steps;
  const step = (
    label: string,
    times: number,
    pick: (level: StepLevel) => LatencyStats | undefined,
  ): Cell[] => {
    const stats = [single, many].map((level) => pick(level));
    return [
      label,
      times,
      ...stats.flatMap((entry) => (entry ? [formatMs(entry.p50Ms), formatMs(entry.p99Ms)] : ['-', '-'])),
      formatMs(times * (stats[0]?.p50Ms ?? NaN)),
    ];
  };
  const stepsTable = formatTable(
    [
      `step of one predict (timed alone; ${formatInt(single.taskRecords)}/${formatInt(many.taskRecords)} task records)`,
      'times',
      `c=${single.concurrency} p50`,
      'p99',
      `c=${many.concurrency} p50`,
      'p99',
      `on path c=${single.concurrency}`,
    ],
    [
      step('HTTP call through express + Nest (GET /api/v1/ping)', 1, (level) =>
        latencyOf(figures, 'http', level.concurrency),
      ),
      // Cached on the API and the worker, and a synchronous call writes its record after the answer: these
      // reads and writes are timed for reference, off a synchronous predict's path (0 times).
      step('model metadata read (cached: off the path)', 0, (level) => level.database.metadataRead),
      step('PENDING insert (async tasks only)', 0, (level) => level.database.pendingInsert),
      step('publish persistent + confirm', 1, (level) => level.publishConfirm),
      step('claim: findOneAndUpdate (redeliveries only)', 0, (level) => level.database.claim),
      step('finish: updateOne with the result (async tasks only)', 0, (level) => level.database.finish),
      step('onnxruntime run', 1, (level) => (level.concurrency === 1 ? onnx : undefined)),
      step('delivery + notice (raw RPC round trip)', 1, (level) =>
        latencyOf(figures, 'rpc', level.concurrency),
      ),
      ['serial estimate (sum of the steps on the path)', '', '', '', '', '', formatMs(met.serialEstimateMs)],
      ['measured REST predict p50', '', '', '', '', '', formatMs(rest.p50Ms)],
    ],
  );

  const sections = [
    latencyTable,
    throughputTable,
    targetTable,
    `where the time goes — worker concurrency ${deps.workerConcurrency}, ${cpus().length} CPUs shared by the` +
      ` bench client, API, worker, broker and database; load average ${formatLoad(figures.loadBefore)}` +
      ` before, ${formatLoad(figures.loadAfter)} after`,
    splitTable,
    stepsTable,
  ];
  if (figures.cpu.length > 0) sections.push(cpuTable(figures.cpu));
  return sections.join('\n\n');
}

/** CPUs busy per process group during each sampled run (warm-ups included): CPU seconds / wall seconds. */
function cpuTable(cpu: Figures['cpu']): string {
  const groups = Object.keys(cpu[0].cpuSeconds);
  const busy = (use: CpuUse, seconds: number) => (seconds / use.seconds).toFixed(2);
  const total = (use: CpuUse) => Object.values(use.cpuSeconds).reduce((sum, value) => sum + value, 0);
  const table = formatTable(
    ['CPUs busy during', ...cpu.map((use) => use.run)],
    [
      ...groups.map((group) => [group, ...cpu.map((use) => busy(use, use.cpuSeconds[group]))]),
      ['total', ...cpu.map((use) => busy(use, total(use)))],
    ],
  );
  // What else kept the machine busy (other test runs, builds): named when it took 1% of a CPU.
  const others = cpu.map((use) => {
    const named = use.otherByName.filter((entry) => entry.cpuSeconds / use.seconds >= 0.01);
    return `  ${use.run}: ${named.map((entry) => `${entry.comm} ${busy(use, entry.cpuSeconds)}`).join(', ') || '-'}`;
  });
  return [table, "'other' by process name:", ...others].join('\n');
}

function results(deps: RuntimeBenchDeps, figures: Figures): Record<string, unknown> {
  const met = targets(figures);
  const rpc = latencyOf(figures, 'rpc', 1);
  const onnx = latencyOf(figures, 'onnx', 1);
  const rest = latencyOf(figures, 'rest', 1);
  const http = latencyOf(figures, 'http', 1);
  return {
    requests: deps.requests,
    tasks: deps.tasks,
    workerConcurrency: deps.workerConcurrency,
    publishWindow: PUBLISH_WINDOW,
    cpus: cpus().length,
    loadAverage: { before: loadFigures(figures.loadBefore), after: loadFigures(figures.loadAfter) },
    latency: figures.latency,
    throughput: [
      {
        path: 'raw',
        label: 'raw amqplib publish+consume',
        ...figures.raw,
        ratio: 1,
        target: null,
        targetMet: null,
      },
      {
        path: 'runtime',
        label: 'RuntimeClient.submit runtime.ping',
        ...figures.runtime,
        ratio: met.throughputRatio,
        target: NOOP_TARGET,
        targetMet: met.throughputMet,
      },
      {
        path: 'runtime-sync',
        label: 'RuntimeClient.call runtime.ping (records batched after the answer)',
        ...figures.runtimeSync,
        ratio: met.syncThroughputRatio,
        target: NOOP_TARGET,
        targetMet: met.syncThroughputMet,
      },
      {
        path: 'record-writes',
        label: "an async task's 2 record writes alone",
        ...figures.recordWrites,
        ratio: figures.recordWrites.perSecond / figures.raw.perSecond,
        target: null,
        targetMet: null,
      },
    ],
    targets: {
      noopThroughput: { ratio: met.throughputRatio, target: NOOP_TARGET, met: met.throughputMet },
      noopSyncThroughput: { ratio: met.syncThroughputRatio, target: NOOP_TARGET, met: met.syncThroughputMet },
      predictP50: {
        p50Ms: rest.p50Ms,
        pingP50Ms: http.p50Ms,
        rpcP50Ms: rpc.p50Ms,
        onnxP50Ms: onnx.p50Ms,
        factor: PREDICT_FACTOR,
        boundMs: met.predictBoundMs,
        met: met.predictMet,
      },
    },
    breakdown: {
      records: figures.splits,
      steps: figures.steps,
      serialEstimateMs: met.serialEstimateMs,
      cpu: figures.cpu,
    },
  };
}

function recordRange({ before, after }: { before: number; after: number }): string {
  return `${formatInt(before)} → ${formatInt(after)}`;
}

function formatLoad(values: number[]): string {
  return values.map((value) => value.toFixed(2)).join(' ');
}

/** `os.loadavg()` as an object: arrays of numbers would not print as prettier does. */
function loadFigures([oneMinute, fiveMinutes, fifteenMinutes]: number[]) {
  return { oneMinute, fiveMinutes, fifteenMinutes };
}

/** A message the size and shape of a ping task on the broker, for the raw throughput baseline. */
function pingPayload(): Buffer {
  return Buffer.from(
    JSON.stringify({
      pattern: TASK_PATTERN,
      data: {
        id: randomUUID(),
        tenant: 'default',
        bucket: 'default',
        action: 'runtime.ping',
        args: [],
        kwargs: { delay_ms: 0 },
        label: LABEL,
        trace: { submitted: new Date().toISOString(), replyTo: 'amq.gen-0123456789abcdefghijkl' },
      },
    }),
  );
}
