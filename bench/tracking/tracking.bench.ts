import type { MongoClient } from 'mongodb';
import { performance } from 'node:perf_hooks';
import type { OmegaConfig } from '@omega/core';
import { benchAuth, RAW_DB, startApi } from '../support/platform';
import { formatInt, formatRatio, formatTable } from '../support/report';

/** Points per logging call through REST (the API takes up to 100,000). */
const POINTS_PER_CALL = 50_000;
const LOG_CALLS = 6;
/** The raw driver's one-document-per-point baseline is slow on FerretDB: fewer points keep it short. */
const RAW_POINTS = 20_000;
const PREDICTS = 200;
const TARGET_POINTS_PER_SECOND = 50_000;

export interface TrackingBenchResult {
  table: string;
  results: Record<string, unknown>;
}

/**
 * Experiment tracking: metric points logged per second in batches through REST (the packed-block write
 * path), against the raw driver inserting the same points one document each and as packed blocks; and a
 * synchronous predict's latency with the model's tracking off and on.
 */
export async function runTrackingBench(options: {
  client: MongoClient;
  config: OmegaConfig;
}): Promise<TrackingBenchResult> {
  const api = await startApi(options.config);
  const headers = { ...benchAuth(options.config), 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${api.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
    return answer.json() as Promise<Record<string, unknown>>;
  };
  try {
    // 1. Metric points through REST, in batches.
    await call('POST', '/api/v1/experiment', { name: 'bench' });
    await call('POST', '/api/v1/experiment/bench/runs', {});
    const steps = Array.from({ length: POINTS_PER_CALL }, (_, i) => i);
    const series = [{ key: 'loss', values: steps.map((s) => 1 / (s + 1)), steps }];
    const started = performance.now();
    for (let i = 0; i < LOG_CALLS; i++) await call('POST', '/api/v1/experiment/bench/runs/1/log', { series });
    const restSeconds = (performance.now() - started) / 1000;
    const restRate = (POINTS_PER_CALL * LOG_CALLS) / restSeconds;

    // 2. The raw driver: one document per point (what a naive tracker writes) and packed blocks.
    const raw = options.client.db(RAW_DB);
    const docs = Array.from({ length: RAW_POINTS }, (_, i) => ({
      run: 1,
      key: 'loss',
      value: 1 / (i + 1),
      step: i,
      dt: new Date(),
    }));
    let t = performance.now();
    await raw.collection('points').insertMany(docs, { ordered: false });
    const rawRate = RAW_POINTS / ((performance.now() - t) / 1000);
    const { packPoints } = await import('@omega/tracking');
    const blocks = packPoints(
      steps.map((step) => ({ key: 'loss', value: 1 / (step + 1), step, time: Date.now() })),
    );
    t = performance.now();
    for (let i = 0; i < LOG_CALLS; i++)
      await raw.collection('blocks').insertMany(blocks.map((b) => ({ ...b })));
    const blockRate = (POINTS_PER_CALL * LOG_CALLS) / ((performance.now() - t) / 1000);

    // 3. Predict latency, tracking off then on (inputs kept for every call: the heaviest setting).
    const rows = Array.from({ length: 150 }, (_, i) => ({ a: i % 7, b: (i * 3) % 11, c: i / 10 }));
    await call('PUT', '/api/v1/dataset/bench_X', { data: rows });
    await call('PUT', '/api/v1/dataset/bench_y', {
      data: rows.map((r) => ({ y: r.a > 3 ? 'high' : 'low' })),
    });
    await call('POST', '/api/v1/model/', { name: 'bench', algorithm: 'knn', params: { k: 3 } });
    await call('PUT', '/api/v1/model/bench/fit?datax=bench_X&datay=bench_y');
    const predictLatency = async () => {
      const times: number[] = [];
      for (let i = 0; i < PREDICTS; i++) {
        const s = performance.now();
        await call('PUT', '/api/v1/model/bench/predict', { X: rows.slice(i % 100, (i % 100) + 20) });
        times.push(performance.now() - s);
      }
      times.sort((x, y) => x - y);
      return { p50: times[Math.floor(PREDICTS / 2)], p90: times[Math.floor(PREDICTS * 0.9)] };
    };
    await predictLatency(); // warm-up: model loaded, caches filled
    const off = await predictLatency();
    await call('PUT', '/api/v1/model/bench/track', { experiment: 'bench-prod' });
    const on = await predictLatency();
    const ratio = on.p50 / off.p50;

    const table = formatTable(
      ['path', 'points/s or ms', 'vs baseline'],
      [
        ['REST log, 50,000-point batches', formatInt(restRate), formatRatio(restRate / rawRate)],
        ['raw insertMany, a document per point', formatInt(rawRate), '1.00'],
        ['raw insertMany, packed blocks', formatInt(blockRate), formatRatio(blockRate / rawRate)],
        ['predict p50 ms, tracking off', off.p50.toFixed(2), '1.00'],
        ['predict p50 ms, tracking on', on.p50.toFixed(2), formatRatio(ratio)],
        [
          'predict p90 ms, off / on',
          `${off.p90.toFixed(2)} / ${on.p90.toFixed(2)}`,
          formatRatio(on.p90 / off.p90),
        ],
      ],
    );
    return {
      table: `${table}\ntarget ≥ ${formatInt(TARGET_POINTS_PER_SECOND)} points/s through REST: ${restRate >= TARGET_POINTS_PER_SECOND ? 'met' : 'NOT met'}`,
      results: {
        restPointsPerSecond: Math.round(restRate),
        rawDocumentPointsPerSecond: Math.round(rawRate),
        rawBlockPointsPerSecond: Math.round(blockRate),
        target: TARGET_POINTS_PER_SECOND,
        targetMet: restRate >= TARGET_POINTS_PER_SECOND,
        predictMs: { off, on, p50Ratio: ratio },
      },
    };
  } finally {
    await api.close();
  }
}
