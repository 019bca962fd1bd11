import { TenantContext } from '@omega/core';
import { deadLetterQueueName, RuntimeClient, taskQueueName } from '@omega/runtime';
import { publishRaw, queueDepth } from './support/broker';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

/** Polls a task until it finished; bounded so a lost task fails the test instead of hanging it. */
async function finished(app: TestApp, id: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { body } = await app.api.get(`/api/v1/task/${id}/result`).expect(200);
    if (body.status === 'SUCCESS' || body.status === 'FAILURE') return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`task ${id} did not finish within ${timeoutMs} ms`);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('runtime over RabbitMQ with worker processes', () => {
  let app: TestApp;
  let worker: WorkerProcess;

  beforeAll(async () => {
    app = await startTestApp({ broker: true });
    worker = await startWorker(app.config);
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it('lists the live worker with its labels', async () => {
    const { body } = await app.api.get('/api/v1/runtime/workers').expect(200);
    const found = body.workers.find((entry: { id: string }) => entry.id === worker.id);
    expect(found).toMatchObject({ labels: ['default'], mode: 'broker', concurrency: 4 });
    expect(body.labels).toEqual(['default']);
  });

  it('runs a ping on the worker and records it from PENDING to SUCCESS', async () => {
    const { body } = await app.api.get('/api/v1/runtime/ping').expect(200);
    expect(body.result).toMatchObject({
      message: 'ping return message',
      tenant: 'default',
      bucket: 'default',
    });
    const { body: status } = await app.api.get(`/api/v1/task/${body.task_id}/status`).expect(200);
    expect(status).toMatchObject({
      task_id: body.task_id,
      status: 'SUCCESS',
      worker: worker.id,
      attempts: 1,
      label: 'default',
    });
    expect(status.result).toBeUndefined();
    expect(new Date(status.finished).getTime()).toBeGreaterThanOrEqual(new Date(status.started).getTime());
    expect(typeof status.durationMs).toBe('number');
  });

  it('answers 503 for a label no live worker serves, and routes to it once one does', async () => {
    const refused = await app.api.get('/api/v1/runtime/ping?require=gpu').expect(503);
    expect(refused.body.message).toContain('gpu');
    const gpu = await startWorker(app.config, { labels: ['gpu'] });
    try {
      // Label checks are cached for a second: the API routes to the new worker once its cache renews.
      let answer = refused;
      await waitFor(
        async () => (answer = await app.api.get('/api/v1/runtime/ping?require=gpu')).status !== 503,
        'the API to route to the gpu worker',
      );
      expect(answer.status).toBe(200);
      const body = answer.body as { task_id: string };
      const { body: status } = await app.api.get(`/api/v1/task/${body.task_id}/status`).expect(200);
      expect(status.worker).toBe(gpu.id);
      expect(status.label).toBe('gpu');
    } finally {
      expect(await gpu.stop()).toBe(0);
    }
  });

  it('rejects bad task ids and unknown tasks clearly', async () => {
    await app.api.get('/api/v1/task/not-a-uuid/status').expect(400);
    const missing = await app.api.get('/api/v1/task/7a1c1c2e-1111-4111-8111-111111111111/result').expect(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    await app.api.get('/api/v1/runtime/ping?delay_ms=99999999').expect(400);
    await app.api.get('/api/v1/runtime/ping?require=$gpu').expect(400);
  });

  it('dead-letters a message that is not a task, and records a FAILURE for a malformed task', async () => {
    const queue = taskQueueName(app.config.mongoDbPrefix, 'default');
    const dead = deadLetterQueueName(app.config.mongoDbPrefix);
    const before = await queueDepth(app.config.brokerUrl as string, dead);
    await publishRaw(app.config.brokerUrl as string, queue, Buffer.from('{not json'));
    const id = '0f0e0d0c-0000-4000-8000-000000000001';
    const malformed = {
      pattern: 'omega.task',
      data: {
        id,
        tenant: 'default',
        bucket: 'default',
        action: 'runtime.ping',
        args: 'oops',
        kwargs: {},
        label: 'default',
        trace: { submitted: new Date().toISOString() },
      },
    };
    await publishRaw(app.config.brokerUrl as string, queue, Buffer.from(JSON.stringify(malformed)));
    await waitFor(
      async () => (await queueDepth(app.config.brokerUrl as string, dead)) === before + 2,
      'two dead letters',
    );
    const record = await finished(app, id);
    expect(record).toMatchObject({
      status: 'FAILURE',
      error: { code: 'INVALID_INPUT', message: 'Invalid task: task args must be an array' },
    });
  });

  it('finishes the tasks in flight when stopped gracefully', async () => {
    const draining = await startWorker(app.config, { concurrency: 4 });
    // The long-running worker steps aside so the tasks land on the one being stopped.
    await worker.stop();
    const submitted = await Promise.all(
      Array.from({ length: 4 }, () =>
        app.app
          .get(RuntimeClient)
          // Long enough that all four are still running when the last one starts, on a loaded machine too.
          .submit(TenantContext.of('default'), { action: 'runtime.ping', kwargs: { delay_ms: 10_000 } }),
      ),
    );
    await waitFor(async () => {
      const records = await Promise.all(
        submitted.map((task) => app.api.get(`/api/v1/task/${task.id}/status`)),
      );
      return records.every((answer) => answer.body.status === 'STARTED');
    }, 'all four tasks to start');
    expect(await draining.stop()).toBe(0);
    for (const task of submitted) {
      const record = await finished(app, task.id, 10_000);
      expect(record).toMatchObject({ status: 'SUCCESS', worker: draining.id, attempts: 1 });
    }
    expect(draining.output()).toContain('Finishing 4 task(s) in flight');
    worker = await startWorker(app.config);
  });
});
