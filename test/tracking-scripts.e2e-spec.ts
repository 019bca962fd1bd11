import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const SECRET_KEY = randomBytes(32).toString('base64url');

/** A training script that tracks itself: `om.runtime.experiment` inside a script run on a worker. */
const TRAIN_SCRIPT = `
export async function run(om: any, epochs: number) {
  return om.runtime.experiment('script-training').use(async (run: any) => {
    await run.logParams({ epochs, optimizer: 'sgd' });
    for (let step = 0; step < 10000; step++) await run.logMetric('loss', 1 / (step + 1), step);
    await run.logArtifact('data', { type: 'dataset', ref: 'sales' });
    return run.run;
  });
}
`;

/** A notebook job that tracks itself: the cells get the same `om` as a script, run token included. */
const TRAIN_NOTEBOOK = Buffer.from(
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'tslab', display_name: 'typescript', language: 'typescript' },
      language_info: { name: 'typescript' },
    },
    cells: [
      "const run = await om.runtime.experiment('notebook-training').start();",
      "await run.logParam('cells', 3);\nfor (let step = 0; step < 500; step++) await run.logMetric('loss', 1 / (step + 1), step);",
      'await run.end();\nrun.run',
    ].map((source) => ({ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null })),
  }),
);

describe('experiments from a script', () => {
  let app: TestApp;
  let worker: WorkerProcess;

  beforeAll(async () => {
    app = await startTestApp({ broker: true, config: { secretKey: SECRET_KEY } });
    worker = await startWorker(app.config, { env: { OMEGA_SECRET_KEY: SECRET_KEY, OMEGA_API_URL: app.url } });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it('logs params, 10,000 metric points and an artifact from a script run with its run token', async () => {
    await app.api
      .post('/api/v1/script/')
      .field('name', 'train')
      .attach('file', Buffer.from(TRAIN_SCRIPT), 'train.ts')
      .expect(201);
    const { body } = await app.api.post('/api/v1/script/train/run').send([3]).expect(200);
    expect(body.result).toBe(1);
    const { body: run } = await app.api.get('/api/v1/experiment/script-training/runs/1').expect(200);
    expect(run).toMatchObject({
      status: 'completed',
      user: app.admin.userid,
      params: { epochs: 3, optimizer: 'sgd' },
      artifacts: { data: { type: 'dataset', ref: 'sales' } },
    });
    expect(run.metrics.loss).toMatchObject({ count: 10_000, last: 1 / 10_000 });
  }, 120_000);

  it('logs a run from a notebook job, as its caller', async () => {
    await app.api
      .post('/api/v1/job/')
      .field('name', 'train-notebook')
      .attach('file', TRAIN_NOTEBOOK, 'train-notebook.ipynb')
      .expect(201);
    const { body } = await app.api.post('/api/v1/job/train-notebook/run').expect(200);
    expect(body).toMatchObject({ status: 'SUCCESS' });
    const { body: run } = await app.api.get('/api/v1/experiment/notebook-training/runs/1').expect(200);
    expect(run).toMatchObject({ status: 'completed', user: app.admin.userid, params: { cells: 3 } });
    expect(run.metrics.loss).toMatchObject({ count: 500, last: 1 / 500 });
  }, 120_000);
});
