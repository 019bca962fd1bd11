import { TenantContext } from '@omega/core';
import { PARTS_COLLECTION } from '@omega/datasets';
import {
  Bool,
  Float64,
  Int32,
  Int64,
  makeData,
  Null,
  RecordBatch,
  RecordBatchStreamWriter,
  Struct,
  Field,
  Schema,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  DataType,
} from 'apache-arrow';
import { startTestApp, TestApp } from './support/test-app';

const ARROW = 'application/vnd.apache.arrow.stream';

/** One Arrow record batch of the given columns (name, Arrow type, values with nulls). */
function batch(columns: [string, DataType, unknown[]][]): RecordBatch {
  const schema = new Schema(columns.map(([name, type]) => new Field(name, type, true)));
  const children = columns.map(([, type, values]) => vectorFromArray(values, type).data[0]);
  const length = columns[0][2].length;
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, children }));
}

function arrowBody(batches: RecordBatch[]): Buffer {
  return Buffer.from(RecordBatchStreamWriter.writeAll(batches).toUint8Array(true));
}

/**
 * Puts through the columnar write paths (Arrow batches a column at a time, CSV lines split by hand) give
 * exactly what the record path gives: each body is also stored as table.rows, and both must read back the
 * same columns, types and values, or fail with the same 400, storing nothing.
 */
