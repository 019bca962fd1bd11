import { TenantContext } from '@omega/core';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Two API processes on one database and one broker (each its own Nest application: its own Metadata and
 * part-list caches), as a cluster runs them. A change made through one is seen by the other on its very
 * next request, because the change is announced on the change-events channel before the answer is sent.
 */
describe('dataset caches across API processes', () => {
  let a: TestApp;
  let b: TestApp;
  const ctx = TenantContext.of('default');
  const records = async (app: TestApp, name: string, filter = '') =>
    (await app.api.get(`/api/v1/dataset/${name}?orient=records${filter}`).expect(200)).body;

  beforeAll(async () => {
    a = await startTestApp({ broker: true });
    b = await startTestApp({ config: a.config });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('answers a read from its cache: a change made behind the store is not seen', async () => {
    await a.api
      .put('/api/v1/dataset/cached')
      .send({ data: [{ x: 1 }], attributes: { v: 1 } })
      .expect(200);
    expect((await b.api.get('/api/v1/dataset/cached/metadata').expect(200)).body.attributes).toEqual({
      v: 1,
    });
    // Written straight into the database: no store call, so no event. B keeps answering what it holds.
    await b.databases
      .db(ctx)
      .collection('metadata')
      .updateOne({ prefix: 'data', name: 'cached' }, { $set: { 'attributes.v': 'behind' } });
    expect((await b.api.get('/api/v1/dataset/cached/metadata').expect(200)).body.attributes).toEqual({
      v: 1,
    });
    // A put through A announces itself: B drops its entry and reads the new one.
    await a.api
      .put('/api/v1/dataset/cached')
      .send({ data: [{ x: 2 }], attributes: { v: 2 } })
      .expect(200);
    expect((await b.api.get('/api/v1/dataset/cached/metadata').expect(200)).body.attributes).toEqual({
      v: 2,
    });
  });

  it('sees a replace, an append, a convert and a drop made on the other process at once', async () => {
    await a.api
      .put('/api/v1/dataset/moving')
      .send({ data: [{ n: 1, s: 'a' }] })
      .expect(200);
    expect(await records(b, 'moving')).toEqual([{ n: 1, s: 'a' }]);
    // Filtered reads use B's cached part list too.
    expect(await records(b, 'moving', '&n__gt=0')).toEqual([{ n: 1, s: 'a' }]);

    await a.api
      .put('/api/v1/dataset/moving')
      .send({ data: [{ n: 5, s: 'e' }] })
      .expect(200);
    expect(await records(b, 'moving')).toEqual([{ n: 5, s: 'e' }]);

    await a.api
      .put('/api/v1/dataset/moving')
      .send({ data: [{ n: 6, s: 'f' }], append: true })
      .expect(200);
    expect(await records(b, 'moving')).toEqual([
      { n: 5, s: 'e' },
      { n: 6, s: 'f' },
    ]);
    expect(await records(b, 'moving', '&n__gt=5')).toEqual([{ n: 6, s: 'f' }]);
    expect((await b.api.get('/api/v1/dataset/moving/metadata').expect(200)).body.kindMeta.rows).toBe(2);

    await a.api.post('/api/v1/dataset/moving/convert').send({ kind: 'table.rows' }).expect(200);
    expect((await b.api.get('/api/v1/dataset/moving/metadata').expect(200)).body.kind).toBe('table.rows');
    expect(await records(b, 'moving', '&n__gt=5')).toEqual([{ n: 6, s: 'f' }]);

    await a.api.delete('/api/v1/dataset/moving').expect(200);
    await b.api.get('/api/v1/dataset/moving').expect(404);
    await b.api.get('/api/v1/dataset/moving/metadata').expect(404);
  });

  it('keeps tenants apart: a name cached for one tenant is not found for another', async () => {
    await a.api
      .put('/api/v1/dataset/private')
      .send({ data: [{ secret: 1 }] })
      .expect(200);
    expect(await records(b, 'private')).toEqual([{ secret: 1 }]);
    const other = await b.createPrincipal({ tenant: 'othercache' });
    await other.api.get('/api/v1/dataset/private').expect(404);
    await other.api.get('/api/v1/dataset/private/metadata').expect(404);
    await other.api
      .put('/api/v1/dataset/private')
      .send({ data: [{ mine: 2 }] })
      .expect(200);
    expect(await records(b, 'private')).toEqual([{ secret: 1 }]);
    expect((await other.api.get('/api/v1/dataset/private?orient=records').expect(200)).body).toEqual([
      { mine: 2 },
    ]);
  });
});
