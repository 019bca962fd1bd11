import { DuckDBInstance } from '@duckdb/node-api';
import { TenantContext } from '@omega/core';
import { PARTS_COLLECTION, PartCache } from '@omega/datasets';
import { RecordBatchReader, tableFromArrays, tableToIPC } from 'apache-arrow';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'superagent';
import { parquetFile } from './support/parquet-file';
import { SALES_FILTER_CASES, SalesRow, sampleSales } from './support/sample-sales';
import { startTestApp, TestApp } from './support/test-app';

type Row = SalesRow;

const PARQUET = 'application/vnd.apache.parquet';

/** Reads Parquet bytes with a DuckDB of the test's own, as a pandas or DuckDB user would. */
async function readParquetBytes(bytes: Buffer, dir: string): Promise<Record<string, unknown>[]> {
  const file = join(dir, `read-${Date.now()}-${Math.random()}.parquet`);
  writeFileSync(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(file, { force: true });
  }
}

/** Collects a binary answer (Arrow, Parquet) as one Buffer. */
function binary(res: Response, done: (error: Error | null, body: Buffer) => void) {
  const stream = res as unknown as NodeJS.ReadableStream;
  const parts: Buffer[] = [];
  stream.on('data', (part: Buffer) => parts.push(part));
  stream.on('end', () => done(null, Buffer.concat(parts)));
}

