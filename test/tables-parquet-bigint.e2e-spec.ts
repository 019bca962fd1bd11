import { TenantContext } from '@omega/core';
import { PARTS_COLLECTION } from '@omega/datasets';
import {
  Field,
  Float64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Uint64,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { tmpdir } from 'node:os';
// The module object the plugin calls: a spy on it tells which parser wrote a body.
// eslint-disable-next-line no-restricted-imports
import * as csvParts from '../libs/datasets/src/table-parquet/csv-parts';
import { parquetFile } from './support/parquet-file';
import { startTestApp, TestApp } from './support/test-app';

const CSV = 'text/csv';
const JSON_TYPE = 'application/json';
const ARROW = 'application/vnd.apache.arrow.stream';
const PARQUET = 'application/vnd.apache.parquet';

/** Whole numbers written as digits that no signed 64-bit integer holds (as doubles, all but one). */
const BEYOND = ['18446744073709551616', '9223372036854775807', '100000000000000000000', '-1e20'];
/** Whole numbers past 2^53 that a 64-bit integer still holds once read as doubles. */
const WITHIN = ['-9223372036854775809', '1152921504606846977'];

function arrowBody(columns: [string, DataType, unknown[]][]): Buffer {
  const schema = new Schema(columns.map(([name, type]) => new Field(name, type, true)));
  const children = columns.map(([, type, values]) => vectorFromArray(values, type).data[0]);
  const length = columns[0][2].length;
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, children }));
  return Buffer.from(RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true));
}

/**
 * Whole numbers beyond a signed 64-bit integer, which table.rows keeps as doubles: the columnar kind types
 * such a column `number` and gives back the values table.rows gives, from CSV (JavaScript and DuckDB
 * paths), JSON records, appends and Parquet uploads; never a 500.
 */
