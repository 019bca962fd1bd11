import { LoggerService } from '@nestjs/common';
import { TenantContext } from '@omega/core';
import { MAX_CELL_CHARS, MAX_CSV_LINE_CHARS, MAX_JSON_DEPTH } from '@omega/datasets';
import { RecordBatchReader, tableFromArrays, tableToIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createTestSqlDatabase, TestSqlDatabase } from './support/sql-databases';
import { startTestApp, TestApp } from './support/test-app';

/** Error log lines only: what the API reports about its own failures. */
class ErrorLog implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  error(...args: unknown[]): void {
    this.errors.push(args.map(String).join(' '));
  }
}

/** A raw answer, as a client reading the socket sees it: `complete` is false when the body was cut. */
interface RawAnswer {
  status: number;
  contentType: string;
  body: Buffer;
  complete: boolean;
}

const ARROW_END_MARKER = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('hostile input gets a clear 4xx, and a failing answer ends detectably', () => {
  let t: TestApp;
  let source: TestSqlDatabase;
  const log = new ErrorLog();
  const ctx = TenantContext.of('default');

  beforeAll(async () => {
    source = await createTestSqlDatabase('postgres');
    t = await startTestApp({
      config: {
        sqlHosts: ['127.0.0.1', 'localhost'],
        // SQL references keep their password encrypted with this key.
        secretKey: `hostile-input-test-key-${randomBytes(16).toString('hex')}`,
      },
      logger: log,
    });
    await t.api
      .put('/api/v1/dataset/kept')
      .send({ data: [{ a: 1 }, { a: 2 }] })
      .expect(200);
  });
  afterAll(async () => {
    await t?.close();
    await source?.drop();
  });

  /** The datasets the tenant holds, and `kept` exactly as it was. */
  async function expectOnly(names: string[]): Promise<void> {
    const { items } = await t.stores.datasets.list(ctx);
    expect(items.map((item) => item.name).sort()).toEqual([...names, 'kept'].sort());
    expect((await t.api.get('/api/v1/dataset/kept?orient=records')).body).toEqual([{ a: 1 }, { a: 2 }]);
  }

  function raw(path: string, accept = 'application/json'): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${t.url}${path}`, { headers: { ...t.auth, Accept: accept } }, (res) => {
        const parts: Buffer[] = [];
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type']),
            body: Buffer.concat(parts),
            complete: res.complete,
          });
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', done);
        // A cut chunked body surfaces as `aborted`/`error` rather than `end`, depending on timing.
        res.on('error', done);
      });
      request.on('error', reject);
      request.end();
    });
  }

  describe('JSON nesting is capped at one depth for every body and query parameter', () => {
    const message = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;

    it('refuses a 10,000-deep dataset body with 400 before validation', async () => {
      const response = await t.api
        .put('/api/v1/dataset/deep')
        .set('Content-Type', 'application/json')
        .send(`{"data": ${nested(10_000)}}`);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: `The request body holds ${message}`,
        code: 'INVALID_INPUT',
      });
      await expectOnly([]);
    });

    it('refuses deep JSON in a query filter, attributes and SQL secrets', async () => {
      const filter = await t.api
        .post('/api/v1/dataset/kept/query')
        .set('Content-Type', 'application/json')
        .send(`{"filter": {"a": ${nested(10_000)}}}`);
      expect(filter.status).toBe(400);
      expect(filter.body.message).toContain(message);
      const attributes = await t.api
        .put('/api/v1/dataset/deep')
        .set('Content-Type', 'application/json')
        .send(`{"data": [{"a": 1}], "attributes": {"x": ${nested(MAX_JSON_DEPTH)}}}`);
      expect(attributes.status).toBe(400);
      expect(attributes.body.message).toContain(message);
      const secrets = await t.api
        .put('/api/v1/dataset/deep')
        .set('Content-Type', 'application/json')
        .send(`{"sql": {"url": "sqlite:///x.db", "query": "SELECT 1", "secrets": {"p": ${nested(100)}}}}`);
      expect(secrets.status).toBe(400);
      expect(secrets.body.message).toContain(message);
      await expectOnly([]);
    });

    it('refuses deep JSON in query parameters (dtypes, sqlvars) on any route', async () => {
      const deep = encodeURIComponent(`{"x": ${nested(200)}}`);
      const dtypes = await t.api
        .put(`/api/v1/dataset/deep?dtypes=${deep}`)
        .set('Content-Type', 'text/csv')
        .send('x\n1\n');
      expect(dtypes.status).toBe(400);
      expect(dtypes.body.message).toBe(`Query parameter dtypes holds ${message}`);
      const sqlvars = await t.api.get(`/api/v1/dataset/kept?sqlvars=${deep}`);
      expect(sqlvars.status).toBe(400);
      expect(sqlvars.body.message).toBe(`Query parameter sqlvars holds ${message}`);
      // Brackets inside strings are text, not nesting.
      const quoted = await t.api.get(
        `/api/v1/dataset/kept?sqlvars=${encodeURIComponent(JSON.stringify({ v: '['.repeat(500) }))}`,
      );
      expect(quoted.status).toBe(200);
      await expectOnly([]);
    });

    it('stores JSON documents right up to the cap', async () => {
      const document = JSON.parse(nested(MAX_JSON_DEPTH - 1)) as unknown;
      const response = await t.api.put('/api/v1/dataset/just-deep-enough').send({ data: document });
      expect(response.status).toBe(200);
      expect((await t.api.get('/api/v1/dataset/just-deep-enough')).body).toEqual(document);
      await t.api.delete('/api/v1/dataset/just-deep-enough').expect(200);
    });
  });

  describe('oversized cells are refused, naming the row and column, and nothing is stored', () => {
    it('refuses a CSV field over the cell cap', async () => {
      const csv = `a,b\n1,x\n2,${'y'.repeat(MAX_CELL_CHARS + 1)}\n3,z\n`;
      const response = await t.api.put('/api/v1/dataset/wide').set('Content-Type', 'text/csv').send(csv);
      expect(response.status).toBe(400);
      expect(response.body.message).toBe(
        `CSV line 3, column "b": a value of ${MAX_CELL_CHARS + 1} characters is longer than the ${MAX_CELL_CHARS} allowed`,
      );
      await expectOnly([]);
    });

    it('refuses a 20 MiB CSV field while reading it, before it is buffered whole', async () => {
      const csv = `a,b\n1,x\n2,"${'y'.repeat(20 * 1024 * 1024)}"\n`;
      const response = await t.api.put('/api/v1/dataset/huge').set('Content-Type', 'text/csv').send(csv);
      expect(response.status).toBe(400);
      expect(response.body.message).toBe(
        `CSV line 3 (column "b") is longer than ${MAX_CSV_LINE_CHARS} characters`,
      );
      await expectOnly([]);
    });

    it('refuses an oversized cell in JSON and Arrow uploads, and in an append', async () => {
      const big = 'y'.repeat(MAX_CELL_CHARS + 1);
      const json = await t.api.put('/api/v1/dataset/wide').send({ data: [{ a: 'x' }, { a: big }] });
      expect(json.status).toBe(400);
      expect(json.body.message).toBe(
        `row 1, column "a": a value of ${MAX_CELL_CHARS + 1} characters is longer than the ${MAX_CELL_CHARS} allowed`,
      );
      const arrow = await t.api
        .put('/api/v1/dataset/wide')
        .set('Content-Type', 'application/vnd.apache.arrow.stream')
        .send(Buffer.from(tableToIPC(tableFromArrays({ a: ['x', big] }), 'stream')));
      expect(arrow.status).toBe(400);
      expect(arrow.body.message).toContain('row 1, column "a": a value of');
      const append = await t.api
        .put('/api/v1/dataset/kept')
        .send({ data: [{ a: 3 }, { a: big }], append: true });
      expect(append.status).toBe(400);
      await expectOnly([]);
    });
  });

  describe('text no store can keep (U+0000) is refused with 400, nothing stored', () => {
    it.each([
      ['a table cell', { data: [{ a: 'x' }, { a: 'x\u0000y' }] }, 'column "a" row 1: text must not hold'],
      ['a JSON document', { data: { a: { b: 'x\u0000y' } } }, 'JSON documents: text must not hold'],
      [
        'attributes',
        { data: [{ a: 1 }], attributes: { note: { deep: 'x\u0000' } } },
        'attributes: text must not hold',
      ],
      [
        'an attribute key',
        { data: [{ a: 1 }], attributes: { 'k\u0000': 1 } },
        'attributes: text must not hold',
      ],
      [
        'a SQL query',
        { sql: { url: 'postgresql://u@127.0.0.1/db', query: 'SELECT 1 -- \u0000' } },
        'query: text must not hold',
      ],
    ])('in %s', async (_what, body, message) => {
      const response = await t.api.put('/api/v1/dataset/nul').send(body);
      expect(response.status).toBe(400);
      expect(response.body.message).toContain(message);
      await expectOnly([]);
    });

    it('in a CSV cell', async () => {
      const response = await t.api
        .put('/api/v1/dataset/nul')
        .set('Content-Type', 'text/csv')
        .send('a\nx\ny\u0000z\n');
      expect(response.status).toBe(400);
      expect(response.body.message).toBe('column "a" row 1: text must not hold the NUL character (U+0000)');
      await expectOnly([]);
    });
  });

  describe('awkward column names round-trip in every format; unusable ones are refused', () => {
    const names = [
      ' ',
      '   ',
      ' lead',
      'trail ',
      'in side',
      '\u00a0nbsp',
      'ideo\u3000',
      'a.b',
      '..',
      '$x',
      'a$',
      '_id',
      '~',
      '~t',
      '~x20',
      'quote"d',
      "apo'strophe",
      'back\\slash',
      '\\"',
      'comma,name',
      'semi;colon',
      'é',
      '日本語',
      '😀',
      'zero\u200bwidth',
      'x'.repeat(1000),
    ];
    const row = (offset: number) => Object.fromEntries(names.map((name, index) => [name, index + offset]));
    const rows = [row(0), row(100), row(200)];

    it('stores them from JSON and answers them in records, dict, CSV and Arrow', async () => {
      const put = await t.api.put('/api/v1/dataset/awkward').send({ data: rows });
      expect(put.status).toBe(200);
      expect(put.body.kindMeta.columns.map((column: { name: string }) => column.name)).toEqual(names);

      const records = await raw('/api/v1/dataset/awkward?orient=records');
      expect(records).toMatchObject({ status: 200, complete: true });
      expect(JSON.parse(records.body.toString())).toEqual(rows);

      const dict = await raw('/api/v1/dataset/awkward?orient=dict');
      expect(dict).toMatchObject({ status: 200, complete: true });
      const data = (JSON.parse(dict.body.toString()) as { data: Record<string, Record<string, number>> })
        .data;
      expect(Object.keys(data)).toEqual(names);
      expect(data[' ']).toEqual({ 0: 0, 1: 100, 2: 200 });
      expect(data['x'.repeat(1000)]).toEqual({
        0: names.length - 1,
        1: 99 + names.length,
        2: 199 + names.length,
      });

      const csv = await raw('/api/v1/dataset/awkward', 'text/csv');
      expect(csv).toMatchObject({ status: 200, complete: true });
      expect(csv.body.toString().endsWith('\n')).toBe(true);
      const table = parse(csv.body.toString(), { bom: false }) as string[][];
      expect(table[0]).toEqual(names);
      expect(table.slice(1).map((cells) => cells.map(Number))).toEqual(rows.map((r) => Object.values(r)));

      const arrow = await raw('/api/v1/dataset/awkward', 'application/vnd.apache.arrow.stream');
      expect(arrow).toMatchObject({ status: 200, complete: true });
      expect(arrow.body.subarray(-8)).toEqual(ARROW_END_MARKER);
      const batches = [...RecordBatchReader.from(arrow.body)];
      expect(batches[0].schema.fields.map((field) => field.name)).toEqual(names);
      expect(batches[0].toArray().map((r) => Object.values(r.toJSON()).map(Number))).toEqual(
        rows.map((r) => Object.values(r)),
      );
    });

    it('filters, sorts and aggregates on them', async () => {
      const filtered = await t.api.post('/api/v1/dataset/awkward/query').send({
        filter: { ' __gte': 100, 'quote"d__lt': 250 },
        sort: ['-trail '],
        columns: [' ', 'back\\slash'],
      });
      expect(filtered.status).toBe(200);
      const backslash = names.indexOf('back\\slash');
      expect(filtered.body).toEqual([
        { ' ': 200, 'back\\slash': 200 + backslash },
        { ' ': 100, 'back\\slash': 100 + backslash },
      ]);
      const grouped = await t.api
        .post('/api/v1/dataset/awkward/query')
        .send({ groupby: ['ideo\u3000'], agg: { ' ': ['sum', 'max'] } });
      expect(grouped.status).toBe(200);
      expect(grouped.body).toEqual([
        { 'ideo\u3000': 6, ' _sum': 0, ' _max': 0 },
        { 'ideo\u3000': 106, ' _sum': 100, ' _max': 100 },
        { 'ideo\u3000': 206, ' _sum': 200, ' _max': 200 },
      ]);
    });

    it('stores them from column-shaped JSON, and as keys of JSON documents', async () => {
      const columns = Object.fromEntries(names.map((name) => [name, rows.map((r) => r[name])]));
      const put = await t.api.put('/api/v1/dataset/awkward-columns').send({ data: columns });
      expect(put.status).toBe(200);
      expect(put.body.kind).toBe('table.parquet');
      expect((await t.api.get('/api/v1/dataset/awkward-columns?orient=records')).body).toEqual(rows);

      const document = { nested: { ...rows[0], inner: [rows[1]] } };
      const docs = await t.api.put('/api/v1/dataset/awkward-docs').send({ data: document });
      expect(docs.status).toBe(200);
      expect(docs.body.kind).toBe('json.docs');
      expect((await t.api.get('/api/v1/dataset/awkward-docs')).body).toEqual(document);
    });

    it('stores them from CSV and Arrow uploads too', async () => {
      const header = names.map((name) => `"${name.replace(/"/g, '""')}"`).join(',');
      const csv = `${header}\n${rows.map((r) => Object.values(r).join(',')).join('\n')}\n`;
      const fromCsv = await t.api
        .put('/api/v1/dataset/awkward-csv')
        .set('Content-Type', 'text/csv')
        .send(csv);
      expect(fromCsv.status).toBe(200);
      expect((await t.api.get('/api/v1/dataset/awkward-csv?orient=records')).body).toEqual(rows);

      const columns = Object.fromEntries(
        names.map((name, index) => [name, Float64Array.from(rows, (r) => r[names[index]])]),
      );
      const fromArrow = await t.api
        .put('/api/v1/dataset/awkward-arrow')
        .set('Content-Type', 'application/vnd.apache.arrow.stream')
        .send(Buffer.from(tableToIPC(tableFromArrays(columns), 'stream')));
      expect(fromArrow.status).toBe(200);
      expect((await t.api.get('/api/v1/dataset/awkward-arrow?orient=records')).body).toEqual(rows);
    });

    it.each([
      ['empty', ''],
      ['a control character', 'a\u0001b'],
      ['a line break', 'a\nb'],
      ['a tab', '\t'],
      ['NUL', 'a\u0000b'],
      ['DEL', 'a\u007f'],
      ['half a surrogate pair', 'a\ud800'],
      ['a byte-order mark', '\ufeffa'],
    ])('refuses a column name with %s', async (_what, name) => {
      const response = await t.api.put('/api/v1/dataset/refused').send({ data: [{ ok: 1, [name]: 2 }] });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_INPUT');
      expect(response.body.message).toMatch(
        /column names must not be empty|control characters, byte-order marks or broken Unicode/,
      );
      await expectOnly(['awkward', 'awkward-columns', 'awkward-docs', 'awkward-csv', 'awkward-arrow']);
    });
  });

  describe('an answer that fails after its first bytes is logged and ends incomplete', () => {
    /** 20,000 rows; the row 12,000 divides by zero, so the first chunks are already sent when it fails. */
    const FAILING_QUERY =
      'SELECT g, CASE WHEN g < 12000 THEN g ELSE 1/(g-g) END AS v FROM generate_series(1, 20000) g';

    beforeAll(async () => {
      const url = source.url.replace(/^postgres:/, 'postgresql:');
      await t.api
        .put('/api/v1/dataset/fails-late')
        .send({ sql: { url, query: FAILING_QUERY } })
        .expect(200);
      await t.api
        .put('/api/v1/dataset/fine')
        .send({ sql: { url, query: 'SELECT g FROM generate_series(1, 20000) g' } })
        .expect(200);
    });

    /** The error id of the one failure logged since `before`, which must name the route. */
    function loggedErrorId(before: number): string {
      const lines = log.errors.slice(before).filter((line) => line.includes('failed after its first bytes'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('GET /api/v1/dataset/fails-late');
      const id = /error id ([0-9a-f-]{36})/.exec(lines[0]);
      expect(id).not.toBeNull();
      return (id as RegExpExecArray)[1];
    }

    it('JSON records: the array is not closed', async () => {
      const fine = await raw('/api/v1/dataset/fine?orient=records');
      expect(fine).toMatchObject({ status: 200, complete: true });
      expect(JSON.parse(fine.body.toString())).toHaveLength(20_000);

      const before = log.errors.length;
      const failed = await raw('/api/v1/dataset/fails-late?orient=records');
      expect(failed.status).toBe(200);
      expect(failed.complete).toBe(false);
      const text = failed.body.toString();
      expect(text.startsWith('[{"g":1,"v":1}')).toBe(true);
      expect(text.endsWith(']')).toBe(false);
      expect(() => JSON.parse(text)).toThrow();
      expect(JSON.parse(`${text}]`).length).toBeGreaterThanOrEqual(5000);
      loggedErrorId(before);
    });

    it('CSV: the body lacks its final newline', async () => {
      const fine = await raw('/api/v1/dataset/fine', 'text/csv');
      expect(fine).toMatchObject({ status: 200, complete: true });
      expect(fine.body.toString().endsWith('\n20000\n')).toBe(true);

      const before = log.errors.length;
      const failed = await raw('/api/v1/dataset/fails-late', 'text/csv');
      expect(failed.status).toBe(200);
      expect(failed.complete).toBe(false);
      const text = failed.body.toString();
      expect(text.startsWith('g,v\n1,1\n')).toBe(true);
      expect(text.endsWith('\n')).toBe(false);
      expect(text.split('\n').length).toBeGreaterThan(5000);
      loggedErrorId(before);
    });

    it('Arrow: the stream has no end-of-stream marker', async () => {
      const fine = await raw('/api/v1/dataset/fine', 'application/vnd.apache.arrow.stream');
      expect(fine).toMatchObject({ status: 200, complete: true });
      expect(fine.body.subarray(-8)).toEqual(ARROW_END_MARKER);

      const before = log.errors.length;
      const failed = await raw('/api/v1/dataset/fails-late', 'application/vnd.apache.arrow.stream');
      expect(failed.status).toBe(200);
      expect(failed.complete).toBe(false);
      expect(failed.body.length).toBeGreaterThan(10_000 * 8);
      expect(failed.body.subarray(-8)).not.toEqual(ARROW_END_MARKER);
      const rowsRead = [...RecordBatchReader.from(failed.body)].reduce(
        (sum, batch) => sum + batch.numRows,
        0,
      );
      expect(rowsRead).toBe(10_000);
      loggedErrorId(before);
    });

    it('a stored table failing midway: the Arrow stream has no end-of-stream marker', async () => {
      const rows = Array.from({ length: 12_000 }, (_, n) => ({ n }));
      // The row kind: one of its row documents is changed behind the store's back below.
      await t.api.put('/api/v1/dataset/bad-late?kind=table.rows').send({ data: rows }).expect(200);
      // A text where the schema promises integers, past the first Arrow batch (10,000 rows).
      const meta = await t.stores.datasets.metadata(ctx, 'bad-late');
      await t.databases
        .db(ctx)
        .collection<{ _id: number }>(meta.collection as string)
        .updateOne({ _id: 11_000 }, { $set: { n: 'eleven thousand' } });
      const before = log.errors.length;
      const failed = await raw('/api/v1/dataset/bad-late', 'application/vnd.apache.arrow.stream');
      expect(failed).toMatchObject({ status: 200, complete: false });
      expect(failed.body.subarray(-8)).not.toEqual(ARROW_END_MARKER);
      const lines = log.errors.slice(before).filter((line) => line.includes('failed after its first bytes'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /GET \/api\/v1\/dataset\/bad-late failed after its first bytes \(error id [0-9a-f-]{36}\)/,
      );
      await t.api.delete('/api/v1/dataset/bad-late').expect(200);
    });

    it('JSON dict (written once every row is read): a 400 before the first byte', async () => {
      const before = log.errors.length;
      const failed = await raw('/api/v1/dataset/fails-late?orient=dict');
      expect(failed).toMatchObject({ status: 400, complete: true });
      expect(JSON.parse(failed.body.toString()).message).toContain('division by zero');
      expect(
        log.errors.slice(before).filter((line) => line.includes('failed after its first bytes')),
      ).toEqual([]);
    });

    it('leaves the API serving', async () => {
      const health = await t.api.get('/api/v1/dataset/kept?orient=records');
      expect(health.status).toBe(200);
      await expectOnly([
        'awkward',
        'awkward-columns',
        'awkward-docs',
        'awkward-csv',
        'awkward-arrow',
        'fails-late',
        'fine',
      ]);
    });
  });

  it('answers an unexpected error before the first byte with 500 and an error id, no internals', async () => {
    await t.api
      .put('/api/v1/dataset/broken')
      .send({ data: [{ a: 1 }] })
      .expect(200);
    // Stored metadata no input check could produce: the read fails the way a bug would.
    await t.databases
      .db(ctx)
      .collection('metadata')
      .updateOne({ name: 'broken' }, { $set: { 'kindMeta.columns': [null] } });
    const before = log.errors.length;
    const response = await raw('/api/v1/dataset/broken', 'text/csv');
    expect(response.status).toBe(500);
    const body = JSON.parse(response.body.toString()) as Record<string, string>;
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: `An unexpected error occurred (error id ${body.errorId})`,
      code: 'INTERNAL',
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(log.errors.slice(before).join('\n')).toContain(body.errorId);
    await t.api.delete('/api/v1/dataset/broken').expect(200);
  });
});
