import {
  Float64,
  makeData,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Type,
} from 'apache-arrow';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Response } from 'superagent';
import { startTestApp, TestApp } from './support/test-app';

const ARROW = 'application/vnd.apache.arrow.stream';

/** Collects a binary answer as one Buffer. */
function binary(res: Response, done: (error: Error | null, body: Buffer) => void) {
  const stream = res as unknown as NodeJS.ReadableStream;
  const parts: Buffer[] = [];
  stream.on('data', (part: Buffer) => parts.push(part));
  stream.on('end', () => done(null, Buffer.concat(parts)));
}

type Row = { i: number | null; x: number | null; s: string | null; b: boolean | null; d: string | null };

/** Rows with nulls at different strides in every column, so they fall anywhere in DuckDB's vectors. */
function sampleRows(count: number, from = 0): Row[] {
  return Array.from({ length: count }, (_unused, index) => {
    const n = from + index;
    return {
      i: n % 7 === 3 ? null : n % 2 === 0 ? 2 ** 53 - 1 - n : n * 1000 - 7,
      x: n % 5 === 1 ? null : n / 8 - 300,
      s: n % 11 === 0 ? null : `s${n}`,
      b: n % 13 === 5 ? null : n % 3 === 0,
      d: n % 17 === 2 ? null : new Date(Date.UTC(2024, 0, 1) + n * 61_000).toISOString(),
    };
  });
}

/** The Arrow answer of a GET, as rows of plain values (integers as numbers, dates as ISO strings). */
async function arrowRows(t: TestApp, path: string): Promise<{ rows: Row[]; types: Type[] }> {
  const answer = await t.api.get(path).set('Accept', ARROW).buffer(true).parse(binary).expect(200);
  const reader = await RecordBatchReader.from(answer.body as Buffer);
  const rows: Row[] = [];
  let types: Type[] = [];
  for await (const batch of reader) {
    types = batch.schema.fields.map((field) => field.typeId);
    const columns = batch.schema.fields.map((_field, index) => batch.getChildAt(index));
    for (let row = 0; row < batch.numRows; row++) {
      const [i, x, s, b, d] = columns.map((column) => column?.get(row) as unknown);
      rows.push({
        i: i === null ? null : Number(i as bigint),
        x: x as number | null,
        s: s as string | null,
        b: b as boolean | null,
        d: d === null ? null : new Date(Number(d)).toISOString(),
      });
    }
  }
  return { rows, types };
}

