import { TenantContext } from '@omega/core';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

/** `count` points of `loss` (falling) and `acc` (rising), as the columnar series form. */
function curves(count: number, offset = 0) {
  const steps = Array.from({ length: count }, (_, i) => i + offset);
  return [
    { key: 'loss', values: steps.map((step) => 1 / (1 + step)), steps },
    { key: 'acc', values: steps.map((step) => step / (step + 10)), steps },
  ];
}

describe('experiment tracking over REST', () => {
  let app: TestApp;
  let member: TestPrincipal;
  let readonly: TestPrincipal;
  let other: TestPrincipal;

  beforeAll(async () => {
    app = await startTestApp();
    member = await app.createPrincipal();
    readonly = await app.createPrincipal({ role: 'readonly' });
    other = await app.createPrincipal({ tenant: 'acme' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('creates an experiment once; a second create is a 409 unless exist_ok', async () => {
    const { body } = await app.api
      .post('/api/v1/experiment')
      .send({ name: 'churn', description: 'forests vs boosting', attributes: { team: 'risk' } })
      .expect(201);
    expect(body).toMatchObject({
      name: 'churn',
      kind: 'experiment.tracker',
      description: 'forests vs boosting',
      attributes: { team: 'risk' },
    });
    await app.api.post('/api/v1/experiment').send({ name: 'churn' }).expect(409);
    const again = await app.api
      .post('/api/v1/experiment')
      .send({ name: 'churn', exist_ok: true })
      .expect(200);
    expect(again.body.description).toBe('forests vs boosting');
    const list = await app.api.get('/api/v1/experiment').expect(200);
    expect(list.body.objects.map((e: { name: string }) => e.name)).toEqual(['churn']);
    expect(list.body.meta.total_count).toBe(1);
  });

  it('logs params, 10,000 metric points and an artifact into a run, and reads them back', async () => {
    const { body: run } = await member.api
      .post('/api/v1/experiment/churn/runs')
      .send({ tags: { branch: 'main' } })
      .expect(201);
    expect(run).toMatchObject({
      run: 1,
      status: 'running',
      user: member.userid,
      end: null,
      tags: { branch: 'main' },
    });

    const logged = await member.api
      .post('/api/v1/experiment/churn/runs/1/log')
      .send({
        params: { max_depth: 6, criterion: 'gini', bootstrap: true },
        series: curves(5000),
        artifacts: [
          { name: 'training-data', type: 'dataset', ref: 'churn/2024' },
          {
            name: 'confusion',
            type: 'json',
            value: [
              [50, 3],
              [4, 43],
            ],
          },
        ],
      })
      .expect(200);
    expect(logged.body).toEqual({ run: 1, logged: 10_005, metrics: 10_000, events: 5 });

    const detail = await app.api.get('/api/v1/experiment/churn/runs/1').expect(200);
    expect(detail.body.params).toEqual({ max_depth: 6, criterion: 'gini', bootstrap: true });
    expect(detail.body.artifacts).toEqual({
      'training-data': { type: 'dataset', ref: 'churn/2024' },
      confusion: {
        type: 'json',
        value: [
          [50, 3],
          [4, 43],
        ],
      },
    });
    expect(detail.body.metrics.loss).toEqual({
      count: 5000,
      last: 1 / 5000,
      lastStep: 4999,
      min: 1 / 5000,
      max: 1,
    });
    expect(detail.body.metrics.acc.count).toBe(5000);

    const ended = await member.api.post('/api/v1/experiment/churn/runs/1/end').send({}).expect(200);
    expect(ended.body).toMatchObject({ run: 1, status: 'completed' });
    expect(Date.parse(ended.body.end)).toBeGreaterThanOrEqual(Date.parse(run.start));
  });

  it('reads the data as a table with dataset filters, as JSON and as CSV', async () => {
    const { body: rows } = await app.api
      .get('/api/v1/experiment/churn/data')
      .query({ run: 1, event: 'metric', key: 'loss', step__lt: 3, columns: 'run,key,value,step' })
      .expect(200);
    expect(rows).toEqual([
      { run: 1, key: 'loss', value: 1, step: 0 },
      { run: 1, key: 'loss', value: 0.5, step: 1 },
      { run: 1, key: 'loss', value: 1 / 3, step: 2 },
    ]);
    const counted = await app.api
      .get('/api/v1/experiment/churn/data')
      .query({ event: 'metric', value__gte: 0.99 })
      .expect(200);
    // loss is 1 at step 0 only; acc passes 0.99 from step 990 on.
    const expected = 1 + Array.from({ length: 5000 }, (_, i) => i / (i + 10)).filter((v) => v >= 0.99).length;
    expect(counted.body).toHaveLength(expected);

    const csv = await app.api
      .get('/api/v1/experiment/churn/data')
      .query({ event: 'param', columns: 'key,value,text', sort: 'key' })
      .set('Accept', 'text/csv')
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text).toBe('key,value,text\nbootstrap,,true\ncriterion,,"""gini"""\nmax_depth,6,\n');

    const all = await app.api.get('/api/v1/experiment/churn/data').query({ format: 'csv' }).expect(200);
    // start + end + 3 params + 2 artifacts + 10,000 points, a header and a final newline.
    expect(all.text.split('\n')).toHaveLength(10_007 + 2);
    await app.api.get('/api/v1/experiment/churn/data').query({ nosuch: 1 }).expect(400);
  });

  it('compares two runs: params side by side, which differ, last metric values', async () => {
    await member.api.post('/api/v1/experiment/churn/runs').send({}).expect(201);
    await member.api
      .post('/api/v1/experiment/churn/runs/2/log')
      .send({
        params: { max_depth: 8, criterion: 'gini' },
        metrics: [
          { key: 'loss', value: 0.4, step: 0 },
          { key: 'loss', value: 0.1, step: 1 },
        ],
      })
      .expect(200);
    const { body } = await app.api.get('/api/v1/experiment/churn/compare').query({ runs: '1,2' }).expect(200);
    expect(body.runs.map((r: { run: number; status: string }) => [r.run, r.status])).toEqual([
      [1, 'completed'],
      [2, 'running'],
    ]);
    expect(body.params).toEqual([
      { key: 'bootstrap', values: [true, null], differs: true },
      { key: 'criterion', values: ['gini', 'gini'], differs: false },
      { key: 'max_depth', values: [6, 8], differs: true },
    ]);
    expect(body.metrics).toEqual([
      { key: 'acc', last: [4999 / 5009, null] },
      { key: 'loss', last: [1 / 5000, 0.1] },
    ]);
    const series = await app.api
      .get('/api/v1/experiment/churn/metrics/loss')
      .query({ runs: '2' })
      .expect(200);
    expect(series.body.runs[0].points.map((p: { step: number; value: number }) => [p.step, p.value])).toEqual(
      [
        [0, 0.4],
        [1, 0.1],
      ],
    );
    await app.api.get('/api/v1/experiment/churn/compare').query({ runs: '1' }).expect(400);
    await app.api.get('/api/v1/experiment/churn/compare').query({ runs: '1,2,3,4,5,6' }).expect(400);
    await app.api.get('/api/v1/experiment/churn/compare').query({ runs: '1,99' }).expect(404);
  });

  it('numbers runs started at the same time 1, 2, 3, … without gaps or repeats', async () => {
    await app.api.post('/api/v1/experiment').send({ name: 'parallel' }).expect(201);
    const started = await Promise.all(
      Array.from({ length: 8 }, () =>
        member.api.post('/api/v1/experiment/parallel/runs').send({}).expect(201),
      ),
    );
    expect(started.map((r) => r.body.run).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses bad input with a 400 and writes nothing', async () => {
    const before = await app.api.get('/api/v1/experiment/churn/runs/2').expect(200);
    const refused = [
      { metrics: [{ key: '<script>', value: 1 }] },
      { metrics: [{ key: 'loss', value: 'high' }] },
      { series: [{ key: 'loss', values: [1, 2], steps: [1] }] },
      { series: [{ key: 'loss', values: Array.from({ length: 100_001 }, () => 1) }] },
      { params: { 'bad name': 1 } },
      { params: { nested: { a: 1 } } },
      { tags: { 'a.b': 'x' } },
      { artifacts: [{ name: 'model', type: 'model' }] },
      { artifacts: [{ name: 'big', type: 'json', value: 'x'.repeat(70_000) }] },
      { unknown: 1 },
    ];
    for (const body of refused) {
      const answer = await member.api.post('/api/v1/experiment/churn/runs/2/log').send(body);
      expect([answer.status, JSON.stringify(body).slice(0, 60)]).toEqual([
        400,
        JSON.stringify(body).slice(0, 60),
      ]);
    }
    const after = await app.api.get('/api/v1/experiment/churn/runs/2').expect(200);
    expect(after.body).toEqual(before.body);
    await member.api.post('/api/v1/experiment').send({ name: '../etc' }).expect(400);
    await member.api.post('/api/v1/experiment/churn/runs/abc/log').send({}).expect(400);
    await member.api.post('/api/v1/experiment/churn/runs/2/end').send({ status: 'exploded' }).expect(400);
  });

  it('refuses logging into an ended run, ending it twice, and runs that do not exist', async () => {
    await member.api
      .post('/api/v1/experiment/churn/runs/1/log')
      .send({ metrics: [{ key: 'loss', value: 0 }] })
      .expect(409);
    await member.api.post('/api/v1/experiment/churn/runs/1/end').send({ status: 'failed' }).expect(409);
    await member.api.post('/api/v1/experiment/churn/runs/42/log').send({}).expect(404);
    await member.api.post('/api/v1/experiment/nosuch/runs').send({}).expect(404);
  });

  it('lets the readonly role read but not create, start, log or drop', async () => {
    await readonly.api.get('/api/v1/experiment/churn/runs').expect(200);
    await readonly.api.get('/api/v1/experiment/churn/data').query({ limit: 1 }).expect(200);
    await readonly.api.post('/api/v1/experiment').send({ name: 'ro' }).expect(403);
    await readonly.api.post('/api/v1/experiment/churn/runs').send({}).expect(403);
    await readonly.api
      .post('/api/v1/experiment/churn/runs/2/log')
      .send({ params: { a: 1 } })
      .expect(403);
    await readonly.api.delete('/api/v1/experiment/churn').expect(403);
  });

  it('keeps tenants apart: another tenant cannot list, read, log into, end or drop the experiment', async () => {
    const list = await other.api.get('/api/v1/experiment').expect(200);
    expect(list.body.objects).toEqual([]);
    await other.api.get('/api/v1/experiment/churn').expect(404);
    await other.api.get('/api/v1/experiment/churn/runs').expect(404);
    await other.api.get('/api/v1/experiment/churn/runs/1').expect(404);
    await other.api.get('/api/v1/experiment/churn/data').expect(404);
    await other.api.get('/api/v1/experiment/churn/compare').query({ runs: '1,2' }).expect(404);
    await other.api.post('/api/v1/experiment/churn/runs').send({}).expect(404);
    await other.api
      .post('/api/v1/experiment/churn/runs/2/log')
      .send({ params: { x: 1 } })
      .expect(404);
    await other.api.post('/api/v1/experiment/churn/runs/2/end').send({}).expect(404);
    await other.api.delete('/api/v1/experiment/churn').expect(404);

    // The same name in the other tenant is an experiment of its own.
    await other.api.post('/api/v1/experiment').send({ name: 'churn' }).expect(201);
    const own = await other.api.post('/api/v1/experiment/churn/runs').send({}).expect(201);
    expect(own.body.run).toBe(1);
    const mine = await app.api.get('/api/v1/experiment/churn/runs').expect(200);
    expect(mine.body.runs.map((r: { run: number }) => r.run)).toEqual([1, 2]);
    expect(mine.body.runs[1].params).toEqual({ max_depth: 8, criterion: 'gini' });
  });

  it('drops an experiment with its data', async () => {
    const ctx = TenantContext.of('default');
    const meta = await app.stores.for('experiments').metadata(ctx, 'parallel');
    await app.api.delete('/api/v1/experiment/parallel').expect(200, { deleted: 'parallel' });
    await app.api.get('/api/v1/experiment/parallel').expect(404);
    const db = app.databases.db(ctx);
    const collections = (await db.listCollections().toArray()).map((c) => c.name);
    expect(collections).not.toContain(meta.collection);
  });
});
