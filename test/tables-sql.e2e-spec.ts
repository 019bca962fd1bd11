import { TenantContext } from '@omega/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

/**
 * `POST /api/v1/dataset/sql`: read-only DuckDB SQL over the caller's columnar tables, tried as an attacker
 * would (files, network, extensions, writes, other tenants), and `POST /dataset/{name}/convert`.
 */
describe('SQL over columnar tables, and convert', () => {
  let t: TestApp;
  let other: TestPrincipal;
  const ctx = TenantContext.of('default');
  const sales = [
    { id: 1, region_id: 10, price: 2.5 },
    { id: 2, region_id: 20, price: 4 },
    { id: 3, region_id: 10, price: 1.5 },
  ];
  const regions = [
    { region_id: 10, name: 'EU' },
    { region_id: 20, name: 'US' },
  ];
  const sql = (query: string, into?: string) =>
    t.api.post('/api/v1/dataset/sql').send(into === undefined ? { query } : { query, into });

  beforeAll(async () => {
    t = await startTestApp({ config: { sqlTimeoutSeconds: 2 } });
    await t.api.put('/api/v1/dataset/sales?kind=table.parquet').send({ data: sales }).expect(200);
    await t.api.put('/api/v1/dataset/regions?kind=table.parquet').send({ data: regions }).expect(200);
    other = await t.createPrincipal({ tenant: 'rival' });
    await other.api
      .put('/api/v1/dataset/secrets?kind=table.parquet')
      .send({ data: [{ password: 'hunter2' }] })
      .expect(200);
  });
  afterAll(() => t.close());

  it('joins the caller’s tables and answers JSON records, CSV and Parquet', async () => {
    const query =
      'SELECT name, sum(price) AS total, count(*) AS n FROM sales JOIN regions USING (region_id) GROUP BY name ORDER BY name';
    const json = await sql(query).expect(200);
    expect(json.body).toEqual([
      { name: 'EU', total: 4, n: 2 },
      { name: 'US', total: 4, n: 1 },
    ]);
    const csv = await t.api.post('/api/v1/dataset/sql').set('Accept', 'text/csv').send({ query }).expect(200);
    expect(csv.text).toBe('name,total,n\nEU,4,2\nUS,4,1\n');
    const parquet = await t.api
      .post('/api/v1/dataset/sql')
      .set('Accept', 'application/vnd.apache.parquet')
      .send({ query })
      .expect(200);
    expect(parquet.headers['content-type']).toContain('application/vnd.apache.parquet');
  });

  it('stores an answer as a new table with into', async () => {
    const stored = await sql(
      'SELECT id, price * 2 AS double_price FROM sales WHERE price > 2 ORDER BY id',
      'pricey',
    );
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ name: 'pricey', kind: 'table.parquet' });
    const back = await t.api.get('/api/v1/dataset/pricey?orient=records').expect(200);
    expect(back.body).toEqual([
      { id: 1, double_price: 5 },
      { id: 2, double_price: 8 },
    ]);
  });

  const refusals: [string, string, RegExp][] = [
    ['a write', 'CREATE TABLE x AS SELECT 1', /only SELECT/],
    ['an insert', 'INSERT INTO sales VALUES (4, 10, 1.0)', /only SELECT/],
    ['two statements', 'SELECT 1; SELECT 2', /exactly one/],
    ['reading a file', "SELECT * FROM read_csv('/etc/passwd')", /query failed/],
    ['reading a file by name', "SELECT * FROM '/etc/passwd'", /query failed|no table/],
    ['ATTACH', "ATTACH '/tmp/evil.db' AS evil", /only SELECT|query failed/],
    ['INSTALL', 'INSTALL httpfs', /only SELECT|query failed/],
    ['LOAD', 'LOAD httpfs', /only SELECT|query failed/],
    ['COPY … TO', "COPY (SELECT * FROM sales) TO '/tmp/stolen.csv'", /only SELECT|query failed/],
    ['changing a setting', 'SET enable_external_access = true', /only SELECT|query failed/],
    ['another tenant’s table', 'SELECT * FROM secrets', /no table "secrets"/],
    ['a table.rows table', 'SELECT * FROM rowsy', /table\.rows.*convert/],
  ];

  it.each(refusals)('refuses %s with a 400 that changes nothing', async (_what, query, message) => {
    await t.api.put('/api/v1/dataset/rowsy?kind=table.rows').send({ data: [{ a: 1 }] });
    const before = (await t.stores.datasets.list(ctx)).total;
    const response = await sql(query).expect(400);
    expect(response.body.message).toMatch(message);
    expect((await t.stores.datasets.list(ctx)).total).toBe(before);
  });

  it('reads no file outside the query’s own parts, even when the file exists', async () => {
    const planted = join(t.config.cacheDir, 'scratch', 'planted.csv');
    writeFileSync(planted, 'secret\n42\n');
    const response = await sql(`SELECT * FROM sales, read_csv('${planted}')`).expect(400);
    expect(response.body.message).toMatch(/Permission|access/i);
  });

  it('stops a query past its time limit', async () => {
    const response = await sql('SELECT count(*) FROM range(100000000000) a, sales').expect(400);
    expect(response.body.message).toMatch(/longer than 2 s/);
  });

  it('keeps tenants apart: the other tenant sees its own table only', async () => {
    const own = await other.api
      .post('/api/v1/dataset/sql')
      .send({ query: 'SELECT * FROM secrets' })
      .expect(200);
    expect(own.body).toEqual([{ password: 'hunter2' }]);
    await other.api.post('/api/v1/dataset/sql').send({ query: 'SELECT * FROM sales' }).expect(400);
  });

  it('converts table.rows to table.parquet and back, keeping rows and types', async () => {
    const data = [
      { n: 1, x: 0.5, s: 'a', b: true, d: '2024-01-01T00:00:00.000Z' },
      { n: null, x: null, s: null, b: null, d: null },
    ];
    await t.api
      .put('/api/v1/dataset/conv?kind=table.rows')
      .send({ data, dtypes: { d: 'datetime' } })
      .expect(200);
    const toParquet = await t.api
      .post('/api/v1/dataset/conv/convert')
      .send({ kind: 'table.parquet' })
      .expect(200);
    expect(toParquet.body.kind).toBe('table.parquet');
    expect((await t.api.get('/api/v1/dataset/conv?orient=records')).body).toEqual(data);
    const toRows = await t.api.post('/api/v1/dataset/conv/convert').send({ kind: 'table.rows' }).expect(200);
    expect(toRows.body.kind).toBe('table.rows');
    expect(toRows.body.kindMeta.columns.map((c: { type: string }) => c.type)).toEqual([
      'integer',
      'number',
      'string',
      'boolean',
      'datetime',
    ]);
    expect((await t.api.get('/api/v1/dataset/conv?orient=records')).body).toEqual(data);
    await t.api.post('/api/v1/dataset/conv/convert').send({ kind: 'json.docs' }).expect(400);
  });
});
