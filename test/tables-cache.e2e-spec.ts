import { TenantContext } from '@omega/core';
import { DatasetCache, PartCache } from '@omega/datasets';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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

  it("answers a small table's rows and a table's first rows from its copy, without a part or a query", async () => {
    const rows = Array.from({ length: 1500 }, (_, n) => ({ n, s: `r${n}` }));
    await a.api.put('/api/v1/dataset/headed').send({ data: rows }).expect(200);
    const cache = b.app.get(PartCache);
    expect(await records(b, 'headed', '&limit=10')).toEqual(rows.slice(0, 10));
    const fetched = cache.fetched;
    // The first rows again, paged, projected, in every orientation: all from B's copy, no part fetched.
    for (const name of readdirSync(b.config.cacheDir))
      if (name.endsWith('.parquet')) rmSync(join(b.config.cacheDir, name));
    expect(await records(b, 'headed', '&skip=5&limit=3&columns=s')).toEqual([
      { s: 'r5' },
      { s: 'r6' },
      { s: 'r7' },
    ]);
    const dict = await b.api.get('/api/v1/dataset/headed?skip=998&limit=2').expect(200);
    expect(dict.body.index.values).toEqual([998, 999]);
    expect(cache.fetched).toBe(fetched);
    // Past the copy's rows, or filtered: the parts are read.
    expect(await records(b, 'headed', '&skip=1400&limit=2')).toEqual(rows.slice(1400, 1402));
    expect(await records(b, 'headed', '&n__gte=1498')).toEqual(rows.slice(1498));
    expect(cache.fetched).toBeGreaterThan(fetched);
    // A page of a large table is kept whole too, until an append changes the version's rows.
    const answers = b.app.get(DatasetCache).answers;
    const pages = answers.size;
    expect(await records(b, 'headed', '&n__gte=1000&limit=2')).toEqual(rows.slice(1000, 1002));
    expect(await records(b, 'headed', '&n__gte=1000&limit=2')).toEqual(rows.slice(1000, 1002));
    expect(answers.size).toBe(pages + 1);
    await a.api
      .put('/api/v1/dataset/headed')
      .send({ data: [{ n: -1, s: 'new' }], append: true })
      .expect(200);
    expect(await records(b, 'headed', '&n__lt=0&limit=2')).toEqual([{ n: -1, s: 'new' }]);
    expect(await records(b, 'headed', '&skip=1499&limit=5')).toEqual([rows[1499], { n: -1, s: 'new' }]);
    // An append on A shows on B's next read of the first rows of a small table.
    await a.api
      .put('/api/v1/dataset/small')
      .send({ data: [{ x: 1 }] })
      .expect(200);
    expect(await records(b, 'small')).toEqual([{ x: 1 }]);
    await a.api
      .put('/api/v1/dataset/small')
      .send({ data: [{ x: 2 }], append: true })
      .expect(200);
    expect(await records(b, 'small')).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it("keeps a small table's JSON answers whole: the same bytes again, a new version's rows after a change", async () => {
    const rows = [
      { a: 1, b: 'x', t: '2024-01-02T03:04:05.000Z' },
      { a: 2, b: 'y', t: null },
      { a: 3, b: null, t: '2024-05-06T07:08:09.000Z' },
    ];
    await a.api
      .put('/api/v1/dataset/kept')
      .send({ data: rows, dtypes: { t: 'datetime' } })
      .expect(200);
    const answers = b.app.get(DatasetCache).answers;
    const reads = [
      '?orient=records',
      '',
      '?orient=records&columns=b&columns=a',
      '?skip=1&limit=1',
      '?orient=records&a__gte=2&sort=-a',
      '?orient=records&b__isnull=true',
    ];
    const before = answers.size;
    const first = [];
    for (const read of reads) {
      const answer = await b.api.get(`/api/v1/dataset/kept${read}`).expect(200);
      first.push({ type: answer.headers['content-type'], text: answer.text });
    }
    expect(JSON.parse(first[0].text)).toEqual(rows);
    expect(JSON.parse(first[2].text)).toEqual(rows.map(({ a, b: text }) => ({ b: text, a })));
    expect(JSON.parse(first[3].text)).toEqual({
      data: { a: { 1: 2 }, b: { 1: 'y' }, t: { 1: null } },
      index: { values: [1], type: 'Int64Index' },
    });
    expect(JSON.parse(first[4].text)).toEqual([rows[2], rows[1]]);
    expect(JSON.parse(first[5].text)).toEqual([rows[2]]);
    // Each read kept once, under its version and options.
    const kept = answers.size;
    expect(kept).toBe(before + reads.length);
    for (const [index, read] of reads.entries()) {
      const answer = await b.api.get(`/api/v1/dataset/kept${read}`).expect(200);
      expect({ type: answer.headers['content-type'], text: answer.text }).toEqual(first[index]);
    }
    // Answered from what was kept: no new entry for a read seen before.
    expect(answers.size).toBe(kept);
    // CSV and Arrow are streamed as before; bad options still answer 400.
    await b.api
      .get('/api/v1/dataset/kept?format=csv')
      .expect(200)
      .expect('content-type', /text\/csv/);
    await b.api.get('/api/v1/dataset/kept?orient=records&nope__gt=1').expect(400);
    await a.api
      .put('/api/v1/dataset/kept')
      .send({ data: [{ a: 9, b: 'z', t: null }], append: true })
      .expect(200);
    expect(await records(b, 'kept')).toEqual([...rows, { a: 9, b: 'z', t: null }]);
    await a.api
      .put('/api/v1/dataset/kept')
      .send({ data: [{ a: 7 }] })
      .expect(200);
    expect(await records(b, 'kept')).toEqual([{ a: 7 }]);
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
