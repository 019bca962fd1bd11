import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { MongoClient } from 'mongodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { expectOk, send, sendForJson } from '../support/http';
import { formatInt, formatRatio, formatTable } from '../support/report';
import { cleanRuntimeLeftovers, startRuntimePlatform, uploadModel } from '../runtime/runtime-platform';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'onnx');
const FEATURES = 13;
const ARROW = 'application/vnd.apache.arrow.stream';

export interface BatchPredictBenchOptions {
  client: MongoClient;
  mongoUrl: string;
  brokerUrl: string;
  workerConcurrency: number;
  /** Rows of the scored table (BENCH_BP_ROWS, 1,000,000). */
  rows: number;
  /** Rows per model call (BENCH_BP_BATCH, 16,384). */
  batch: number;
}

interface PathResult {
  path: string;
  seconds: number;
  rowsPerSecond: number;
  ratio: number;
}

/**
 * Scores a table of `rows` × 13 features with the wine classifier (scaler + logistic regression, ONNX):
 * onnxruntime alone over the same batches, then REST through a worker with `?result=` (the worker reads
 * the table and writes the predictions as a dataset) and streamed back as Arrow IPC.
 */
export async function runBatchPredictBench(options: BatchPredictBenchOptions) {
  const { rows, batch } = options;
  const columns = wineColumns(rows);
  const onnx = readFileSync(join(FIXTURES, 'scaler-classifier.onnx'));

  const session = await InferenceSession.create(onnx);
  const alone = await timed(async () => {
    for (let first = 0; first < rows; first += batch) {
      const count = Math.min(batch, rows - first);
      const data = new Float32Array(count * FEATURES);
      for (let r = 0; r < count; r++)
        for (let j = 0; j < FEATURES; j++) data[r * FEATURES + j] = columns[j][first + r];
      await session.run({ [session.inputNames[0]]: new Tensor('float32', data, [count, FEATURES]) });
    }
  });
  await session.release();

  await cleanRuntimeLeftovers(options.client, options.brokerUrl);
  const platform = await startRuntimePlatform(options);
  try {
    const { url, auth } = platform;
    await uploadModel(url, 'wine', onnx, auth);
    const table = tableFromArrays(Object.fromEntries(columns.map((values, j) => [`f${j}`, values])));
    const body = Buffer.from(tableToIPC(table, 'stream'));
    await sendForJson(
      `${url}/api/v1/dataset/wine_x`,
      { method: 'PUT', headers: { ...auth, 'content-type': ARROW, 'content-length': body.length }, body },
      'upload wine_x',
    );
    const query = `datax=wine_x&batch=${batch}&timeout=3600`;
    const stored = await timed(async () => {
      const answer = await sendForJson<{ result: { rows: number } }>(
        `${url}/api/v1/model/wine/predict?${query}&result=wine_pred`,
        { method: 'PUT', headers: auth },
        'predict into a dataset',
      );
      if (answer.result.rows !== rows) throw new Error(`stored ${answer.result.rows} rows, not ${rows}`);
    });
    const streamed = await timed(async () => {
      const response = await send(`${url}/api/v1/model/wine/predict?${query}`, {
        method: 'PUT',
        headers: { ...auth, accept: ARROW },
      });
      await expectOk(response, 'predict streamed as Arrow');
      let bytes = 0;
      for await (const chunk of response) bytes += (chunk as Buffer).length;
      // Arrow IPC of one float64 column: at least 8 bytes a row.
      if (bytes < rows * 8) throw new Error(`streamed ${bytes} bytes for ${rows} rows`);
    });
    const result = (path: string, seconds: number): PathResult => ({
      path,
      seconds,
      rowsPerSecond: rows / seconds,
      ratio: alone / seconds,
    });
    const paths = [
      result('onnxruntime session.run alone, same batches', alone),
      result('REST ?datax=&result= (worker reads, predicts, writes)', stored),
      result('REST ?datax= streamed back as Arrow IPC', streamed),
    ];
    const tableText = formatTable(
      ['path', 'seconds', 'rows/s', '× onnxruntime'],
      paths.map((p) => [p.path, p.seconds.toFixed(2), formatInt(p.rowsPerSecond), formatRatio(p.ratio)]),
    );
    return { table: tableText, results: { rows, features: FEATURES, batch, paths } };
  } finally {
    await platform.close();
  }
}

/** Wine-like features, column by column: the fixture's test rows, each scaled a little differently. */
function wineColumns(rows: number): Float64Array[] {
  const base = (
    JSON.parse(readFileSync(join(FIXTURES, 'scaler-classifier.expected.json'), 'utf8')) as { X: number[][] }
  ).X;
  return Array.from({ length: FEATURES }, (_, j) =>
    Float64Array.from(
      { length: rows },
      (_v, i) => base[i % base.length][j] * (1 + 0.05 * Math.sin(i * 7 + j)),
    ),
  );
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}
