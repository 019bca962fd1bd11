import { Omega } from '@omega/client';
import { startTestApp, TestApp } from './support/test-app';

/** omega-ml's experiment API from the TypeScript SDK: `om.runtime.experiment(name)`. */
describe('experiments from the SDK', () => {
  let app: TestApp;
  let om: Omega;

  beforeAll(async () => {
    app = await startTestApp();
    om = await Omega.connect({ url: app.url, userid: app.admin.userid, apikey: app.admin.apikey });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('logs params, 10,000 metric points in batches and an artifact in a run that ends by itself', async () => {
    const exp = om.runtime.experiment('sdk-training');
    const finished = await exp.use(async (run) => {
      await run.logParams({ lr: 0.01, optimizer: 'adam' });
      for (let step = 0; step < 10_000; step++) await run.logMetric('loss', 1 / (step + 1), step);
      await run.logArtifact('train-set', { type: 'dataset', ref: 'sales/2024' });
      return run.run;
    });
    expect(finished).toBe(1);
    const [run] = await exp.runs();
    expect(run).toMatchObject({ run: 1, status: 'completed', params: { lr: 0.01, optimizer: 'adam' } });
    expect(run.metrics.loss).toMatchObject({ count: 10_000, lastStep: 9999, min: 1 / 10_000, max: 1 });
    expect(run.artifacts['train-set']).toEqual({ type: 'dataset', ref: 'sales/2024' });
    const points = await exp.data({ event: 'metric', step__gte: 9998 });
    expect(points.map((p) => p.step)).toEqual([9998, 9999]);
  });

  it('ends the run as failed when the code in it throws, keeping what it logged', async () => {
    const exp = om.runtime.experiment('sdk-training');
    await expect(
      exp.use(async (run) => {
        await run.logMetric('loss', 0.5);
        throw new Error('diverged');
      }),
    ).rejects.toThrow('diverged');
    const runs = await exp.runs();
    expect(runs[1]).toMatchObject({ run: 2, status: 'failed', metrics: { loss: { count: 1, last: 0.5 } } });
    const compared = await exp.compare([1, 2]);
    expect(compared.metrics).toEqual([{ key: 'loss', last: [1 / 10_000, 0.5] }]);
  });

  it('answers API errors as errors: logging into an ended run is a conflict', async () => {
    const run = await om.runtime.experiment('sdk-training').start();
    await run.end();
    await expect(run.logParam('late', 1)).rejects.toMatchObject({ statusCode: 409 });
  });
});
