import { HTTP_STATUS_BY_CODE, OmegaError, TenantContext } from '@omega/core';
import { RunsService } from '@omega/runtime';
import { PARTS_COLLECTION } from '@omega/datasets';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Response } from 'superagent';
import { collectGarbage, growthMb } from './support/memory';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const FIXTURES = join(__dirname, 'fixtures', 'onnx');
const MODEL_FILE = join(FIXTURES, 'scaler-classifier.onnx');
const FEATURES = 13;
const ROWS = 200_000;
const NAMES = Array.from({ length: FEATURES }, (_, j) => `f${j}`);
const ARROW = 'application/vnd.apache.arrow.stream';
/** What the API may keep, after a full collection, halfway through streaming a 200k × 13 table. */
const MAX_RETAINED_MB = 40;

/** Wine-like rows: the fixture's test rows, each scaled a little differently, so every class occurs. */
function features(rows: number, offset = 0): number[][] {
  const base = (
    JSON.parse(readFileSync(join(FIXTURES, 'scaler-classifier.expected.json'), 'utf8')) as { X: number[][] }
  ).X;
  return Array.from({ length: rows }, (_, r) => {
    const i = r + offset;
    return base[i % base.length].map((value, j) => value * (1 + 0.05 * Math.sin(i * 7 + j)));
  });
}

function arrowOf(rows: number[][], names = NAMES): Uint8Array {
  const columns = Object.fromEntries(
    names.map((name, j) => [name, Float64Array.from(rows, (row) => row[j])]),
  );
  return tableToIPC(tableFromArrays(columns), 'stream');
}