describe('table.parquet: whole numbers beyond int64', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** What the tenant holds: blobs and part entries (a refused put must add neither). */
  const held = async () => {
    const db = t.databases.db(TenantContext.of('default'));
    const count = (name: string) => db.collection(name).countDocuments();
    return { blobs: await count('blobs.files'), parts: await count(PARTS_COLLECTION) };
  };

  const put = (name: string, kind: string, type: string, body: Buffer | string, query = '') => {
    const path = `/api/v1/dataset/${encodeURIComponent(name)}?kind=${kind}${query}`;
    return t.api.put(path).set('Content-Type', type).send(body);
  };

  const read = async (name: string) => {
    const path = `/api/v1/dataset/${encodeURIComponent(name)}`;
    const meta = await t.api.get(`${path}/metadata`).expect(200);
    const rows = await t.api.get(`${path}?orient=records`).expect(200);
    return { columns: meta.body.kindMeta.columns, rows: rows.body as Record<string, unknown>[] };
  };

  /**
   * Puts the bodies (the later ones appended) as both kinds; both answer 200 and read back the same names
   * and rows. Answers the columnar kind's column types by name.
   */
  async function sameAsRows(name: string, type: string, bodies: (Buffer | string)[]) {
    for (const kind of ['table.rows', 'table.parquet']) {
      for (const [index, body] of bodies.entries()) {
        const response = await put(`${name}-${kind}`, kind, type, body, index > 0 ? '&append=true' : '');
        expect({ kind, index, status: response.status, body: response.body }).toMatchObject({ status: 200 });
      }
    }
    const rows = await read(`${name}-table.rows`);
    const parquet = await read(`${name}-table.parquet`);
    expect(parquet.rows).toEqual(rows.rows);
    const names = (columns: { name: string }[]) => columns.map((column) => column.name);
    expect(names(parquet.columns)).toEqual(names(rows.columns));
    return {
      types: Object.fromEntries(
        (parquet.columns as { name: string; type: string }[]).map((column) => [column.name, column.type]),
      ),
      rows: parquet.rows,
    };
  }

  it('stores a CSV column beyond int64 as number, with the values table.rows gives back', async () => {
    const lines = ['id,big,within,small'];
    BEYOND.forEach((big, row) => lines.push(`${row},${big},${WITHIN[row % WITHIN.length]},${row}`));
    const { types, rows } = await sameAsRows('csv-beyond', CSV, [`${lines.join('\n')}\n`]);
    expect(types).toEqual({ id: 'integer', big: 'number', within: 'integer', small: 'integer' });
    expect(rows.map((row) => row.big)).toEqual(BEYOND.map(Number));
    expect(rows.map((row) => row.within)).toEqual(BEYOND.map((_big, row) => Number(WITHIN[row % 2])));
  });

  it('hands a large CSV body with such a number deep inside from DuckDB to the JavaScript parser', async () => {
    const spy = jest.spyOn(csvParts, 'writeCsvParts');
    try {
      const lines = ['id,value,pad'];
      const rows = 40_000;
      for (let row = 0; row < rows; row++)
        lines.push(`${row},${row === rows - 7 ? BEYOND[0] : row * 3},${'p'.repeat(30)}`);
      const body = `${lines.join('\n')}\n`;
      expect(body.length).toBeGreaterThan(csvParts.CSV_SPOOL_MIN_BYTES);
      const stored = await sameAsRows('csv-large-beyond', CSV, [body]);
      expect(stored.types).toEqual({ id: 'integer', value: 'number', pad: 'string' });
      expect(stored.rows[rows - 7].value).toBe(Number(BEYOND[0]));
      expect(stored.rows[rows - 8].value).toBe((rows - 8) * 3);
      const outcome = (await spy.mock.results[spy.mock.results.length - 1].value) as csvParts.CsvPartsOutcome;
      expect(outcome.written).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  it('stores JSON records beyond int64 as number, nulls and small integers beside them', async () => {
    const data = `[${BEYOND.map((big, row) => `{"id":${row},"big":${row === 1 ? 'null' : big}}`).join(',')}]`;
    const { types, rows } = await sameAsRows('json-beyond', JSON_TYPE, [`{"data":${data}}`]);
    expect(types).toEqual({ id: 'integer', big: 'number' });
    expect(rows.map((row) => row.big)).toEqual(BEYOND.map((big, row) => (row === 1 ? null : Number(big))));
  });

  it('widens a stored integer column to number when an append holds a value beyond int64', async () => {
    const first = '{"data":[{"id":0,"n":1},{"id":1,"n":-2}]}';
    // A JSON body says `append` in itself.
    const json = `{"data":[{"id":2,"n":${BEYOND[2]}},{"id":3,"n":5}],"append":true}`;
    const csv = `id,n\n4,${BEYOND[0]}\n5,6\n`;
    const { types, rows } = await sameAsRows('append-beyond', JSON_TYPE, [first, json]);
    expect(types).toEqual({ id: 'integer', n: 'number' });
    expect(rows.map((row) => row.n)).toEqual([1, -2, 1e20, 5]);
    for (const kind of ['table.rows', 'table.parquet'])
      await put(`append-beyond-${kind}`, kind, CSV, csv, '&append=true').expect(200);
    const [stored, parquet] = [
      await read('append-beyond-table.rows'),
      await read('append-beyond-table.parquet'),
    ];
    expect(parquet.rows).toEqual(stored.rows);
    expect(parquet.rows.map((row) => row.n)).toEqual([1, -2, 1e20, 5, Number(BEYOND[0]), 6]);
  });

  it('widens a stored integer column from a CSV append the same way', async () => {
    const bodies = ['id,n\n0,1\n1,2\n', `id,n\n2,${BEYOND[1]}\n3,4\n`];
    const { types, rows } = await sameAsRows('append-csv-beyond', CSV, bodies);
    expect(types).toEqual({ id: 'integer', n: 'number' });
    expect(rows.map((row) => row.n)).toEqual([1, 2, 2 ** 63, 4]);
  });

  it('answers 400 naming row and column for such a value in a column declared integer, storing nothing', async () => {
    const before = await held();
    const body = `{"data":[{"id":0,"n":1},{"id":1,"n":${BEYOND[0]}}],"dtypes":{"n":"int64"}}`;
    const response = await put('declared-beyond', 'table.parquet', JSON_TYPE, body).expect(400);
    expect(response.body.message).toContain('column "n" row 1');
    await t.api.get('/api/v1/dataset/declared-beyond/metadata').expect(404);
    expect(await held()).toEqual(before);
  });

  it('stores Parquet UBIGINT and HUGEINT columns beyond int64 as number, those within as integer', async () => {
    const body = await parquetFile(
      `SELECT * FROM (VALUES (1, 18446744073709551615::UBIGINT, (2::HUGEINT ** 70)::HUGEINT, 7::UBIGINT),
        (2, NULL, -(2::HUGEINT ** 64)::HUGEINT, 9223372036854775807::UBIGINT)) AS t(id, u, h, fits)`,
      tmpdir(),
    );
    const { types, rows } = await sameAsRows('parquet-beyond', PARQUET, [body]);
    expect(types).toEqual({ id: 'integer', u: 'number', h: 'number', fits: 'integer' });
    expect(rows).toEqual([
      { id: 1, u: 2 ** 64, h: 2 ** 70, fits: 7 },
      { id: 2, u: null, h: -(2 ** 64), fits: 2 ** 63 },
    ]);
  });

  it('stores Arrow doubles beyond int64 as number and refuses uint64 beyond 2^53 as table.rows does', async () => {
    const doubles = arrowBody([['x', new Float64(), [1, 1e20, null, -1e19]]]);
    const { types, rows } = await sameAsRows('arrow-doubles-beyond', ARROW, [doubles]);
    expect(types).toEqual({ x: 'number' });
    expect(rows.map((row) => row.x)).toEqual([1, 1e20, null, -1e19]);

    const unsigned = arrowBody([['u', new Uint64(), [1n, 18446744073709551615n]]]);
    const expected = await put('arrow-uint64-rows', 'table.rows', ARROW, unsigned).expect(400);
    const before = await held();
    const response = await put('arrow-uint64', 'table.parquet', ARROW, unsigned).expect(400);
    expect(response.body.message).toBe(expected.body.message);
    expect(await held()).toEqual(before);
  });
});