describe('table.parquet: Arrow answers', () => {
  let t: TestApp;
  // Two puts: 5,000 rows, then 2,500 appended as a second part; more rows than a process keeps per table.
  const rows = [...sampleRows(5000), ...sampleRows(2500, 5000)];

  beforeAll(async () => {
    t = await startTestApp();
    const dtypes = { d: 'datetime64[ns]' };
    await t.api
      .put('/api/v1/dataset/arrowed?kind=table.parquet')
      .send({ data: rows.slice(0, 5000), dtypes })
      .expect(200);
    await t.api
      .put('/api/v1/dataset/arrowed')
      .send({ data: rows.slice(5000), dtypes, append: true })
      .expect(200);
  });
  afterAll(() => t.close());

  it('answers every value of every type exactly, nulls wherever they fall, as Arrow and JSON', async () => {
    const whole = await arrowRows(t, '/api/v1/dataset/arrowed');
    expect(whole.types).toEqual([Type.Int, Type.Float, Type.Utf8, Type.Bool, Type.Timestamp]);
    expect(whole.rows.length).toBe(rows.length);
    expect(whole.rows).toEqual(rows);
    // The same cells as JSON records, read from the same vectors.
    const json = await t.api.get('/api/v1/dataset/arrowed?orient=records&skip=1001').expect(200);
    expect(json.body).toEqual(rows.slice(1001));
  });

  it('answers filters, column picks and pages exactly', async () => {
    // A filter keeps rows at irregular places: DuckDB's chunks then start at any bit of a batch's bitmap.
    const filtered = await arrowRows(t, '/api/v1/dataset/arrowed?x__gt=-123.4&sort=-i');
    const expected = rows
      .filter((row) => row.x !== null && row.x > -123.4)
      .sort((a, b) => (a.i === null ? 1 : b.i === null ? -1 : b.i - a.i));
    // Sorted descending on a column with nulls: nulls come last, in any order among themselves.
    const withI = expected.filter((row) => row.i !== null);
    expect(filtered.rows.slice(0, withI.length)).toEqual(withI);
    expect(new Set(filtered.rows.slice(withI.length).map((row) => row.x))).toEqual(
      new Set(expected.filter((row) => row.i === null).map((row) => row.x)),
    );
    const page = await t.api
      .get('/api/v1/dataset/arrowed?skip=1999&limit=4003&columns=d,i')
      .set('Accept', ARROW)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const reader = await RecordBatchReader.from(page.body as Buffer);
    const got: [string | null, number | null][] = [];
    for await (const batch of reader) {
      const [d, i] = [batch.getChildAt(0), batch.getChildAt(1)];
      for (let row = 0; row < batch.numRows; row++) {
        const day = d?.get(row) as number | null;
        const int = i?.get(row) as bigint | null;
        got.push([day === null ? null : new Date(day).toISOString(), int === null ? null : Number(int)]);
      }
    }
    expect(got).toEqual(rows.slice(1999, 1999 + 4003).map((row) => [row.d, row.i]));
  });

  it('keeps memory bounded by the socket, not the table, for a client that stops reading', async () => {
    // 500,000 rows × 10 doubles: a 40 MB answer over four parts.
    const count = 500_000;
    const writer = new RecordBatchStreamWriter();
    for (let first = 0; first < count; first += 50_000) {
      const columns = Object.fromEntries(
        Array.from({ length: 10 }, (_unused, c) => [
          `c${c}`,
          makeData({
            type: new Float64(),
            length: 50_000,
            data: Float64Array.from({ length: 50_000 }, (_v, r) => first + r + 0.5 + c),
          }),
        ]),
      );
      writer.write(new RecordBatch(columns));
    }
    writer.finish();
    await t.api
      .put('/api/v1/dataset/wide?kind=table.parquet')
      .set('Content-Type', ARROW)
      .send(Buffer.from(writer.toUint8Array(true)))
      .expect(200);
    const answerBytes = count * 10 * 8;

    const sockets: Socket[] = [];
    const server = t.app.getHttpServer() as import('node:http').Server;
    const track = (socket: Socket) => sockets.push(socket);
    server.on('connection', track);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const call = httpRequest(`${t.url}/api/v1/dataset/wide`, { headers: { ...t.auth, Accept: ARROW } });
      call.on('response', resolve).on('error', reject).end();
    });
    server.off('connection', track);
    expect(response.statusCode).toBe(200);
    response.pause();
    // What the server has handed to its socket (sent or still queued), polled until it stops growing.
    const produced = () => Math.max(...sockets.map((socket) => socket.bytesWritten));
    let last = -1;
    let steady = 0;
    const deadline = Date.now() + 60_000;
    while (steady < 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = produced();
      steady = now === last ? steady + 1 : 0;
      last = now;
    }
    // Socket buffers (a few MB on loopback) and one batch: far from the whole answer.
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(answerBytes / 3);

    // Read on: the whole answer arrives, every row once.
    const reader = await RecordBatchReader.from(response);
    let rowsRead = 0;
    let sum = 0;
    for await (const batch of reader) {
      const c0 = batch.getChildAt(0);
      for (let row = 0; row < batch.numRows; row++) sum += c0?.get(row) as number;
      rowsRead += batch.numRows;
    }
    expect(rowsRead).toBe(count);
    expect(sum).toBe((count * count) / 2);
  });
});
