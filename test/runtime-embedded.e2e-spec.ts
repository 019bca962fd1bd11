import { TenantContext } from '@omega/core';
import { RuntimeClient } from '@omega/runtime';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';

const IRIS = join(__dirname, 'fixtures', 'onnx', 'iris-logreg.onnx');
const expected = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'onnx', 'iris-logreg.expected.json'), 'utf8'),
) as {
  X: number[][];
  predict: number[];
};

/** No OMEGA_BROKER_URL: the embedded default runs tasks inside the API process, with the same records. */
describe('embedded runtime (no broker)', () => {
  let app: TestApp;
  let runtime: RuntimeClient;

  beforeAll(async () => {
    app = await startTestApp();
    runtime = app.app.get(RuntimeClient);
    await app.api
      .post('/api/v1/model/')
      .field('name', 'iris')
      .attach('file', readFileSync(IRIS), 'iris.onnx')
      .expect(201);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists the in-process runner as the live worker', async () => {
    const { body } = await app.api.get('/api/v1/runtime/workers').expect(200);
    expect(body.workers).toHaveLength(1);
    expect(body.workers[0]).toMatchObject({ mode: 'in-process', labels: ['default'], pid: process.pid });
  });

  it('predicts synchronously and asynchronously, recording each task', async () => {
    const { body } = await app.api.put('/api/v1/model/iris/predict').send({ data: expected.X }).expect(200);
    expect(body.result).toEqual(expected.predict);
    const accepted = await app.api
      .put('/api/v1/model/iris/predict?async=true')
      .send({ data: expected.X })
      .expect(202);
    const record = await runtime.wait(TenantContext.of('default'), accepted.body.task_id, 10_000);
    expect(record).toMatchObject({ status: 'SUCCESS', result: expected.predict, attempts: 1 });
  });

  it('refuses a label it does not serve, synchronous or not, and records nothing', async () => {
    await app.api.get('/api/v1/runtime/ping?require=gpu').expect(503);
    const refused = await app.api
      .put('/api/v1/model/iris/predict?async=true&require=gpu')
      .send({ data: expected.X })
      .expect(503);
    expect(refused.body.message).toContain('gpu');
    const records = app.databases.db(TenantContext.of('default')).collection('omega_tasks');
    expect(await records.countDocuments({ label: 'gpu' })).toBe(0);
  });

  it("keeps a task inside its tenant: another tenant neither sees it nor reaches the first tenant's model", async () => {
    const mine = TenantContext.of('default');
    const theirs = TenantContext.of('othertenant');
    const task = await runtime.submit(mine, {
      action: 'model.predict',
      object: 'iris',
      args: [{ data: expected.X }],
    });
    await runtime.wait(mine, task.id, 10_000);
    await expect(runtime.status(theirs, task.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The same model name, asked for by the other tenant, is not found: the worker acts inside the task's tenant.
    await expect(
      runtime.call(theirs, { action: 'model.predict', object: 'iris', args: [{ data: expected.X }] }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