describe('table.parquet: columnar puts answer as the record path does', () => {
  let t: TestApp;
  const ctx = TenantContext.of('default');
  const blobCount = () => t.databases.db(ctx).collection('blobs.files').countDocuments();
  const partCount = () => t.databases.db(ctx).collection(PARTS_COLLECTION).countDocuments();

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const put = (name: string, kind: string, type: string, body: Buffer | string, query = '') =>
    t.api
      .put(`/api/v1/dataset/${encodeURIComponent(name)}?kind=${kind}${query}`)
      .set('Content-Type', type)
      .send(body);

  /** The body stored as both kinds: the same metadata columns and rows (JSON records) from each. */
  async function sameAsRows(name: string, type: string, bodies: (Buffer | string)[]) {
    for (const kind of ['table.rows', 'table.parquet']) {
      for (const [index, body] of bodies.entries())
        await put(`${name}-${kind}`, kind, type, body, index > 0 ? '&append=true' : '').expect(200);
    }
    const read = async (kind: string) => {
      const meta = await t.api.get(`/api/v1/dataset/${encodeURIComponent(`${name}-${kind}`)}/metadata`);
      const rows = await t.api.get(`/api/v1/dataset/${encodeURIComponent(`${name}-${kind}`)}?orient=records`);
      return { columns: meta.body.kindMeta.columns, rows: rows.body as Record<string, unknown>[] };
    };
    const [rows, parquet] = [await read('table.rows'), await read('table.parquet')];
    expect(parquet).toEqual(rows);
    return parquet;
  }

  /** The body refused by both kinds with the same 400, and the columnar one stores nothing. */
  async function refusedAsRows(name: string, type: string, body: Buffer | string): Promise<string> {
    const expected = await put(`${name}-rows`, 'table.rows', type, body).expect(400);
    const before = { blobs: await blobCount(), parts: await partCount() };
    const response = await put(name, 'table.parquet', type, body).expect(400);
    expect(response.body.message).toBe(expected.body.message);
    await t.api.get(`/api/v1/dataset/${name}/metadata`).expect(404);
    expect({ blobs: await blobCount(), parts: await partCount() }).toEqual(before);
    return response.body.message as string;
  }

  it('round-trips every Arrow column type, awkward names and nulls, widening across batches', async () => {
    const day = (n: number) => new Date(Date.UTC(2024, 0, 1 + n, 12, 30));
    const first = batch([
      ['whole floats', new Float64(), [1, 2, null, 4]],
      ['price.eur', new Float64(), [1.5, NaN, 3.25, -0]],
      ['$count', new Int32(), [1, null, 3, -4]],
      ['big', new Int64(), [1n, -2n, null, 9007199254740991n]],
      ['ok', new Bool(), [true, null, false, true]],
      ['name ü 名', new Utf8(), ['a', '', null, '😀 x']],
      ['day', new TimestampMillisecond(), [day(0), null, day(2), day(3)]],
      ['nothing', new Null(), [null, null, null, null]],
    ]);
    const second = batch([
      ['whole floats', new Float64(), [5.5, null]],
      ['price.eur', new Float64(), [7, 8]],
      ['$count', new Int32(), [null, 6]],
      ['big', new Int64(), [7n, null]],
      ['ok', new Bool(), [null, false]],
      ['name ü 名', new Utf8(), ['z', null]],
      ['day', new TimestampMillisecond(), [null, day(5)]],
      ['nothing', new Null(), [null, null]],
    ]);
    const { columns, rows } = await sameAsRows('arrow-types', ARROW, [arrowBody([first, second])]);
    expect(columns.map((column: { type: string }) => column.type)).toEqual([
      'number',
      'number',
      'integer',
      'integer',
      'boolean',
      'string',
      'datetime',
      'null',
    ]);
    expect(rows).toHaveLength(6);
    expect(rows[4]).toMatchObject({ 'whole floats': 5.5, 'name ü 名': 'z', nothing: null });
  });

  it('appends Arrow batches with new and missing columns as the record path does', async () => {
    const first = batch([
      ['a', new Int32(), [1, 2]],
      ['b', new Utf8(), ['x', 'y']],
    ]);
    const second = batch([
      ['b', new Utf8(), ['z', null]],
      ['c', new Float64(), [0.5, 1]],
    ]);
    const { columns } = await sameAsRows('arrow-append', ARROW, [arrowBody([first]), arrowBody([second])]);
    expect(columns.map((column: { name: string }) => column.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses what the record path refuses in a later Arrow batch, naming the same row', async () => {
    const good = (rows: number) =>
      batch([
        ['x', new Float64(), Array.from({ length: rows }, (_v, index) => index / 2)],
        ['s', new Utf8(), Array.from({ length: rows }, (_v, index) => `v${index}`)],
      ]);
    const bad = (x: unknown, s: unknown) =>
      batch([
        ['x', new Float64(), [1, x]],
        ['s', new Utf8(), ['ok', s]],
      ]);
    const infinite = await refusedAsRows('arrow-inf', ARROW, arrowBody([good(3000), bad(Infinity, 'a')]));
    expect(infinite).toContain('row 3001');
    const nul = await refusedAsRows('arrow-nul', ARROW, arrowBody([good(3000), bad(2, 'a\u0000b')]));
    expect(nul).toContain('row 3001');
    const unsafe = batch([['n', new Int64(), [1n, 9007199254740993n]]]);
    await refusedAsRows('arrow-unsafe', ARROW, arrowBody([unsafe]));
    // A column stored as text, appended numbers: a type clash.
    await put('arrow-clash', 'table.parquet', ARROW, arrowBody([batch([['v', new Utf8(), ['a']]])])).expect(
      200,
    );
    const response = await put(
      'arrow-clash',
      'table.parquet',
      ARROW,
      arrowBody([batch([['v', new Float64(), [null, 2]]])]),
      '&append=true',
    ).expect(400);
    expect(response.body.message).toContain('"v"');
    expect(response.body.message).toContain('row 2');
  });

  it('round-trips every CSV column type, quoted lines and awkward names through the hand-split lines', async () => {
    const lines = ['id,price.eur,$ok,name ü,day,empty'];
    for (let row = 0; row < 3000; row++)
      lines.push(
        `${row},${row / 4},${row % 2 === 0 ? 'true' : 'False'},n${row},2024-01-0${(row % 9) + 1}T00:00:00Z,`,
      );
    // Past the first rows (types are inferred by then): a quoted line hands the rest to csv-parse.
    lines.push('3000,1.5,true,"a, ""quoted"" name",2024-02-01T10:00:00Z,');
    lines.push('3001,2,false,plain again,2024-02-02T10:00:00Z,');
    lines.push('');
    const { columns, rows } = await sameAsRows('csv-types', 'text/csv', [lines.join('\n')]);
    expect(columns.map((column: { type: string }) => column.type)).toEqual([
      'integer',
      'number',
      'boolean',
      'string',
      'string',
      // Only empty cells: inferred as text, stored as a column of nulls, as the record path does.
      'null',
    ]);
    expect(rows[3000]).toMatchObject({ 'name ü': 'a, "quoted" name', $ok: true });
    expect(rows).toHaveLength(3002);
  });

  it('answers a CSV type clash in row 200,001 with 400 naming its line and column, storing nothing', async () => {
    const lines = ['a,b'];
    for (let row = 0; row < 200_000; row++) lines.push(`${row},${row % 7}`);
    lines.push('200000,seven');
    const message = await refusedAsRows('csv-clash', 'text/csv', `${lines.join('\n')}\n`);
    expect(message).toContain('CSV line 200002');
    expect(message).toContain('column b');
  });

  it('refuses a CSV line of the wrong length after plain lines with csv-parse’s own message', async () => {
    const message = await refusedAsRows('csv-short', 'text/csv', 'a,b\n1,2\n\n3,4\n5\n6,7\n');
    expect(message).toContain('line 5');
  });
});
