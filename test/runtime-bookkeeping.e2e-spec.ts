import { TenantContext } from '@omega/core';
import { RECORD_BATCH_WINDOW_MS, RuntimeClient } from '@omega/runtime';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storedTasks } from './support/stored-tasks';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const PING = 'runtime.ping';

interface TaskDocument {
  _id: string;
  status: string;
  attempts: number;
  worker?: string;
  resultJson?: string;
  argsSummary?: { kwargs?: Record<string, unknown> };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An API (over RabbitMQ with one worker process, or embedded) for a describe block; stopped after it. */
function runtimeApp(broker: boolean): { app: TestApp; worker?: WorkerProcess } {
  const started: { app: TestApp; worker?: WorkerProcess } = {} as { app: TestApp; worker?: WorkerProcess };
  beforeAll(async () => {
    started.app = await startTestApp({ broker });
    if (broker) started.worker = await startWorker(started.app.config);
  });
  afterAll(async () => {
    await started.worker?.stop();
    await started.app?.close();
  });
  return started;
}

/**
 * Synchronous calls record nothing before their answer and are written in batches afterwards; async calls
 * are recorded from submission. Run against both runtimes: worker processes over RabbitMQ, and the
 * embedded in-process runner.
 */
describe.each([
  ['worker processes over RabbitMQ', true],
  ['the embedded runner', false],
])('task bookkeeping with %s', (_name, broker) => {
  const started = runtimeApp(broker);
  let app: TestApp;
  let worker: WorkerProcess | undefined;
  let client: RuntimeClient;
  const ctx = TenantContext.of('default');
  const records = storedTasks<TaskDocument>(() => app.databases.db(ctx));
  const tasks = () => records;

  beforeAll(() => {
    ({ app, worker } = started);
    client = app.app.get(RuntimeClient);
  });

  it('writes no record while a synchronous call runs, and every record once the batch window closed', async () => {
    const marker = randomUUID();
    const call = client.call(ctx, { action: PING, kwargs: { delay_ms: 3000, marker } });
    // While the call runs, nothing about it is in the database: no PENDING, no claim. The task sleeps 3 s
    // after it starts, so it cannot have answered within 2 s of being submitted, however slow the
    // machine: every look in that window is a look while it runs.
    const running = Date.now();
    let looked = 0;
    while (Date.now() - running < 2000) {
      expect(await tasks().countDocuments({ 'argsSummary.kwargs.marker': marker })).toBe(0);
      looked++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(looked).toBeGreaterThanOrEqual(1);
    const { task, result } = await call;
    expect(result).toMatchObject({ message: 'ping return message', kwargs: { marker } });

    // The caller asking right away finds its task (from the answer this API process holds)…
    const { body: now } = await app.api.get(`/api/v1/task/${task.id}/status`).expect(200);
    expect(now).toMatchObject({ task_id: task.id, status: 'SUCCESS', attempts: 1 });

    // …and once the window closed the record is in the database, as a worker wrote it.
    await waitFor(
      async () => (await tasks().countDocuments({ _id: task.id })) === 1,
      'the batch to record the call',
      RECORD_BATCH_WINDOW_MS + 5_000,
    );
    const stored = (await tasks().findOne({ _id: task.id })) as TaskDocument;
    expect(stored).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expect(stored.worker).toBe(worker ? worker.id : now.worker);
    expect(JSON.parse(stored.resultJson as string)).toMatchObject({ kwargs: { marker } });
    const { body: later } = await app.api.get(`/api/v1/task/${task.id}/result`).expect(200);
    expect(later).toMatchObject({ task_id: task.id, status: 'SUCCESS' });
    expect(later.result).toMatchObject({ kwargs: { marker } });
  });

  it('records a burst of synchronous calls, failures included, one record each', async () => {
    const marker = randomUUID();
    const calls = Array.from({ length: 40 }, (_, n) =>
      client.call(ctx, { action: PING, kwargs: { marker, n } }).then(({ task }) => task.id),
    );
    // A call the handler refuses is answered with its error and recorded as a FAILURE the same way.
    const failing = client.call(ctx, { action: 'runtime.no_such_action', kwargs: { marker } }).then(
      () => 'answered' as const,
      (error: Error) => error.message,
    );
    const ids = await Promise.all(calls);
    expect(await failing).toContain('No worker handler for action runtime.no_such_action');

    await waitFor(
      async () => (await tasks().countDocuments({ 'argsSummary.kwargs.marker': marker })) === 41,
      '41 records',
    );
    const documents = await tasks().find({ 'argsSummary.kwargs.marker': marker });
    expect(
      documents
        .filter((doc) => doc.status === 'SUCCESS')
        .map((doc) => doc._id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(documents.filter((doc) => doc.status === 'FAILURE')).toHaveLength(1);
    expect(new Set(documents.map((doc) => doc._id)).size).toBe(41);
  });

  it('records an asynchronous task from its submission, then once at its end', async () => {
    const task = await client.submit(ctx, { action: PING, kwargs: { delay_ms: 500 } });
    expect(await tasks().findOne({ _id: task.id })).toMatchObject({
      status: expect.stringMatching(/PENDING|STARTED/),
    });
    const record = await client.wait(ctx, task.id, 10_000);
    expect(record).toMatchObject({ status: 'SUCCESS', attempts: 1 });
  });
});

interface OnnxFixture {
  file: Buffer;
  expected: { columns: string[]; X: number[][]; predict: number[] };
}

function onnxFixture(name: string): OnnxFixture {
  const folder = join(__dirname, 'fixtures', 'onnx');
  return {
    file: readFileSync(join(folder, `${name}.onnx`)),
    expected: JSON.parse(
      readFileSync(join(folder, `${name}.expected.json`), 'utf8'),
    ) as OnnxFixture['expected'],
  };
}

/**
 * Model metadata is cached on the API (by name, to pick the worker label) and on the worker (to pick the
 * version, with the loaded model): a new version put through the API reaches both at once.
 */
describe('model caches across an API and a worker', () => {
  const started = runtimeApp(true);
  const iris = onnxFixture('iris-logreg');
  const wine = onnxFixture('scaler-classifier');

  const put = (fixture: OnnxFixture, attributes?: Record<string, unknown>) => {
    let call = started.app.api.post('/api/v1/model/').field('name', 'cached');
    if (attributes) call = call.field('attributes', JSON.stringify(attributes));
    return call.attach('file', fixture.file, 'cached.onnx').expect(201);
  };
  const predict = (fixture: OnnxFixture) =>
    started.app.api
      .put('/api/v1/model/cached/predict')
      .send({ columns: fixture.expected.columns, data: fixture.expected.X });

  it('answers from the new version once it is put, on the worker and on the API', async () => {
    await put(iris);
    // Twice, so both processes surely hold version 1 (metadata and the loaded session).
    for (let n = 0; n < 2; n++) {
      const { body } = await predict(iris).expect(200);
      expect(body.result).toEqual(iris.expected.predict);
    }

    // Version 2 is another model (13 features): a worker still holding version 1 would refuse these rows.
    const second = await put(wine);
    expect(second.body.kindMeta.latest).toBe(2);
    const { body } = await predict(wine).expect(200);
    expect(body.result).toEqual(wine.expected.predict);
    await predict(iris).expect(400);

    // Version 3 asks for a worker label nobody serves: the API's cached entry (label default) must be gone.
    await put(iris, { require: 'nobody-serves-this' });
    const refused = await predict(iris).expect(503);
    expect(JSON.stringify(refused.body)).toContain('nobody-serves-this');
  });
});
