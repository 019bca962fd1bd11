import { TenantContext } from '@omega/core';
import { TableSource } from '@omega/datasets';
import { RecordBatchReader, tableFromArrays, tableToIPC } from 'apache-arrow';
import { SALES_FILTER_CASES, sampleSales } from './support/sample-sales';
import { startTestApp, TestApp } from './support/test-app';

describe('datasets over REST', () => {
  let t: TestApp;
  const rows = sampleSales();
  const ctx = TenantContext.of('default');

  beforeAll(async () => {
    t = await startTestApp();
    await t.api
      .put('/api/v1/dataset/sales')
      .send({ data: rows, dtypes: { day: 'datetime64[ns]' } })
      .expect(200);
  });
  afterAll(() => t.close());

  const get = (query: string) => t.api.get(`/api/v1/dataset/sales?orient=records&${query}`).expect(200);

  it('answers omega-ml dict orientation and records, types intact', async () => {
    const dict = await t.api.get('/api/v1/dataset/sales?limit=3').expect(200);
    expect(dict.body.index).toEqual({ values: [0, 1, 2], type: 'Int64Index' });
    expect(dict.body.data.price).toEqual({ '0': rows[0].price, '1': rows[1].price, '2': rows[2].price });
    expect(dict.body.data.region['3']).toBeUndefined();
    const records = await get('');
    expect(records.body).toEqual(rows);
    const meta = await t.api.get('/api/v1/dataset/sales/metadata').expect(200);
    // New tables are columnar by default.
    expect(meta.body.kind).toBe('table.parquet');
    expect(meta.body.kindMeta).toEqual({
      rows: 240,
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'price', type: 'number' },
        { name: 'qty', type: 'integer' },
        { name: 'region', type: 'string' },
        { name: 'ok', type: 'boolean' },
        { name: 'day', type: 'datetime' },
      ],
    });
  });

  const cases = SALES_FILTER_CASES;

  it.each(cases)('filters %s=%s like an independent computation', async (param, value, predicate) => {
    const response = await get(`${param}=${encodeURIComponent(value)}`);
    const expected = rows.filter(predicate);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(rows.length);
    expect(response.body).toEqual(expected);
  });

  it('combines filters, picks columns, sorts and pages', async () => {
    const response = await get(
      'qty__gte=3&region__isnull=false&columns=region,id&sort=-price,id&skip=5&limit=7',
    );
    const expected = rows
      .filter((r) => r.qty >= 3 && r.region !== null)
      .sort((a, b) => b.price - a.price || a.id - b.id)
      .slice(5, 12)
      .map((r) => ({ region: r.region, id: r.id }));
    expect(response.body).toEqual(expected);
    expect(Object.keys(response.body[0])).toEqual(['region', 'id']);
  });

  it('queries with groupby and aggregates computed by the database', async () => {
    const response = await t.api
      .post('/api/v1/dataset/sales/query')
      .send({
        filter: { qty__gt: 2 },
        groupby: ['region'],
        agg: { price: ['sum', 'mean', 'min', 'max', 'count'], qty: 'sum' },
      })
      .expect(200);
    const filtered = rows.filter((r) => r.qty > 2);
    const groups = [...new Set(filtered.map((r) => r.region))].sort((a, b) =>
      a === null ? -1 : b === null ? 1 : a < b ? -1 : 1,
    );
    const expected = groups.map((region) => {
      const members = filtered.filter((r) => r.region === region);
      const prices = members.map((r) => r.price);
      const sum = prices.reduce((a, b) => a + b, 0);
      return {
        region,
        price_sum: sum,
        price_mean: sum / prices.length,
        price_min: Math.min(...prices),
        price_max: Math.max(...prices),
        price_count: prices.length,
        qty_sum: members.reduce((a, r) => a + r.qty, 0),
      };
    });
    expect(response.body).toHaveLength(expected.length);
    response.body.forEach((row: Record<string, number>, i: number) => {
      expect(row.region).toEqual(expected[i].region);
      expect(row.price_sum).toBeCloseTo(expected[i].price_sum, 6);
      expect(row.price_mean).toBeCloseTo(expected[i].price_mean, 6);
      expect(row.price_min).toBe(expected[i].price_min);
      expect(row.price_max).toBe(expected[i].price_max);
      expect(row.price_count).toBe(expected[i].price_count);
      expect(row.qty_sum).toBe(expected[i].qty_sum);
    });
  });

  it('queries rows with a JSON filter, sort and limit', async () => {
    const response = await t.api
      .post('/api/v1/dataset/sales/query')
      .send({
        filter: { region: 'EU', price__gt: 10 },
        sort: ['-qty', 'id'],
        limit: 4,
        columns: ['id', 'qty'],
      })
      .expect(200);
    const expected = rows
      .filter((r) => r.region === 'EU' && r.price > 10)
      .sort((a, b) => b.qty - a.qty || a.id - b.id)
      .slice(0, 4)
      .map(({ id, qty }) => ({ id, qty }));
    expect(response.body).toEqual(expected);
  });

  it('takes column-oriented data and round-trips every value type exactly', async () => {
    const columns = {
      int: [0, -7, 2 ** 40, null],
      float: [0.1, -1.5e-12, 123456.789, null],
      text: ['', 'ünïcødé ✓', 'with,comma "quoted"\nnewline', null],
      flag: [true, false, true, null],
      when: ['2024-02-29T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '2100-12-31T00:00:00.000Z', null],
    };
    await t.api
      .put('/api/v1/dataset/types')
      .send({ data: columns, dtypes: { when: 'datetime' } })
      .expect(200);
    const back = await t.api.get('/api/v1/dataset/types?orient=records').expect(200);
    expect(back.body).toEqual(
      [0, 1, 2, 3].map((i) =>
        Object.fromEntries(Object.entries(columns).map(([name, values]) => [name, values[i]])),
      ),
    );
    const stored = await t.stores.datasets.metadata(ctx, 'types');
    expect((stored.kindMeta.columns as { type: string }[]).map((c) => c.type)).toEqual([
      'integer',
      'number',
      'string',
      'boolean',
      'datetime',
    ]);
  });

  it('escapes column names for MongoDB and restores them on read', async () => {
    const data = [{ 'a.b': 1, $price: 2, _id: 'x', '~t': true, plain: 'p' }];
    await t.api.put('/api/v1/dataset/awkward').send({ data }).expect(200);
    const back = await t.api.get('/api/v1/dataset/awkward?orient=records').expect(200);
    expect(back.body).toEqual(data);
    const filtered = await t.api.get('/api/v1/dataset/awkward?orient=records&$price__gte=2').expect(200);
    expect(filtered.body).toEqual(data);
    expect((await t.stores.datasets.metadata(ctx, 'awkward')).kind).toBe('table.parquet');
    // The row kind stores each row as a document, with the names escaped for MongoDB.
    await t.api.put('/api/v1/dataset/awkward?kind=table.rows').send({ data }).expect(200);
    const rowsBack = await t.api.get('/api/v1/dataset/awkward?orient=records&$price__gte=2').expect(200);
    expect(rowsBack.body).toEqual(data);
    const meta = await t.stores.datasets.metadata(ctx, 'awkward');
    expect(meta.kind).toBe('table.rows');
    const [document] = await t.databases
      .db(ctx)
      .collection(meta.collection as string)
      .find({})
      .toArray();
    // Row id as _id; the user's own _id column escaped beside it.
    expect(Object.keys(document).sort()).toEqual(['_id', 'a~db', 'plain', '~sprice', '~tt', '~u']);
    expect(document._id).toBe(0);
  });

  it('appends, and replaces by default', async () => {
    await t.api
      .put('/api/v1/dataset/grow')
      .send({ data: [{ x: 1 }, { x: 2 }] })
      .expect(200);
    await t.api
      .put('/api/v1/dataset/grow')
      .send({ data: [{ x: 3, y: 'new' }], append: true })
      .expect(200);
    const appended = await t.api.get('/api/v1/dataset/grow?orient=records').expect(200);
    expect(appended.body).toEqual([
      { x: 1, y: null },
      { x: 2, y: null },
      { x: 3, y: 'new' },
    ]);
    await t.api
      .put('/api/v1/dataset/grow')
      .send({ data: [{ z: true }] })
      .expect(200);
    const replaced = await t.api.get('/api/v1/dataset/grow?orient=records').expect(200);
    expect(replaced.body).toEqual([{ z: true }]);
    const meta = await t.api.get('/api/v1/dataset/grow/metadata').expect(200);
    expect(meta.body.kindMeta.rows).toBe(1);
  });

  it('leaves the old table intact when a replace or an append fails halfway', async () => {
    const good = Array.from({ length: 12_000 }, (_, i) => `${i},${i * 2}`).join('\n');
    await t.api
      .put('/api/v1/dataset/safe')
      .send({ data: [{ a: 1, b: 2 }] })
      .expect(200);
    const collectionsBefore = (await t.databases.db(ctx).listCollections().toArray()).length;
    // 12,000 good rows (more than one write chunk reaches the database), then a value that is not a number.
    const bad = `a,b\n${good}\n1,not-a-number\n`;
    for (const append of [false, true]) {
      const response = await t.api
        .put(`/api/v1/dataset/safe?append=${append}`)
        .set('Content-Type', 'text/csv')
        .send(bad);
      expect(response.status).toBe(400);
      expect(response.body.message).toContain('not a number');
      const back = await t.api.get('/api/v1/dataset/safe?orient=records').expect(200);
      expect(back.body).toEqual([{ a: 1, b: 2 }]);
    }
    expect((await t.databases.db(ctx).listCollections().toArray()).length).toBe(collectionsBefore);
  });

  it('reads and writes CSV', async () => {
    const csv = 'name,score,passed\nann,9.5,true\n"bo, jr",7,false\ncy,,true\n';
    const put = await t.api
      .put('/api/v1/dataset/csv-in')
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(200);
    expect(put.body.kindMeta.columns).toEqual([
      { name: 'name', type: 'string' },
      { name: 'score', type: 'number' },
      { name: 'passed', type: 'boolean' },
    ]);
    const records = await t.api.get('/api/v1/dataset/csv-in?orient=records').expect(200);
    expect(records.body).toEqual([
      { name: 'ann', score: 9.5, passed: true },
      { name: 'bo, jr', score: 7, passed: false },
      { name: 'cy', score: null, passed: true },
    ]);
    const out = await t.api.get('/api/v1/dataset/csv-in').set('Accept', 'text/csv').expect(200);
    expect(out.headers['content-type']).toContain('text/csv');
    expect(out.text).toBe(csv);
  });

  it('reads and writes Apache Arrow IPC streams', async () => {
    const table = tableFromArrays({ f: Float64Array.from([1.5, 2.5, -3]), s: ['a', 'b', 'c'] });
    const put = await t.api
      .put('/api/v1/dataset/arrow-in')
      .set('Content-Type', 'application/vnd.apache.arrow.stream')
      .send(Buffer.from(tableToIPC(table, 'stream')))
      .expect(200);
    expect(put.body.kindMeta.rows).toBe(3);
    const response = await t.api
      .get('/api/v1/dataset/sales?qty__lt=3&columns=id,price,region,ok,day')
      .set('Accept', 'application/vnd.apache.arrow.stream')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const reader = RecordBatchReader.from(response.body as Buffer);
    const back: Record<string, unknown>[] = [];
    for (const batch of reader) {
      for (const row of batch) {
        const value = row.toJSON() as Record<string, unknown>;
        back.push({ ...value, id: Number(value.id), day: new Date(value.day as number).toISOString() });
      }
    }
    expect(back).toEqual(
      rows.filter((r) => r.qty < 3).map(({ id, price, region, ok, day }) => ({ id, price, region, ok, day })),
    );
    const arrowBack = await t.api.get('/api/v1/dataset/arrow-in?orient=records').expect(200);
    expect(arrowBack.body).toEqual([
      { f: 1.5, s: 'a' },
      { f: 2.5, s: 'b' },
      { f: -3, s: 'c' },
    ]);
  });

  it('stores any JSON as json.docs, nested arrays and awkward keys included', async () => {
    const value = {
      config: { 'a.b': [[1, 2], [3]], $x: null, deep: [{ k: [[['z']]] }] },
      list: [1, 'two', false],
    };
    const put = await t.api.put('/api/v1/dataset/settings').send({ data: value }).expect(200);
    expect(put.body.kind).toBe('json.docs');
    const back = await t.api.get('/api/v1/dataset/settings').expect(200);
    expect(back.body).toEqual(value);
    await t.api
      .put('/api/v1/dataset/events')
      .send({ data: [{ e: 1 }, [2, 3]], kind: 'json.docs' })
      .expect(200);
    await t.api
      .put('/api/v1/dataset/events')
      .send({ data: [{ e: 4 }], append: true })
      .expect(200);
    expect((await t.api.get('/api/v1/dataset/events').expect(200)).body).toEqual([
      { e: 1 },
      [2, 3],
      { e: 4 },
    ]);
  });

  it('lists with pattern, kind and paging; keeps attributes by the update rule', async () => {
    await t.api
      .put('/api/v1/dataset/reports%2Fq1')
      .send({ data: [{ v: 1 }], attributes: { owner: 'ops', tier: 1 } })
      .expect(200);
    await t.api
      .put('/api/v1/dataset/reports%2Fq2')
      .send({ data: [{ v: 2 }] })
      .expect(200);
    const listed = await t.api.get('/api/v1/dataset/?pattern=reports/*').expect(200);
    expect(listed.body.objects.map((o: { name: string }) => o.name)).toEqual(['reports/q1', 'reports/q2']);
    expect(listed.body.meta).toEqual({ limit: 100, offset: 0, total_count: 2 });
    const paged = await t.api.get('/api/v1/dataset/?pattern=reports/*&offset=1&limit=1').expect(200);
    expect(paged.body.objects.map((o: { name: string }) => o.name)).toEqual(['reports/q2']);
    const json = await t.api.get('/api/v1/dataset/?kind=json.docs').expect(200);
    expect(json.body.objects.map((o: { name: string }) => o.name).sort()).toEqual(['events', 'settings']);

    await t.api
      .put('/api/v1/dataset/reports%2Fq1')
      .send({ data: [{ v: 3 }] })
      .expect(200);
    expect((await t.api.get('/api/v1/dataset/reports%2Fq1/metadata')).body.attributes).toEqual({
      owner: 'ops',
      tier: 1,
    });
    await t.api
      .put('/api/v1/dataset/reports%2Fq1')
      .send({ data: [{ v: 3 }], attributes: { tier: 2 } })
      .expect(200);
    expect((await t.api.get('/api/v1/dataset/reports%2Fq1/metadata')).body.attributes).toEqual({
      owner: 'ops',
      tier: 2,
    });
    await t.api
      .put('/api/v1/dataset/reports%2Fq1')
      .send({ data: [{ v: 3 }], attributes: {} })
      .expect(200);
    expect((await t.api.get('/api/v1/dataset/reports%2Fq1/metadata')).body.attributes).toEqual({});
  });

  it('refuses a table.rows put whose collection is dropped while it writes, instead of storing a short table', async () => {
    // A concurrent drop of the table's collection (or database) made a 100k-row put keep only the rows written
    // after it: the server recreates the collection on the next insert without an error.
    const db = t.databases.db(ctx);
    const before = new Set((await db.listCollections().toArray()).map((c) => c.name));
    async function* chunks() {
      for (let chunk = 0; chunk < 4; chunk++) {
        if (chunk === 2) {
          const added = (await db.listCollections().toArray()).filter(
            (c) => c.name.startsWith('rows_') && !before.has(c.name),
          );
          expect(added).toHaveLength(1);
          await db.collection(added[0].name).drop();
        }
        yield Array.from({ length: 5000 }, (_, i) => ({ n: chunk * 5000 + i }));
      }
    }
    await expect(
      t.stores.datasets.put(ctx, 'dropped-midway', new TableSource(chunks()), { kind: 'table.rows' }),
    ).rejects.toThrow('removed while it was being written');
    await t.api.get('/api/v1/dataset/dropped-midway').expect(404);
    const after = (await db.listCollections().toArray()).map((c) => c.name);
    expect(after.filter((name) => !before.has(name) && name.startsWith('rows_'))).toEqual([]);
  });

  it('keeps buckets apart and drops datasets', async () => {
    await t.api
      .put('/api/v1/dataset/shared-name')
      .set('Bucket', 'prod')
      .send({ data: [{ b: 'prod' }] })
      .expect(200);
    await t.api
      .put('/api/v1/dataset/shared-name')
      .send({ data: [{ b: 'default' }] })
      .expect(200);
    expect(
      (await t.api.get('/api/v1/dataset/shared-name?orient=records').set('Bucket', 'prod')).body,
    ).toEqual([{ b: 'prod' }]);
    expect((await t.api.get('/api/v1/dataset/shared-name?orient=records')).body).toEqual([{ b: 'default' }]);
    const prodList = await t.api.get('/api/v1/dataset/').set('Bucket', 'prod').expect(200);
    expect(prodList.body.objects.map((o: { name: string }) => o.name)).toEqual(['shared-name']);

    await t.api.delete('/api/v1/dataset/shared-name').set('Bucket', 'prod').expect(200);
    await t.api.get('/api/v1/dataset/shared-name').set('Bucket', 'prod').expect(404);
    await t.api.get('/api/v1/dataset/shared-name?orient=records').expect(200);
    const missing = await t.api.delete('/api/v1/dataset/never-was').expect(404);
    expect(missing.body).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: 'data/never-was not found',
    });
  });
});
