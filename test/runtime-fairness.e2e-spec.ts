import { TenantContext } from '@omega/core';
import { tenantLabel } from '@omega/metrics';
import { PING_ACTION, RuntimeClient, TaskMessage } from '@omega/runtime';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const MAX_RUNNING = 2;
const MAX_QUEUED = 40;
/** Tenant A's flood: far more tasks than its running share, each holding a worker slot a while. */
const FLOOD = 30;
const FLOOD_DELAY_MS = 1_000;

const iris = {
  file: readFileSync(join(__dirname, 'fixtures', 'onnx', 'iris-logreg.onnx')),
  expected: JSON.parse(
    readFileSync(join(__dirname, 'fixtures', 'onnx', 'iris-logreg.expected.json'), 'utf8'),
  ) as { columns: string[]; X: number[][]; predict: number[] },
};

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** How many of `tasks` finished, read from their records (or the answers this process keeps). */
async function finishedCount(
  client: RuntimeClient,
  ctx: TenantContext,
  tasks: TaskMessage[],
): Promise<number> {
  const records = await Promise.all(tasks.map((task) => client.status(ctx, task.id)));
  return records.filter((record) => record.status === 'SUCCESS' || record.status === 'FAILURE').length;
}

/** Tenant A floods the workers with slow tasks; tenant B's calls must not wait behind all of them. */
describe.each([
  ['worker processes over RabbitMQ', true],
  ['the embedded runner', false],
])('tenant fairness with %s', (_name, broker) => {
  let app: TestApp;
  let worker: WorkerProcess | undefined;
  let client: RuntimeClient;
  let a: TestPrincipal;
  let b: TestPrincipal;
  const ctxA = TenantContext.of('flooder');

  beforeAll(async () => {
    app = await startTestApp({
      broker,
      // The embedded runner takes as many tasks at once as a worker would.
      config: { tenantMaxRunning: MAX_RUNNING, tenantMaxQueued: MAX_QUEUED, workerConcurrency: 2 },
    });
    if (broker) worker = await startWorker(app.config, { concurrency: 2 });
    client = app.app.get(RuntimeClient);
    a = await app.createPrincipal({ tenant: 'flooder' });
    b = await app.createPrincipal({ tenant: 'neighbour' });
    await b.api
      .post('/api/v1/model/')
      .field('name', 'iris')
      .attach('file', iris.file, 'iris.onnx')
      .expect(201);
    // Once, so the model is loaded before the measured call.
    await b.api
      .put('/api/v1/model/iris/predict')
      .send({ columns: iris.expected.columns, data: iris.expected.X })
      .expect(200);
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it("answers another tenant's sync predict after at most its running share of the flood", async () => {
    // All at once, so the flood is ahead of B's call whatever the machine's speed.
    const flood = await Promise.all(
      Array.from({ length: FLOOD }, () =>
        client.submit(ctxA, { action: PING_ACTION, kwargs: { delay_ms: FLOOD_DELAY_MS } }),
      ),
    );
    const asked = new Date();
    const { body } = await b.api
      .put('/api/v1/model/iris/predict')
      .send({ columns: iris.expected.columns, data: iris.expected.X })
      .expect(200);
    const answered = new Date();
    expect(body.result).toEqual(iris.expected.predict);

    // The flood itself runs to the end, each task once.
    await waitFor(async () => (await finishedCount(client, ctxA, flood)) === FLOOD, 'the flood to finish');
    const records = await Promise.all(flood.map((task) => client.status(ctxA, task.id)));
    expect(records.every((record) => record.status === 'SUCCESS' && record.attempts === 1)).toBe(true);
    // The workers' clocks are this machine's. Most of the flood had not started when B asked: it was
    // ahead of B's call.
    const startedAfterAsked = records.filter((record) => record.started && record.started >= asked);
    expect(startedAfterAsked.length).toBeGreaterThan(FLOOD / 2);
    // In one shared line B's task sits behind all of it, and each of those starts while B waits. With fair
    // shares B waits behind at most A's MAX_RUNNING tasks with the workers when it arrived, plus those
    // taking the slots they free; the bound allows one more round of them.
    const overtaking = startedAfterAsked.filter((record) => record.started && record.started <= answered);
    expect(overtaking.length).toBeLessThanOrEqual(2 * MAX_RUNNING);
  });

  it("answers 429 with Retry-After over the tenant's queue limit, and takes nothing from the call", async () => {
    const flood: TaskMessage[] = [];
    // The running share holds its slots while the rest fills the line behind it.
    for (let n = 0; n < MAX_RUNNING + MAX_QUEUED; n++) {
      const delay = n < MAX_RUNNING ? 5_000 : 0;
      flood.push(await client.submit(ctxA, { action: PING_ACTION, kwargs: { delay_ms: delay } }));
    }
    const refused = await a.api.get('/api/v1/runtime/ping').expect(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.body.message).toContain('OMEGA_TENANT_MAX_QUEUED');
    // Another tenant is not refused for A's line.
    await b.api.get('/api/v1/runtime/ping').expect(200);
    await waitFor(
      async () => (await finishedCount(client, ctxA, flood)) === flood.length,
      'the line to empty',
    );
    // Once A's line has room again, A's calls are taken.
    await a.api.get('/api/v1/runtime/ping').expect(200);
  });

  it('shows the runtime in the Prometheus metrics after tasks ran', async () => {
    const { text } = await app.api.get('/metrics').expect(200);
    const value = (series: string): number => {
      const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
      if (!line) throw new Error(`no series ${series} in /metrics`);
      return Number(line.slice(series.length + 1));
    };
    const ping = 'action="runtime.ping",label="default"';
    const predict = 'action="model.predict",label="default"';
    const pings = FLOOD + MAX_RUNNING + MAX_QUEUED + 2;
    expect(value(`omega_runtime_tasks_submitted_total{${ping}}`)).toBe(pings);
    expect(value(`omega_runtime_tasks_finished_total{${ping}}`)).toBe(pings);
    expect(value(`omega_runtime_tasks_submitted_total{${predict}}`)).toBe(2);
    expect(value(`omega_runtime_task_duration_seconds_count{${ping}}`)).toBe(pings);
    // The flood's pings each held a worker for FLOOD_DELAY_MS: the histogram saw them.
    expect(value(`omega_runtime_task_duration_seconds_sum{${ping}}`)).toBeGreaterThanOrEqual(
      (FLOOD * FLOOD_DELAY_MS) / 1000,
    );
    expect(value('omega_runtime_queue_consumers{label="default"}')).toBe(1);
    expect(value('omega_runtime_queue_messages{label="default"}')).toBe(0);
    if (worker) {
      const age = value(`omega_runtime_worker_heartbeat_age_seconds{worker="${worker.id}"}`);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(60);
    }
    // Tenants are never named on the public endpoint.
    expect(text).not.toContain('flooder');
    expect(text).not.toContain('neighbour');
    expect(text).not.toContain('omega_runtime_tasks_failed_total{');
  });

  it("counts a tenant's tasks with the workers under its hashed label while they run", async () => {
    const slow = await client.submit(ctxA, { action: PING_ACTION, kwargs: { delay_ms: 3_000 } });
    const { text } = await app.api.get('/metrics').expect(200);
    expect(text).toContain(`omega_runtime_tenant_running_tasks{tenant="${tenantLabel('flooder')}"} 1`);
    expect((await client.wait(ctxA, slow.id, 20_000)).status).toBe('SUCCESS');
  });
});
