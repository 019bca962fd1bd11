import { TenantContext } from '@omega/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

const ONNX = readFileSync(join(__dirname, 'fixtures', 'onnx', 'iris-logreg.onnx'));
const IRIS = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'onnx', 'iris-logreg.expected.json'), 'utf8'),
) as { X: number[][]; predict: number[] };
const TASK_OF_NOBODY = '00000000-0000-4000-8000-000000000000';

/** What tenant A holds, read through A's own credentials: compared before and after B's attempts. */
async function snapshot(a: TestPrincipal, taskId: string) {
  return {
    sales: (await a.api.get('/api/v1/dataset/sales?orient=records').expect(200)).body,
    salesMeta: (await a.api.get('/api/v1/dataset/sales/metadata').expect(200)).body,
    docs: (await a.api.get('/api/v1/dataset/docs').expect(200)).body,
    file: (await a.api.get('/api/v1/file/notes.txt').buffer(true).expect(200)).text,
    fileMeta: (await a.api.get('/api/v1/file/notes.txt/metadata').expect(200)).body,
    onnx: (await a.api.get('/api/v1/model/iris/versions').expect(200)).body,
    mljs: (await a.api.get('/api/v1/model/forest/versions').expect(200)).body,
    task: (await a.api.get(`/api/v1/task/${taskId}/result`).expect(200)).body,
    datasets: (await a.api.get('/api/v1/dataset/').expect(200)).body.objects.map(
      (o: { name: string }) => o.name,
    ),
  };
}