describe('table.parquet: columnar tables over REST', () => {
  let t: TestApp;
  let cache: PartCache;
  const rows = sampleSales();
  const ctx = TenantContext.of('default');
  const partsOf = async (name: string) => {
    const meta = await t.stores.datasets.metadata(ctx, name);
    return t.databases.db(ctx).collection(PARTS_COLLECTION).find({ set: meta.collection }).toArray();
  };
  const blobCount = () => t.databases.db(ctx).collection('blobs.files').countDocuments();
  const partCount = () => t.databases.db(ctx).collection(PARTS_COLLECTION).countDocuments();
  const dropCachedFiles = () => {
    for (const name of readdirSync(t.config.cacheDir))
      if (name.endsWith('.parquet')) rmSync(join(t.config.cacheDir, name));
  };

  beforeAll(async () => {
    t = await startTestApp();
    cache = t.app.get(PartCache);
    await t.api
      .put('/api/v1/dataset/sales?kind=table.parquet')
      .send({ data: rows, dtypes: { day: 'datetime64[ns]' } })
      .expect(200);
  });
  afterAll(() => t.close());

  const get = (query: string) => t.api.get(`/api/v1/dataset/sales?orient=records&${query}`).expect(200);

  it('stores the kind asked for and answers both orientations, types intact', async () => {
    const meta = await t.api.get('/api/v1/dataset/sales/metadata').expect(200);
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
    const dict = await t.api.get('/api/v1/dataset/sales?limit=3').expect(200);
    expect(dict.body.index).toEqual({ values: [0, 1, 2], type: 'Int64Index' });
    expect(dict.body.data.price).toEqual({ '0': rows[0].price, '1': rows[1].price, '2': rows[2].price });
    const filteredDict = await t.api.get('/api/v1/dataset/sales?qty=4&columns=id').expect(200);
    const ids = rows.filter((r) => r.qty === 4).map((r) => r.id);
    expect(filteredDict.body.index.values).toEqual(ids);
    expect((await get('')).body).toEqual(rows);
    const [part] = await partsOf('sales');
    expect(part).toMatchObject({ rows: 240, first: 0 });
    expect(part.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(part.stats.c0).toEqual({ min: 0, max: 239, nulls: 0 });
    expect(part.stats.c3.nulls).toBe(48);
  });

  const cases: [string, string, (row: Row) => boolean][] = [
    ...SALES_FILTER_CASES,
    ['region__ne', 'EU', (r) => r.region !== 'EU'],
    ['region__nin', 'EU,US', (r) => r.region !== 'EU' && r.region !== 'US'],
    ['day', '2024-01-03T12:00:00Z', (r) => r.day === '2024-01-03T12:00:00.000Z'],
  ];

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
    const nullsFirst = await get('sort=region,id&limit=3&columns=region');
    expect(nullsFirst.body).toEqual([{ region: null }, { region: null }, { region: null }]);
  });

  it('aggregates by group in one query, like table.rows', async () => {
    const body = {
      filter: { qty__gt: 2 },
      groupby: ['region'],
      agg: { price: ['sum', 'mean', 'min', 'max', 'count'], qty: 'sum', day: 'max' },
    };
    const response = await t.api.post('/api/v1/dataset/sales/query').send(body).expect(200);
    // The reference: the same rows stored as row documents, aggregated by MongoDB.
    await t.api
      .put('/api/v1/dataset/sales-rows?kind=table.rows')
      .send({ data: rows, dtypes: { day: 'datetime' } })
      .expect(200);
    const reference = await t.api.post('/api/v1/dataset/sales-rows/query').send(body).expect(200);
    expect(response.body).toHaveLength(reference.body.length);
    response.body.forEach((row: Record<string, unknown>, i: number) => {
      const expected = reference.body[i] as Record<string, number>;
      expect(row.region).toEqual(expected.region);
      expect(row.price_sum).toBeCloseTo(expected.price_sum, 6);
      expect(row.price_mean).toBeCloseTo(expected.price_mean, 6);
      expect([row.price_min, row.price_max, row.price_count, row.qty_sum, row.day_max]).toEqual([
        expected.price_min,
        expected.price_max,
        expected.price_count,
        expected.qty_sum,
        expected.day_max,
      ]);
    });
    const total = await t.api
      .post('/api/v1/dataset/sales/query')
      .send({ agg: { id: 'count' } })
      .expect(200);
    expect(total.body).toEqual([{ id_count: 240 }]);
  });

  it('answers CSV, Arrow and Parquet', async () => {
    const csv = await t.api
      .get('/api/v1/dataset/sales?limit=2&columns=id,region,day')
      .set('Accept', 'text/csv');
    expect(csv.text).toBe('id,region,day\n0,EU,2024-01-01T12:00:00.000Z\n1,US,2024-01-02T12:00:00.000Z\n');
    const arrow = await t.api
      .get('/api/v1/dataset/sales?qty=4')
      .set('Accept', 'application/vnd.apache.arrow.stream')
      .buffer(true)
      .parse(binary)
      .expect(200);
    const reader = await RecordBatchReader.from(arrow.body as Buffer);
    let count = 0;
    for await (const batch of reader) count += batch.numRows;
    expect(count).toBe(rows.filter((r) => r.qty === 4).length);
    const parquet = await t.api
      .get('/api/v1/dataset/sales?region=EU&sort=-id&limit=3')
      .set('Accept', PARQUET)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(parquet.headers['content-type']).toContain(PARQUET);
    const back = await readParquetBytes(parquet.body as Buffer, t.config.dataDir);
    const expected = rows
      .filter((r) => r.region === 'EU')
      .sort((a, b) => b.id - a.id)
      .slice(0, 3);
    expect(back.map((r) => [Number(r.id), r.price, r.region, (r.day as Date).toISOString()])).toEqual(
      expected.map((r) => [r.id, r.price, r.region, r.day]),
    );
    // Parquet from a table.rows table too: every table answers in every format.
    const fromRows = await t.api
      .get('/api/v1/dataset/sales-rows?limit=2&columns=id,ok')
      .set('Accept', PARQUET)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(await readParquetBytes(fromRows.body as Buffer, t.config.dataDir)).toEqual([
      { id: 0n, ok: true },
      { id: 1n, ok: false },
    ]);
    // A subset of a columnar table's columns, in the order asked for (not the table's), sorted by one.
    const subset = await t.api
      .get('/api/v1/dataset/sales?limit=2&columns=ok,id&sort=-id')
      .set('Accept', PARQUET)
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(await readParquetBytes(subset.body as Buffer, t.config.dataDir)).toEqual(
      [...rows]
        .sort((a, b) => b.id - a.id)
        .slice(0, 2)
        .map((r) => ({ ok: r.ok, id: BigInt(r.id) })),
    );
  });

  it('round-trips awkward column names, unicode and nulls exactly', async () => {
    const data = [
      { 'a.b': 1, $price: 2.5, 'with space': 'ünïcødé ✓', A: true, a: null, _id: 'x', '"q"': "it's" },
      { 'a.b': null, $price: null, 'with space': null, A: null, a: 'lower', _id: null, '"q"': null },
    ];
    await t.api.put('/api/v1/dataset/awkward').send({ data, kind: 'table.parquet' }).expect(200);
    const back = await t.api.get('/api/v1/dataset/awkward?orient=records').expect(200);
    expect(back.body).toEqual(data);
    expect(Object.keys(back.body[0])).toEqual(Object.keys(data[0]));
    const filtered = await t.api.get('/api/v1/dataset/awkward?orient=records&$price__gte=2&a__isnull=true');
    expect(filtered.body).toEqual([data[0]]);
  });

  it('streams CSV, Arrow and Parquet uploads into parts', async () => {
    const csv = 'x,name,when\n1,a,2024-01-01T00:00:00Z\n2,,2024-01-02T00:00:00Z\n3,c,\n';
    await t.api
      .put('/api/v1/dataset/from-csv?kind=table.parquet&dtypes={"when":"datetime"}')
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(200);
    const csvBack = await t.api.get('/api/v1/dataset/from-csv?orient=records').expect(200);
    expect(csvBack.body).toEqual([
      { x: 1, name: 'a', when: '2024-01-01T00:00:00.000Z' },
      { x: 2, name: null, when: '2024-01-02T00:00:00.000Z' },
      { x: 3, name: 'c', when: null },
    ]);
    const ipc = tableToIPC(tableFromArrays({ v: Float64Array.from([1.5, 2.5]), s: ['p', 'q'] }), 'stream');
    await t.api
      .put('/api/v1/dataset/from-arrow?kind=table.parquet')
      .set('Content-Type', 'application/vnd.apache.arrow.stream')
      .send(Buffer.from(ipc))
      .expect(200);
    expect((await t.api.get('/api/v1/dataset/from-arrow?orient=records')).body).toEqual([
      { v: 1.5, s: 'p' },
      { v: 2.5, s: 'q' },
    ]);
    const parquet = await t.api
      .get('/api/v1/dataset/sales')
      .set('Accept', PARQUET)
      .buffer(true)
      .parse(binary)
      .expect(200);
    await t.api
      .put('/api/v1/dataset/from-parquet?kind=table.parquet')
      .set('Content-Type', PARQUET)
      .send(parquet.body as Buffer)
      .expect(200);
    expect((await t.api.get('/api/v1/dataset/from-parquet?orient=records')).body).toEqual(rows);
    const meta = await t.api.get('/api/v1/dataset/from-parquet/metadata').expect(200);
    expect(meta.body.kindMeta.columns.map((c: { type: string }) => c.type)).toEqual([
      'integer',
      'number',
      'integer',
      'string',
      'boolean',
      'datetime',
    ]);
    await t.api
      .put('/api/v1/dataset/bad-parquet?kind=table.parquet')
      .set('Content-Type', PARQUET)
      .send(Buffer.from('not parquet at all'))
      .expect(400);
  });

  it('writes a Parquet upload into parts file to file: split by part size, appended, bad values refused', async () => {
    const parquetOf = (select: string) => parquetFile(select, t.config.dataDir);
    const put = (name: string, body: Buffer, query = '') =>
      t.api.put(`/api/v1/dataset/${name}${query}`).set('Content-Type', PARQUET).send(body);
    const many = await parquetOf(
      "SELECT i AS n, i / 4 AS x, 'r' || (i % 7) AS s, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS at FROM range(300000) t(i)",
    );
    const stored = await put('big-upload', many).expect(200);
    expect(stored.body).toMatchObject({ kind: 'table.parquet', kindMeta: { rows: 300_000 } });
    expect(stored.body.kindMeta.columns.map((c: { type: string }) => c.type)).toEqual([
      'integer',
      'number',
      'string',
      'datetime',
    ]);
    const parts = (await partsOf('big-upload')).sort((a, b) => a.first - b.first);
    expect(parts.map((part) => [part.first, part.rows])).toEqual([
      [0, 131_072],
      [131_072, 131_072],
      [262_144, 37_856],
    ]);
    expect(parts[1].stats.c0).toEqual({ min: 131_072, max: 262_143, nulls: 0 });
    const tail = await t.api.get('/api/v1/dataset/big-upload?orient=records&n__gte=299998').expect(200);
    expect(tail.body).toEqual([
      {
        n: 299_998,
        x: 74_999.5,
        s: 'r' + (299_998 % 7),
        at: new Date(Date.UTC(2024, 0, 1) + 299_998_000).toISOString(),
      },
      {
        n: 299_999,
        x: 74_999.75,
        s: 'r' + (299_999 % 7),
        at: new Date(Date.UTC(2024, 0, 1) + 299_999_000).toISOString(),
      },
    ]);

    // An append with the table's columns continues the row ids; one with another column takes the record path.
    const more = await parquetOf(
      "SELECT 300000 AS n, CAST('NaN' AS DOUBLE) AS x, NULL::VARCHAR AS s, NULL::TIMESTAMPTZ AS at",
    );
    await put('big-upload', more, '?append=true').expect(200);
    const wider = await parquetOf(
      "SELECT 300001 AS n, 1.5 AS x, 'w' AS s, NULL::TIMESTAMPTZ AS at, true AS extra",
    );
    const appended = await put('big-upload', wider, '?append=true').expect(200);
    expect(appended.body.kindMeta.rows).toBe(300_002);
    expect(
      (await t.api.get('/api/v1/dataset/big-upload?orient=records&n__gte=300000').expect(200)).body,
    ).toEqual([
      // NaN is stored as null, as pandas means it.
      { n: 300_000, x: null, s: null, at: null, extra: null },
      { n: 300_001, x: 1.5, s: 'w', at: null, extra: true },
    ]);

    const before = { blobs: await blobCount(), parts: await partCount() };
    const nul = await put('bad-values', await parquetOf("SELECT 1 AS n, 'a' || chr(0) || 'b' AS s")).expect(
      400,
    );
    expect(nul.body.message).toMatch(/column "s" row 0/);
    const infinite = await put(
      'bad-values',
      await parquetOf("SELECT * FROM (VALUES (1.0), (CAST('Infinity' AS DOUBLE))) v(x)"),
    ).expect(400);
    expect(infinite.body.message).toContain('column "x" row 1: infinite numbers cannot be stored');
    await t.api.get('/api/v1/dataset/bad-values/metadata').expect(404);
    expect({ blobs: await blobCount(), parts: await partCount() }).toEqual(before);
  });

  it('answers a type clash with 400 naming row and column, and stores nothing', async () => {
    const before = { blobs: await blobCount(), parts: await partCount() };
    const response = await t.api
      .put('/api/v1/dataset/clash?kind=table.parquet')
      .send({ data: [{ x: 1 }, { x: 2 }, { x: 'three' }] })
      .expect(400);
    expect(response.body.message).toContain('row 2');
    expect(response.body.message).toContain('"x"');
    await t.api.get('/api/v1/dataset/clash/metadata').expect(404);
    expect({ blobs: await blobCount(), parts: await partCount() }).toEqual(before);
  });

  it('keeps the previous version when a replacement fails after parts were stored, leaving no orphans', async () => {
    await t.api
      .put('/api/v1/dataset/keep?kind=table.parquet')
      .send({ data: [{ x: 1 }, { x: 2 }] })
      .expect(200);
    const before = { blobs: await blobCount(), parts: await partCount() };
    // More than one part's worth of good rows, then a bad one: the first part is uploaded before it fails.
    const lines = ['x'];
    for (let i = 0; i < 140_000; i++) lines.push(String(i));
    lines.push('not-a-number');
    const response = await t.api
      .put('/api/v1/dataset/keep?kind=table.parquet')
      .set('Content-Type', 'text/csv')
      .send(lines.join('\n'))
      .expect(400);
    expect(response.body.message).toContain('CSV line 140002');
    expect((await t.api.get('/api/v1/dataset/keep?orient=records')).body).toEqual([{ x: 1 }, { x: 2 }]);
    expect({ blobs: await blobCount(), parts: await partCount() }).toEqual(before);
    const scratch = readdirSync(join(t.config.cacheDir, 'scratch')).filter((name) =>
      name.endsWith('.parquet'),
    );
    expect(scratch).toEqual([]);
  });

  it('appends, replaces and drops, releasing parts', async () => {
    await t.api
      .put('/api/v1/dataset/grow?kind=table.parquet')
      .send({ data: [{ n: 1 }] })
      .expect(200);
    await t.api
      .put('/api/v1/dataset/grow')
      .send({ data: [{ n: 2, extra: 'new' }], append: true })
      .expect(200);
    expect((await t.api.get('/api/v1/dataset/grow?orient=records')).body).toEqual([
      { n: 1, extra: null },
      { n: 2, extra: 'new' },
    ]);
    expect(await partsOf('grow')).toHaveLength(2);
    const blobsBefore = await blobCount();
    await t.api
      .put('/api/v1/dataset/grow')
      .send({ data: [{ n: 9.5 }], kind: 'table.parquet' })
      .expect(200);
    expect((await t.api.get('/api/v1/dataset/grow?orient=records')).body).toEqual([{ n: 9.5 }]);
    expect(await blobCount()).toBe(blobsBefore - 1);
    const setParts = await partsOf('grow');
    await t.api.delete('/api/v1/dataset/grow').expect(200);
    expect(
      await t.databases.db(ctx).collection(PARTS_COLLECTION).countDocuments({ set: setParts[0].set }),
    ).toBe(0);
    expect(await blobCount()).toBe(blobsBefore - 2);
  });

  it('loses no rows to concurrent appends', async () => {
    await t.api
      .put('/api/v1/dataset/busy?kind=table.parquet')
      .send({ data: [{ k: -1 }] })
      .expect(200);
    await Promise.all(
      Array.from({ length: 6 }, (_, writer) =>
        t.api
          .put('/api/v1/dataset/busy')
          .send({ data: Array.from({ length: 50 }, (_, i) => ({ k: writer * 100 + i })), append: true })
          .expect(200),
      ),
    );
    const back = await t.api.get('/api/v1/dataset/busy?orient=records&sort=k').expect(200);
    expect(back.body).toHaveLength(301);
    expect(new Set(back.body.map((r: { k: number }) => r.k)).size).toBe(301);
  });

  it('prunes parts by their statistics and reads only the parts a limit needs', async () => {
    await t.api.put('/api/v1/dataset/ranges?kind=table.parquet').send({ data: [{ x: 1 }, { x: 5 }] });
    await t.api.put('/api/v1/dataset/ranges').send({ data: [{ x: 6 }, { x: 10 }], append: true });
    await t.api.put('/api/v1/dataset/ranges').send({ data: [{ x: 11 }, { x: 20 }], append: true });
    expect(await partsOf('ranges')).toHaveLength(3);
    dropCachedFiles();
    let before = cache.fetched;
    const high = await t.api.get('/api/v1/dataset/ranges?orient=records&x__gt=10').expect(200);
    expect(high.body).toEqual([{ x: 11 }, { x: 20 }]);
    expect(cache.fetched - before).toBe(1);
    before = cache.fetched;
    const first = await t.api.get('/api/v1/dataset/ranges?orient=records&limit=1').expect(200);
    expect(first.body).toEqual([{ x: 1 }]);
    expect(cache.fetched - before).toBe(1);
    before = cache.fetched;
    const paged = await t.api.get('/api/v1/dataset/ranges?orient=records&skip=3&limit=2').expect(200);
    expect(paged.body).toEqual([{ x: 10 }, { x: 11 }]);
    // The second part only: the third is local since the filtered read.
    expect(cache.fetched - before).toBe(1);
    const none = await t.api.get('/api/v1/dataset/ranges?orient=records&x__gt=100').expect(200);
    expect(none.body).toEqual([]);
    // Warm now: no part is fetched again.
    before = cache.fetched;
    await t.api.get('/api/v1/dataset/ranges?orient=records').expect(200);
    expect(cache.fetched - before).toBe(0);
  });

  it('keeps the cache across a restart and under its cap', async () => {
    // A filtered read goes to the parts (the first rows may come from the process's copy), so they are local.
    await t.api.get('/api/v1/dataset/sales?limit=1&id__gte=0').expect(200);
    const again = await startTestApp({
      config: { mongoDbPrefix: t.config.mongoDbPrefix, cacheDir: t.config.cacheDir, cacheMaxBytes: 4096 },
    });
    try {
      const restarted = again.app.get(PartCache);
      const response = await again.api.get('/api/v1/dataset/sales?orient=records').expect(200);
      expect(response.body).toEqual(rows);
      expect(restarted.fetched).toBe(0);
      expect(restarted.bytes).toBeLessThanOrEqual(4096);
      const onDisk = readdirSync(t.config.cacheDir).filter((name) => name.endsWith('.parquet'));
      expect(onDisk.length).toBeGreaterThan(0);
      expect(onDisk.length).toBeLessThan((await partCount()) + 1);
    } finally {
      // Not close(): that drops the databases the first app still uses.
      await again.app.close();
      rmSync(again.config.dataDir, { recursive: true, force: true });
    }
  });
});
