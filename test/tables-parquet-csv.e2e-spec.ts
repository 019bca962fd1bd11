import { TenantContext } from '@omega/core';
import { PARTS_COLLECTION } from '@omega/datasets';
// The module object the plugin calls: a spy on it tells which parser wrote a body.
// eslint-disable-next-line no-restricted-imports
import * as csvParts from '../libs/datasets/src/table-parquet/csv-parts';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';

const CSV = 'text/csv';
/** Makes short rows long enough for a body past CSV_SPOOL_MIN_BYTES in a few thousand rows. */
const PAD = 'p'.repeat(40);

/** A CSV body of `rows` lines past the header, each made by `line(row)`. */
function csvBody(header: string, rows: number, line: (row: number) => string, tail: string[] = []): string {
  const lines = [header];
  for (let row = 0; row < rows; row++) lines.push(line(row));
  return `${[...lines, ...tail].join('\n')}\n`;
}

/**
 * Large CSV bodies are parsed by DuckDB (spooled in segments, parts written from typed tables) unless DuckDB
 * might read them otherwise than the JavaScript parser; either way a put gives exactly what the record path
 * gives. Each body is stored as table.rows too, and both must read back the same columns, types and
 * values, or fail with the same 400, storing nothing.
 */
describe('table.parquet: large CSV bodies through DuckDB', () => {
  let t: TestApp;
  const ctx = TenantContext.of('default');
  const blobCount = () => t.databases.db(ctx).collection('blobs.files').countDocuments();
  const partCount = () => t.databases.db(ctx).collection(PARTS_COLLECTION).countDocuments();
  let outcomes: jest.SpyInstance;

  beforeAll(async () => {
    t = await startTestApp();
  });
  beforeEach(() => {
    outcomes = jest.spyOn(csvParts, 'writeCsvParts');
  });
  afterEach(() => outcomes.mockRestore());
  afterAll(() => t.close());

  /** Whether the last columnar put was written by DuckDB (true) or handed back to JavaScript (false). */
  async function byDuckdb(): Promise<boolean> {
    const results = outcomes.mock.results;
    expect(results.length).toBeGreaterThan(0);
    const outcome = (await results[results.length - 1].value) as csvParts.CsvPartsOutcome;
    return outcome.written;
  }

  const put = (name: string, kind: string, body: string) =>
    t.api
      .put(`/api/v1/dataset/${encodeURIComponent(name)}?kind=${kind}`)
      .set('Content-Type', CSV)
      .send(body);

  async function sameAsRows(name: string, body: string) {
    expect(body.length).toBeGreaterThan(csvParts.CSV_SPOOL_MIN_BYTES);
    await put(`${name}-table.rows`, 'table.rows', body).expect(200);
    await put(`${name}-table.parquet`, 'table.parquet', body).expect(200);
    const read = async (kind: string) => {
      const path = `/api/v1/dataset/${encodeURIComponent(`${name}-${kind}`)}`;
      const meta = await t.api.get(`${path}/metadata`).expect(200);
      const rows = await t.api.get(`${path}?orient=records`).expect(200);
      return {
        columns: meta.body.kindMeta.columns,
        rows: rows.body as Record<string, unknown>[],
        count: meta.body.kindMeta.rows,
      };
    };
    const parquet = await read('table.parquet');
    expect(parquet).toEqual(await read('table.rows'));
    return parquet;
  }

  async function refusedAsRows(name: string, body: string): Promise<string> {
    const expected = await put(`${name}-rows`, 'table.rows', body).expect(400);
    const before = { blobs: await blobCount(), parts: await partCount() };
    const response = await put(name, 'table.parquet', body).expect(400);
    expect(response.body.message).toBe(expected.body.message);
    await t.api.get(`/api/v1/dataset/${name}/metadata`).expect(404);
    expect({ blobs: await blobCount(), parts: await partCount() }).toEqual(before);
    return response.body.message as string;
  }

  it('round-trips every CSV column type across segments and parts, widening and key order as JavaScript', async () => {
    // 150,000 rows of about 130 bytes: two segments and two parts. `w` holds whole numbers only until
    // row 140,000 (integer, then number); `late` is empty until row 100,000; names that are array
    // indexes come first in a record, as in the record path.
    const text = 'x'.repeat(60);
    const body = csvBody('id,price.eur,$ok,name ü 名,w,late,empty,2,1,snake_case', 150_000, (row) =>
      [
        row - 70_000,
        (row * 0.37 - 5000).toPrecision(17),
        // Only these four are inferred as booleans; later rows may also say 1, 0 or TRUE.
        row < 1000 ? ['true', 'False'][row % 2] : ['true', 'False', '1', '0', 'TRUE'][row % 5],
        row % 11 === 0 ? '' : `n${row} ü 😀 ${text}`,
        row < 140_000 ? row % 1000 : row / 8,
        row < 100_000 ? '' : `v${row}`,
        '',
        row % 3 === 0 ? '' : String(row),
        '-0',
        `s_${row}`,
      ].join(','),
    );
    const { columns, rows, count } = await sameAsRows('csv-duck-types', body);
    expect(await byDuckdb()).toBe(true);
    expect(count).toBe(150_000);
    expect(columns.map((column: { name: string; type: string }) => `${column.name}:${column.type}`)).toEqual([
      '1:integer',
      '2:integer',
      'id:integer',
      'price.eur:number',
      '$ok:boolean',
      'name ü 名:string',
      'w:number',
      'late:string',
      'empty:null',
      'snake_case:string',
    ]);
    expect(rows[140_001]).toMatchObject({ w: 140_001 / 8, late: 'v140001', $ok: false, id: 70_001 });
  });

  it('reads random doubles exactly as JavaScript does', async () => {
    let state = 12345;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const body = csvBody('a,b,c', 40_000, () =>
      [(random() * 2000 - 1000).toString(), (random() * 1e-300).toString(), `${random() * 1e15}`].join(','),
    );
    await sameAsRows('csv-duck-doubles', body);
    expect(await byDuckdb()).toBe(true);
  });

  it('answers a type clash at row 150,001 with 400 naming its line and column, storing nothing', async () => {
    const body = csvBody('a,b', 150_000, (row) => `${row},${row % 7}`, ['150000,seven']);
    const message = await refusedAsRows('csv-duck-clash', body);
    expect(message).toContain('CSV line 150002');
    expect(message).toContain('column b');
    expect(await byDuckdb()).toBe(false);
  });

  it('refuses numbers DuckDB would read and JavaScript does not, as JavaScript does', async () => {
    for (const [index, bad] of ['1_000', 'nan', '1e999'].entries()) {
      const body = csvBody('a,b,s', 30_000, (row) => `${row},${row / 2},${PAD}`, [`5,${bad},x`, '6,7,x']);
      const message = await refusedAsRows(`csv-duck-number-${index}`, body);
      expect(message).toContain('CSV line 30002');
    }
  });

  it('refuses a bad boolean and a short line deep in the body as JavaScript does', async () => {
    const booleans = csvBody('a,ok,s', 30_000, (row) => `${row},${row % 2 === 0},${PAD}`, ['1,yes,x']);
    expect(await refusedAsRows('csv-duck-boolean', booleans)).toContain('CSV line 30002');
    const short = csvBody('a,b', 30_000, (row) => `${row},${PAD}`, ['1']);
    await refusedAsRows('csv-duck-short', short);
  });

  it('hands quoted, CRLF, BOM and one-column bodies with empty lines to the JavaScript parser', async () => {
    const rows = 40_000;
    const quoted = csvBody('a,s', rows, (row) => `${row},x${row}${PAD}`, ['1,"a, ""b"""']);
    await sameAsRows('csv-duck-quoted', quoted);
    expect(await byDuckdb()).toBe(false);
    const crlf = csvBody('a,s', rows, (row) => `${row},x${row}${PAD}\r`);
    await sameAsRows('csv-duck-crlf', crlf);
    expect(await byDuckdb()).toBe(false);
    const bom = `\ufeff${csvBody('a,s', rows, (row) => `${row},x${row}${PAD}`)}`;
    await sameAsRows('csv-duck-bom', bom);
    expect(await byDuckdb()).toBe(false);
    const single = csvBody('a', rows, (row) => (row === rows / 2 ? '' : `${row}${PAD}`));
    await sameAsRows('csv-duck-single', single);
    expect(await byDuckdb()).toBe(false);
  });

  it('stores SQL and file names in a header and cells as text, never running them, in DuckDB', async () => {
    const planted = join(tmpdir(), `omega-csv-attack-${process.pid}.csv`);
    rmSync(planted, { force: true });
    const header = `id,x'); COPY (SELECT 42) TO '${planted}'; --,read_csv('/etc/passwd')`;
    const body = csvBody(header, 40_000, (row) =>
      row % 2 === 0
        ? `${row},'); ATTACH '${planted}' AS a; --,${PAD}`
        : `${row},read_csv('/etc/passwd'),${PAD}`,
    );
    const stored = await sameAsRows('csv-duck-attack', body);
    expect(await byDuckdb()).toBe(true);
    expect(stored.columns.map((column: { name: string }) => column.name)).toEqual(header.split(','));
    expect(stored.rows[1]).toEqual({
      id: 1,
      [header.split(',')[1]]: "read_csv('/etc/passwd')",
      [header.split(',')[2]]: PAD,
    });
    expect(JSON.stringify(stored.rows)).not.toContain('root:');
    expect(existsSync(planted)).toBe(false);
  });

  it('skips empty lines of a wider body as JavaScript does, in DuckDB', async () => {
    const body = csvBody('a,s', 40_000, (row) => (row % 1000 === 999 ? '' : `${row},x${row}${PAD}`));
    await sameAsRows('csv-duck-empty-lines', body);
    expect(await byDuckdb()).toBe(true);
  });
});