describe('tenant isolation', () => {
  let t: TestApp;
  let a: TestPrincipal;
  let b: TestPrincipal;
  let reader: TestPrincipal;
  let taskId: string;

  beforeAll(async () => {
    t = await startTestApp();
    a = await t.createPrincipal({ tenant: 'tenant_a' });
    b = await t.createPrincipal({ tenant: 'tenant_b' });
    reader = await t.createPrincipal({ tenant: 'tenant_a', role: 'readonly' });

    await a.api
      .put('/api/v1/dataset/sales')
      .send({ data: [{ region: 'EU', units: 12 }] })
      .expect(200);
    await a.api
      .put('/api/v1/dataset/docs')
      .send({ data: [{ doc: { nested: [1, 2] } }], kind: 'json.docs' })
      .expect(200);
    await a.api
      .put('/api/v1/file/notes.txt')
      .set('Content-Type', 'text/plain')
      .send('only for A')
      .expect(200);
    await a.api.post('/api/v1/model/').field('name', 'iris').attach('file', ONNX, 'iris.onnx').expect(201);
    await a.api
      .post('/api/v1/model/')
      .send({ name: 'forest', algorithm: 'random-forest-classifier' })
      .expect(201);
    const predicted = await a.api.put('/api/v1/model/iris/predict').send({ data: IRIS.X }).expect(200);
    expect(predicted.body.result).toEqual(IRIS.predict);
    taskId = (await a.api.get('/api/v1/runtime/ping').expect(200)).body.task_id;
    await b.api
      .put('/api/v1/dataset/b_only')
      .send({ data: [{ x: 1 }] })
      .expect(200);
  });

  afterAll(async () => {
    await t?.close();
  });

  it("answers 404 to every call of tenant B on tenant A's objects, and changes nothing", async () => {
    const before = await snapshot(a, taskId);
    const attempts: [string, string, unknown?][] = [
      ['GET', '/api/v1/dataset/sales'],
      ['GET', '/api/v1/dataset/sales/metadata'],
      ['POST', '/api/v1/dataset/sales/query', { filter: {} }],
      ['DELETE', '/api/v1/dataset/sales'],
      ['GET', '/api/v1/dataset/docs'],
      ['GET', '/api/v1/dataset/docs/metadata'],
      ['DELETE', '/api/v1/dataset/docs'],
      ['GET', '/api/v1/file/notes.txt'],
      ['HEAD', '/api/v1/file/notes.txt'],
      ['GET', '/api/v1/file/notes.txt/metadata'],
      ['DELETE', '/api/v1/file/notes.txt'],
      ['GET', '/api/v1/model/iris'],
      ['GET', '/api/v1/model/iris/versions'],
      ['PUT', '/api/v1/model/iris/predict', { data: IRIS.X }],
      ['POST', '/api/v1/model/iris/promote', { to: 'other' }],
      ['DELETE', '/api/v1/model/iris'],
      ['GET', '/api/v1/model/forest'],
      ['PUT', '/api/v1/model/forest/fit?datax=sales&datay=sales'],
      ['DELETE', '/api/v1/model/forest'],
      ['GET', `/api/v1/task/${taskId}/status`],
      ['GET', `/api/v1/task/${taskId}/result`],
    ];
    for (const [method, path, body] of attempts) {
      const call = b.api[method.toLowerCase() as 'get'](path);
      const answer = body === undefined ? await call : await call.send(body as object);
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 404 });
      if (method !== 'HEAD') expect(answer.body.code).toBe('NOT_FOUND');
    }
    // Writing under the same name makes B's own object, in B's database.
    await b.api
      .put('/api/v1/dataset/sales')
      .send({ data: [{ region: 'B', units: 1 }] })
      .expect(200);
    await b.api
      .put('/api/v1/file/notes.txt')
      .set('Content-Type', 'text/plain')
      .send('B wrote this')
      .expect(200);
    expect((await b.api.get('/api/v1/dataset/sales?orient=records').expect(200)).body).toEqual([
      { region: 'B', units: 1 },
    ]);
    expect(await snapshot(a, taskId)).toEqual(before);
    // The other tenant's task id is as unknown as one nobody made.
    await b.api.get(`/api/v1/task/${TASK_OF_NOBODY}/status`).expect(404);
  });

  it("never lists the other tenant's names", async () => {
    const names = async (who: TestPrincipal, kind: string) =>
      ((await who.api.get(`/api/v1/${kind}/`).expect(200)).body.objects as { name: string }[]).map(
        (o) => o.name,
      );
    expect(await names(a, 'dataset')).not.toContain('b_only');
    for (const kind of ['model']) expect(await names(b, kind)).toEqual([]);
    expect(await names(b, 'dataset')).not.toContain('docs');
    expect(await names(b, 'dataset')).toContain('b_only');
    expect(await names(b, 'file')).toEqual(['notes.txt']);
    const bText = (await b.api.get('/api/v1/file/notes.txt').buffer(true).expect(200)).text;
    expect(bText).toBe('B wrote this');
  });

  it('lets the readonly role read, but not write or run (403)', async () => {
    await reader.api.get('/api/v1/dataset/sales').expect(200);
    await reader.api.get('/api/v1/model/iris').expect(200);
    await reader.api.post('/api/v1/dataset/sales/query').send({ filter: {} }).expect(200);
    const refusals: [string, string, unknown?][] = [
      ['PUT', '/api/v1/dataset/sales', { data: [{ region: 'X', units: 0 }] }],
      ['DELETE', '/api/v1/dataset/sales'],
      ['DELETE', '/api/v1/file/notes.txt'],
      ['PUT', '/api/v1/model/iris/predict', { data: IRIS.X }],
      ['POST', '/api/v1/model/', { name: 'x', algorithm: 'knn' }],
      ['DELETE', '/api/v1/model/iris'],
    ];
    for (const [method, path, body] of refusals) {
      const call = reader.api[method.toLowerCase() as 'get'](path);
      const answer = body === undefined ? await call : await call.send(body as object);
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
      expect(answer.body.code).toBe('FORBIDDEN');
    }
    expect((await a.api.get('/api/v1/dataset/sales?orient=records').expect(200)).body).toEqual([
      { region: 'EU', units: 12 },
    ]);
  });

  it('keeps each qualifier in a database of its own', async () => {
    await a.api
      .put('/api/v1/dataset/staged')
      .set('Qualifier', 'dev')
      .send({ data: [{ v: 1 }] })
      .expect(200);
    await a.api.get('/api/v1/dataset/staged').expect(404);
    await a.api.get('/api/v1/dataset/staged').set('Qualifier', 'dev').expect(200);
    await a.api.get('/api/v1/dataset/sales').set('Qualifier', 'dev').expect(404);
    const config = await a.api.get('/api/v1/config').set('Qualifier', 'dev').expect(200);
    expect(config.body).toMatchObject({ tenant: 'tenant_a', qualifier: 'dev' });

    const dev = t.databases.databaseName(TenantContext.of('tenant_a', 'default', 'dev'));
    expect(dev).toBe(`${t.config.mongoDbPrefix}_tenant_a-dev`);
    const { databases } = await t.databases.client().db('admin').admin().listDatabases({ nameOnly: true });
    expect(databases.map((d) => d.name)).toEqual(
      expect.arrayContaining([
        dev,
        `${t.config.mongoDbPrefix}_tenant_a`,
        `${t.config.mongoDbPrefix}_tenant_b`,
      ]),
    );
    // B's dev environment is B's: A's staged data is not there either.
    await b.api.get('/api/v1/dataset/staged').set('Qualifier', 'dev').expect(404);
    const bad = await a.api.get('/api/v1/dataset/').set('Qualifier', '../admin');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_NAME');
  });
});
