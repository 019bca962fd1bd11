import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from './support/poll';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const FIXTURES = join(__dirname, 'fixtures', 'onnx');

interface Expected {
  columns: string[];
  X: number[][];
  y: number[];
  predict: number[];
  predict_proba?: number[][];
  score: number;
}

function fixture(name: string): { file: Buffer; expected: Expected } {
  return {
    file: readFileSync(join(FIXTURES, `${name}.onnx`)),
    expected: JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected,
  };
}

function upload(
  app: TestApp,
  name: string,
  file: Buffer,
  fields: Record<string, string> = {},
  bucket = 'default',
) {
  let call = app.api.post('/api/v1/model/').set('Bucket', bucket).field('name', name);
  for (const [key, value] of Object.entries(fields)) call = call.field(key, value);
  return call.attach('file', file, `${name}.onnx`);
}

function expectClose(actual: number[] | number[][], expected: number[] | number[][], tolerance = 1e-5): void {
  const a = (actual as unknown[]).flat() as number[];
  const e = (expected as unknown[]).flat() as number[];
  expect(a).toHaveLength(e.length);
  a.forEach((value, i) =>
    expect(Math.abs(value - e[i])).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e[i]))),
  );
}

describe('ONNX models through the API and a worker', () => {
  let app: TestApp;
  let worker: WorkerProcess;
  const iris = fixture('iris-logreg');

  beforeAll(async () => {
    app = await startTestApp({ broker: true });
    worker = await startWorker(app.config);
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it('stores an uploaded ONNX file with the signature read from its graph', async () => {
    const { body } = await upload(app, 'iris', iris.file).expect(201);
    expect(body).toMatchObject({ name: 'iris', kind: 'onnx.model', prefix: 'models' });
    expect(body.kindMeta.latest).toBe(1);
    expect(body.kindMeta.description).toMatchObject({
      inputs: [{ name: 'input', type: 'float32', shape: [null, 4] }],
      featureCount: 4,
    });
    expect(body.kindMeta.description.actions).toEqual(
      expect.arrayContaining(['predict', 'predict_proba', 'score']),
    );
    const list = await app.api.get('/api/v1/model/').expect(200);
    expect(list.body.objects.map((entry: { name: string }) => entry.name)).toEqual(['iris']);
  });

  it("predicts what scikit-learn predicted, from omega-ml's {columns, data} body", async () => {
    const { body } = await app.api
      .put('/api/v1/model/iris/predict')
      .send({ columns: iris.expected.columns, data: iris.expected.X })
      .expect(200);
    expect(body).toEqual({ model: 'iris', result: iris.expected.predict, resource_uri: 'iris' });
    const proba = await app.api
      .put('/api/v1/model/iris/predict_proba')
      .send({ data: iris.expected.X })
      .expect(200);
    expectClose(proba.body.result, iris.expected.predict_proba as number[][]);
  });

  it('takes records, a flat list with shape, and a stored dataset as input', async () => {
    const records = iris.expected.X.map((row) =>
      Object.fromEntries(iris.expected.columns.map((c, i) => [c, row[i]])),
    );
    const byRecords = await app.api.post('/api/v1/model/iris/predict').send({ data: records }).expect(200);
    expect(byRecords.body.result).toEqual(iris.expected.predict);
    const flat = await app.api
      .put('/api/v1/model/iris/predict')
      .send({ data: iris.expected.X.flat(), shape: [iris.expected.X.length, 4] })
      .expect(200);
    expect(flat.body.result).toEqual(iris.expected.predict);

    await app.api.put('/api/v1/dataset/iris_X').send({ data: records }).expect(200);
    await app.api
      .put('/api/v1/dataset/iris_y')
      .send({ data: iris.expected.y.map((target) => ({ target })) })
      .expect(200);
    const byName = await app.api.put('/api/v1/model/iris/predict?datax=iris_X').expect(200);
    expect(byName.body.result).toEqual(iris.expected.predict);
    const score = await app.api.put('/api/v1/model/iris/score?datax=iris_X&datay=iris_y').expect(200);
    expect(score.body.result).toBeCloseTo(iris.expected.score, 10);
  });

  it('answers a clear 400 for a wrong shape or type, and 404 for an unknown model', async () => {
    const narrow = await app.api
      .put('/api/v1/model/iris/predict')
      .send({ data: [[1, 2, 3]] })
      .expect(400);
    expect(narrow.body.message).toContain('expects 4 features');
    const text = await app.api
      .put('/api/v1/model/iris/predict')
      .send({ data: [[1, 2, 'x', 4]] })
      .expect(400);
    expect(text.body.code).toBe('INVALID_INPUT');
    await app.api.put('/api/v1/model/iris/predict').send({ data: [] }).expect(400);
    await app.api
      .put('/api/v1/model/iris/dance')
      .send({ data: [[1, 2, 3, 4]] })
      .expect(400);
    await app.api.put('/api/v1/model/iris/score?datax=iris_X').expect(400);
    await app.api.put('/api/v1/model/iris/predict?datax=nosuch').expect(404);
    await app.api
      .put('/api/v1/model/nosuch/predict')
      .send({ data: [[1, 2, 3, 4]] })
      .expect(404);
    await app.api
      .put('/api/v1/model/iris/predict?%24where=1')
      .send({ data: [[1, 2, 3, 4]] })
      .expect(400);
    const garbage = await upload(app, 'broken', Buffer.from('not an onnx model')).expect(400);
    expect(garbage.body.message).toContain('not a valid ONNX model');
    await app.api.get('/api/v1/model/broken').expect(404);
  });

  it('matches scikit-learn for a random-forest regressor and a scaler + classifier pipeline', async () => {
    for (const name of ['rf-regressor', 'scaler-classifier']) {
      const { file, expected } = fixture(name);
      await upload(app, name, file).expect(201);
      const { body } = await app.api
        .put(`/api/v1/model/${name}/predict`)
        .send({ data: expected.X })
        .expect(200);
      expectClose(body.result, expected.predict);
    }
  });

  it('runs asynchronously: 202 with a Location to poll for the result', async () => {
    const accepted = await app.api
      .put('/api/v1/model/iris/predict?async=true')
      .send({ data: iris.expected.X })
      .expect(202);
    expect(accepted.headers.location).toBe(`/api/v1/task/${accepted.body.task_id}/result`);
    const answer: { status: string; result?: unknown } = await pollUntil(
      async () => (await app.api.get(accepted.headers.location).expect(200)).body,
      ({ status }) => status === 'SUCCESS' || status === 'FAILURE',
    );
    expect(answer).toMatchObject({
      status: 'SUCCESS',
      result: iris.expected.predict,
      action: 'model.predict',
      object: 'iris',
    });
  });

  it('keeps every put as a version, addressable by number, tag and ^', async () => {
    const pca = fixture('iris-pca');
    await upload(app, 'versioned', iris.file, { tags: 'stable' }).expect(201);
    const second = await upload(app, 'versioned', pca.file).expect(201);
    expect(second.body.kindMeta.latest).toBe(2);
    const { body } = await app.api.get('/api/v1/model/versioned/versions').expect(200);
    expect(body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(body.tags).toEqual({ latest: 2, stable: 1 });
    expect(body.versions[1].lineage).toEqual({ source: 'upload' });

    // latest is the PCA (transform only); ^, @1 and @stable reach the classifier.
    await app.api.put('/api/v1/model/versioned/predict_proba').send({ data: iris.expected.X }).expect(400);
    for (const ref of ['versioned^', 'versioned@1', 'versioned@v1', 'versioned@stable']) {
      const answer = await app.api
        .put(`/api/v1/model/${encodeURIComponent(ref)}/predict`)
        .send({ data: iris.expected.X })
        .expect(200);
      expect(answer.body.result).toEqual(iris.expected.predict);
    }
    await app.api
      .put(`/api/v1/model/${encodeURIComponent('versioned@9')}/predict`)
      .send({ data: iris.expected.X })
      .expect(404);
    await app.api
      .put(`/api/v1/model/${encodeURIComponent('versioned^^^')}/predict`)
      .send({ data: iris.expected.X })
      .expect(404);
  });

  it('promotes a model with its versions and lineage to another bucket', async () => {
    const { body } = await app.api.post('/api/v1/model/versioned/promote').send({ to: 'prod' }).expect(200);
    expect(body).toMatchObject({
      name: 'versioned',
      bucket: 'prod',
      attributes: { promotedFrom: 'default/versioned' },
    });
    const versions = await app.api.get('/api/v1/model/versioned/versions').set('Bucket', 'prod').expect(200);
    expect(versions.body.tags).toEqual({ latest: 2, stable: 1 });
    expect(versions.body.versions.map((v: { lineage: unknown }) => v.lineage)).toEqual([
      { source: 'promote', from: 'default/versioned@2' },
      { source: 'promote', from: 'default/versioned@1' },
    ]);
    const answer = await app.api
      .put(`/api/v1/model/${encodeURIComponent('versioned@stable')}/predict`)
      .set('Bucket', 'prod')
      .send({ data: iris.expected.X })
      .expect(200);
    expect(answer.body.result).toEqual(iris.expected.predict);
    // The source bucket is untouched; another bucket without the model does not see it.
    await app.api.get('/api/v1/model/versioned').expect(200);
    await app.api.get('/api/v1/model/versioned').set('Bucket', 'other').expect(404);
    await app.api.post('/api/v1/model/versioned/promote').send({ to: 'default' }).expect(400);
    await app.api.post('/api/v1/model/versioned/promote').send({ to: '../x' }).expect(400);
  });

  it("routes by the model's attributes.require: 503 while no worker serves that label", async () => {
    await upload(app, 'on-gpu', iris.file, { attributes: JSON.stringify({ require: 'gpu' }) }).expect(201);
    const refused = await app.api
      .put('/api/v1/model/on-gpu/predict')
      .send({ data: iris.expected.X })
      .expect(503);
    expect(refused.body.message).toContain('gpu');
    // The call's own require wins over the model's.
    const answer = await app.api
      .put('/api/v1/model/on-gpu/predict?require=default')
      .send({ data: iris.expected.X })
      .expect(200);
    expect(answer.body.result).toEqual(iris.expected.predict);
  });

  it('drops a model with all its versions', async () => {
    await app.api.delete('/api/v1/model/versioned').expect(200);
    await app.api.get('/api/v1/model/versioned').expect(404);
    await app.api.get('/api/v1/model/versioned/versions').expect(404);
    await app.api.delete('/api/v1/model/versioned').expect(404);
  });
});