function binary(res: Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

function arrowColumn(body: Buffer, name: string): number[] {
  const column = tableFromIPC(body).getChild(name);
  if (!column) throw new Error(`no column ${name} in the answer`);
  return Array.from(column.toArray() as ArrayLike<number | bigint>, Number);
}

/** onnxruntime itself on the same rows, in its own batches: what every answer must equal exactly. */
async function expectedLabels(rows: number[][]): Promise<number[]> {
  const session = await InferenceSession.create(MODEL_FILE);
  const labels: number[] = [];
  for (let first = 0; first < rows.length; first += 20_000) {
    const batch = rows.slice(first, first + 20_000);
    const data = Float32Array.from(batch.flat());
    const out = await session.run({
      [session.inputNames[0]]: new Tensor('float32', data, [batch.length, FEATURES]),
    });
    labels.push(...Array.from(out[session.outputNames[0]].data as ArrayLike<number | bigint>, Number));
  }
  await session.release();
  return labels;
}

/**
 * A streamed CSV prediction of `table`, one batch of `batch` rows at a time; `meanwhile` runs once the first
 * predictions arrived. Answers the status, the labels received and whether the body arrived whole.
 */
function streamWhile(
  app: TestApp,
  table: string,
  batch: number,
  meanwhile: () => Promise<void>,
): Promise<{ status: number; labels: number[]; complete: boolean }> {
  return new Promise((resolve, reject) => {
    let text = '';
    let during: Promise<void> | undefined;
    const req = httpRequest(
      `${app.url}/api/v1/model/wine/predict?datax=${table}&batch=${batch}`,
      { method: 'PUT', headers: { ...app.auth, Accept: 'text/csv' } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          during ??= meanwhile();
        });
        // A stream cut by a failed batch ends in an error event; close follows either way.
        res.on('error', () => undefined);
        res.on('close', () => {
          const complete = res.complete;
          const lines = text.split('\n');
          // Only whole lines count: a cut stream may end inside one.
          if (!text.endsWith('\n')) lines.pop();
          const labels = lines.filter((line) => line !== '' && line !== 'prediction').map(Number);
          (during ?? Promise.resolve()).then(
            () => resolve({ status: res.statusCode ?? 0, labels, complete }),
            reject,
          );
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.each([
  ['embedded', false],
  ['broker', true],
])('batch predictions (%s)', (_mode, broker) => {
  let app: TestApp;
  let worker: WorkerProcess | undefined;
  let other: TestPrincipal;
  let rows: number[][];
  let labels: number[];
  const ctx = TenantContext.of('default');

  beforeAll(async () => {
    app = await startTestApp({ broker });
    if (broker) worker = await startWorker(app.config);
    other = await app.createPrincipal({ tenant: 'batch_other' });
    for (const principal of [app.admin, other]) {
      await principal.api
        .post('/api/v1/model/')
        .field('name', 'wine')
        .attach('file', readFileSync(MODEL_FILE), 'wine.onnx')
        .expect(201);
    }
    rows = features(ROWS);
    labels = await expectedLabels(rows);
    await app.api
      .put('/api/v1/dataset/wine_x')
      .set('Content-Type', ARROW)
      .send(Buffer.from(arrowOf(rows)))
      .expect(200);
  }, 300_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it('streams a 200k-row table through the model as Arrow, equal to onnxruntime row for row', async () => {
    const res = await app.api
      .put('/api/v1/model/wine/predict?datax=wine_x')
      .set('Accept', ARROW)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toContain(ARROW);
    const predicted = arrowColumn(res.body as Buffer, 'prediction');
    expect(predicted).toHaveLength(ROWS);
    expect(new Set(labels).size).toBeGreaterThan(1);
    expect(predicted).toEqual(labels);
  }, 300_000);

  it('writes the predictions into a dataset with the right rows in order, answering a summary', async () => {
    const { body } = await app.api
      .put('/api/v1/model/wine/predict?datax=wine_x&result=wine_pred&batch=10000&timeout=600')
      .expect(200);
    expect(body.result).toEqual({
      model: 'wine',
      dataset: 'wine_pred',
      rows: ROWS,
      batches: 20,
      columns: ['prediction'],
    });
    const { body: meta } = await app.api.get('/api/v1/dataset/wine_pred/metadata').expect(200);
    expect(meta).toMatchObject({
      kind: 'table.parquet',
      kindMeta: { rows: ROWS, columns: [expect.objectContaining({ name: 'prediction', type: 'number' })] },
    });
    const res = await app.api
      .get('/api/v1/dataset/wine_pred')
      .set('Accept', ARROW)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(arrowColumn(res.body as Buffer, 'prediction')).toEqual(labels);
  }, 300_000);

  it('answers CSV, JSON records and the single-call JSON shape in batches', async () => {
    const some = rows.slice(0, 5000);
    const csv = await app.api
      .put('/api/v1/model/wine/predict?batch=1000')
      .set('Accept', 'text/csv')
      .send({ columns: NAMES, data: some })
      .expect(200);
    expect(csv.text.trim().split('\n')).toEqual(['prediction', ...labels.slice(0, 5000).map(String)]);
    const { body: records } = await app.api
      .put('/api/v1/model/wine/predict?batch=999&orient=records')
      .send({ columns: NAMES, data: some })
      .expect(200);
    expect(records).toEqual(labels.slice(0, 5000).map((prediction) => ({ prediction })));
    const { body: envelope } = await app.api
      .put('/api/v1/model/wine/predict?batch=777')
      .send({ columns: NAMES, data: some })
      .expect(200);
    expect(envelope).toEqual({ model: 'wine', result: labels.slice(0, 5000), resource_uri: 'wine' });
  }, 120_000);

  it('streams an Arrow body through in batches', async () => {
    const some = rows.slice(0, 50_000);
    const res = await app.api
      .put('/api/v1/model/wine/predict?batch=8192')
      .set('Content-Type', ARROW)
      .set('Accept', ARROW)
      .send(Buffer.from(arrowOf(some)))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(arrowColumn(res.body as Buffer, 'prediction')).toEqual(labels.slice(0, 50_000));
  }, 120_000);

  it('runs asynchronously with ?result=: the task result is the summary', async () => {
    const { body } = await app.api
      .put('/api/v1/model/wine/predict?datax=wine_x&result=wine_async&async=true')
      .expect(202);
    const deadline = Date.now() + 240_000;
    let task: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      ({ body: task } = await app.api.get(`/api/v1/task/${body.task_id}/result`).expect(200));
      if (task.status === 'SUCCESS' || task.status === 'FAILURE') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(task.status).toBe('SUCCESS');
    expect(JSON.stringify(task)).toContain('"dataset":"wine_async"');
    const { body: meta } = await app.api.get('/api/v1/dataset/wine_async/metadata').expect(200);
    expect(meta.kindMeta.rows).toBe(ROWS);
  }, 300_000);

  it('a failing later batch answers 400 and stores nothing', async () => {
    await app.api
      .put('/api/v1/dataset/wine_bad')
      .set('Content-Type', ARROW)
      .send(Buffer.from(arrowOf(rows.slice(0, 30_000))))
      .expect(200);
    // Appended rows without f12: that column is null from row 30,000 on, which no model call takes.
    await app.api
      .put('/api/v1/dataset/wine_bad?append=true')
      .set('Content-Type', ARROW)
      .send(Buffer.from(arrowOf(rows.slice(0, 100), NAMES.slice(0, 12))))
      .expect(200);
    const parts = await app.databases.db(ctx).collection(PARTS_COLLECTION).countDocuments();
    const { body } = await app.api
      .put('/api/v1/model/wine/predict?datax=wine_bad&result=wine_bad_pred&batch=8192')
      .expect(400);
    expect(JSON.stringify(body)).toContain('row 30000, column f12');
    await app.api.get('/api/v1/dataset/wine_bad_pred/metadata').expect(404);
    expect(await app.databases.db(ctx).collection(PARTS_COLLECTION).countDocuments()).toBe(parts);
    // A clash in the first batch is refused before any byte of a streamed answer.
    await app.api
      .put('/api/v1/model/wine/predict?batch=100')
      .set('Accept', ARROW)
      .send({ columns: NAMES, data: [[...rows[0].slice(0, 12), 'text']] })
      .expect(400);
  }, 300_000);

  it('a streamed prediction reads one table version: a replace midway answers the old rows or fails, never a mix', async () => {
    const old = rows.slice(0, 40_000);
    const replacement = rows.slice(40_000, 80_000);
    const oldLabels = labels.slice(0, 40_000);
    const newLabels = labels.slice(40_000, 80_000);
    const batch = 100;
    // Meaningful only if every batch of the new rows predicts differently from the old somewhere.
    for (let first = 0; first < old.length; first += batch)
      expect(newLabels.slice(first, first + batch)).not.toEqual(oldLabels.slice(first, first + batch));
    const put = (name: string, data: number[][], append = false) =>
      app.api
        .put(`/api/v1/dataset/${name}${append ? '?append=true' : ''}`)
        .set('Content-Type', ARROW)
        .send(Buffer.from(arrowOf(data)))
        .expect(200);

    // An append midway: the rows appended are not read, the answer is the old version's, whole.
    await put('wine_grow', old);
    const grown = await streamWhile(app, 'wine_grow', batch, async () => {
      await put('wine_grow', replacement, true);
    });
    expect(grown.status).toBe(200);
    expect(grown.complete).toBe(true);
    expect(grown.labels).toEqual(oldLabels);

    // A replace midway: every label received is the old version's; a cut answer is a failed batch.
    await put('wine_swap', old);
    const before = await app.stores.datasets.metadata(ctx, 'wine_swap');
    const swapped = await streamWhile(app, 'wine_swap', batch, async () => {
      await put('wine_swap', replacement);
    });
    expect(swapped.status).toBe(200);
    expect(swapped.labels).toEqual(oldLabels.slice(0, swapped.labels.length));
    if (swapped.complete) expect(swapped.labels).toHaveLength(old.length);

    // The refusal such a cut answer stands for: a batch of a replaced version is a 409, not other rows.
    const after = await app.stores.datasets.metadata(ctx, 'wine_swap');
    expect(after.collection).not.toBe(before.collection);
    const stale = { collection: before.collection, rows: old.length, columns: NAMES };
    const runs = app.app.get(RunsService);
    const call = runs.call(ctx, {
      action: 'model.batch_predict_rows',
      object: 'wine',
      args: ['wine_swap', 0, batch, stale],
      kwargs: { batch },
    });
    const error = await call.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(OmegaError);
    expect((error as OmegaError).message).toContain('the table changed while it was being scored');
    expect(HTTP_STATUS_BY_CODE[(error as OmegaError).code]).toBe(409);
  }, 300_000);

  it('keeps the API memory bounded while a table streams through', async () => {
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    let midway = 0;
    const received = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${app.url}/api/v1/model/wine/predict?datax=wine_x&batch=8192`,
        { method: 'PUT', headers: { ...app.auth, Accept: 'text/csv' } },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (midway === 0 && bytes > 100_000) {
              res.pause();
              collectGarbage();
              midway = process.memoryUsage().heapUsed;
              res.resume();
            }
          });
          res.on('end', () =>
            res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${res.statusCode}`)),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(received).toBeGreaterThan(ROWS * 2);
    expect(midway).toBeGreaterThan(0);
    const grown = growthMb(before, midway);
    if (grown > MAX_RETAINED_MB)
      throw new Error(
        `the API kept ${grown} MiB midway through a ${ROWS}-row stream (bound ${MAX_RETAINED_MB} MiB)`,
      );
  }, 300_000);

  it("keeps tenants apart: another tenant cannot read this table or write this tenant's dataset", async () => {
    await other.api.put('/api/v1/model/wine/predict?datax=wine_x&result=wine_pred').expect(404);
    await other.api.put('/api/v1/model/wine/predict?datax=wine_x').set('Accept', ARROW).expect(404);
    const { body } = await other.api
      .put('/api/v1/model/wine/predict?result=wine_pred')
      .send({ columns: NAMES, data: rows.slice(0, 10) })
      .expect(200);
    expect(body.result.rows).toBe(10);
    const { body: mine } = await app.api.get('/api/v1/dataset/wine_pred/metadata').expect(200);
    expect(mine.kindMeta.rows).toBe(ROWS);
    const { body: theirs } = await other.api.get('/api/v1/dataset/wine_pred/metadata').expect(200);
    expect(theirs.kindMeta.rows).toBe(10);
  }, 120_000);
});
