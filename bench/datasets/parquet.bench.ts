import { DuckDBInstance } from '@duckdb/node-api';
import { ARROW_MEDIA_TYPE, PARTS_COLLECTION } from '@omega/datasets';
import { RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
import type { MongoClient } from 'mongodb';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { COLUMNS, floatChunks } from '../support/data';
import { runLoad } from '../http/http.bench';
import { defaultHeaderValues, expectOk, readText, send, sendForJson } from '../support/http';
import { measureLatency } from '../support/latency';
import { BENCH_DB_PREFIX } from '../support/platform';
import { formatInt, formatRatio, formatTable, note } from '../support/report';
import { measure } from '../support/timing';

const PARQUET_KIND = 'table.parquet';
/** Rows per CSV piece handed to the socket. */
const CSV_PIECE_ROWS = 5000;
/** Groups of the aggregate: column `g` of the CSV table is `row % GROUPS`. */
const GROUPS = 50;
const LIMIT_CALLS = 30;
const SMALL_CALLS = 2000;
const SMALL_CLIENTS = 16;

/** The table.rows figures the columnar path is compared with (seconds for the same N rows). */
export interface RowsBaseline {
  rawReadSeconds: number;
  rowsArrowWriteSeconds: number;
  rowsArrowReadSeconds: number;
}

export interface ParquetFigures {
  loadavg: string;
  putArrowSeconds: number;
  putCsvSeconds: number;
  /** A Parquet body: written into parts by DuckDB, file to file. */
  putParquetSeconds: number;
  /** The whole table as one Parquet answer, warm cache. */
  getParquetSeconds: number;
  getArrowColdSeconds: number;
  getArrowWarmSeconds: number;
  duckdbDirectSeconds: number;
  limit10P50Ms: number;
  filter1PctSeconds: number;
  aggregate50Seconds: number;
  smallParquetPerSecond: number;
  smallRowsPerSecond: number;
  rssGrowthMiB: number;
}

/**
 * The columnar kind against table.rows, the raw driver and DuckDB alone: put (Arrow and CSV bodies), Arrow
 * get with a cold and a warm part cache, DuckDB reading the same cached parts, `limit=10`, a 1 % filter, a
 * 50-group aggregate, a 3-row table under 16 clients, and the API's RSS growth (it runs in this process).
 * The Arrow and CSV bodies are written to files before their clocks start and streamed from there, as a
 * client in its own process would send them: making 10M number texts here would time (and count the memory
 * of) the client inside the API's process.
 */
export async function runParquetBench(deps: {
  rows: number;
  client: MongoClient;
  apiUrl: string;
  cacheDir: string;
  baseline: RowsBaseline;
}): Promise<{ figures: ParquetFigures; table: string }> {
  const bodies = mkdtempSync(join(tmpdir(), 'omega-bench-bodies-'));
  try {
    const arrowBody = await writeArrowBody(join(bodies, 'table.arrows'), deps.rows);
    const csvBody = await writeCsvBody(join(bodies, 'table.csv'), deps.rows);
    return await runWithBodies({ ...deps, arrowBody, csvBody });
  } finally {
    rmSync(bodies, { recursive: true, force: true });
  }
}

async function runWithBodies(
  deps: Parameters<typeof runParquetBench>[0] & { arrowBody: string; csvBody: string },
): Promise<{ figures: ParquetFigures; table: string }> {
  const { rows, apiUrl, cacheDir } = deps;
  const loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  note(`load average before the columnar figures: ${loadavg}`);
  const rss = new RssWatch();

  const putArrow = await measure(() =>
    putBodyFile(apiUrl, 'bench-parquet-arrow', deps.arrowBody, ARROW_MEDIA_TYPE),
  );
  note(`table.parquet: Arrow put of ${formatInt(rows)} rows in ${putArrow.seconds.toFixed(2)} s`);
  const putCsv = await measure(() => putBodyFile(apiUrl, 'bench-parquet-csv', deps.csvBody, 'text/csv'));
  note(`table.parquet: CSV put of ${formatInt(rows)} rows in ${putCsv.seconds.toFixed(2)} s`);

  // Only this table's parts: the aggregate below reads the CSV table with the cache its put left, as a
  // query after a put does (emptying the whole folder made it time a GridFS download instead).
  dropCachedParts(await partFiles(deps.client, cacheDir, 'bench-parquet-arrow'));
  const cold = await measure(() => readArrow(apiUrl, 'bench-parquet-arrow', ''));
  checkRows('cold Arrow get', cold.value, rows);
  const warm = await measure(() => readArrow(apiUrl, 'bench-parquet-arrow', ''));
  checkRows('warm Arrow get', warm.value, rows);
  const rssGrowthMiB = rss.stop();
  const files = await partFiles(deps.client, cacheDir, 'bench-parquet-arrow');
  const direct = await measure(() => duckdbScan(files));
  checkRows('DuckDB scan', direct.value, rows);

  // The table as one Parquet file, then that file put back as a new table: the Parquet fast paths.
  const parquetGet = await measure(() => readParquetBytes(apiUrl, 'bench-parquet-arrow'));
  const putParquet = await measure(() => putParquetBytes(apiUrl, 'bench-parquet-parquet', parquetGet.value));
  checkRows('Parquet put', putParquet.value, rows);
  note(
    `table.parquet: Parquet get in ${parquetGet.seconds.toFixed(2)} s (${formatInt(parquetGet.value.length)} bytes), put in ${putParquet.seconds.toFixed(2)} s`,
  );

  const limit = await measureLatency(LIMIT_CALLS, 1, async () => {
    const response = await send(`${url(apiUrl, 'bench-parquet-arrow')}?limit=10&orient=records`, {
      method: 'GET',
    });
    await expectOk(response, 'limit=10');
    await readText(response);
  });
  // c0 is uniform in [-1000, 1000): below -980 keeps 1 %.
  const filtered = await measure(() => readArrow(apiUrl, 'bench-parquet-arrow', '?c0__lt=-980'));
  const aggregate = await measure(() =>
    sendForJson<unknown[]>(
      `${url(apiUrl, 'bench-parquet-csv')}/query`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ groupby: ['g'], agg: { c1: ['mean', 'sum'], c2: 'max' } }),
      },
      'aggregate',
    ),
  );
  if (aggregate.value.length !== GROUPS)
    throw new Error(`aggregate answered ${aggregate.value.length} groups`);

  const small = await smallTableRate(apiUrl, 'bench-small-parquet', PARQUET_KIND);
  const smallRows = await smallTableRate(apiUrl, 'bench-small-rows', 'table.rows');

  const figures: ParquetFigures = {
    loadavg,
    putArrowSeconds: putArrow.seconds,
    putCsvSeconds: putCsv.seconds,
    putParquetSeconds: putParquet.seconds,
    getParquetSeconds: parquetGet.seconds,
    getArrowColdSeconds: cold.seconds,
    getArrowWarmSeconds: warm.seconds,
    duckdbDirectSeconds: direct.seconds,
    limit10P50Ms: limit.p50Ms,
    filter1PctSeconds: filtered.seconds,
    aggregate50Seconds: aggregate.seconds,
    smallParquetPerSecond: small,
    smallRowsPerSecond: smallRows,
    rssGrowthMiB,
  };
  const { baseline } = deps;
  const table = formatTable(
    ['table.parquet figure', 'value', 'ratio', 'target'],
    [
      [
        'put, Arrow body',
        `${putArrow.seconds.toFixed(2)} s`,
        `${formatRatio(baseline.rowsArrowWriteSeconds / putArrow.seconds)} table.rows`,
        '≥ 10 ×',
      ],
      [
        'put, CSV body (+ g)',
        `${putCsv.seconds.toFixed(2)} s`,
        `${formatRatio(baseline.rowsArrowWriteSeconds / putCsv.seconds)} table.rows Arrow`,
        '≥ 10 ×',
      ],
      [
        'put, Parquet body',
        `${putParquet.seconds.toFixed(2)} s`,
        `${formatRatio(baseline.rowsArrowWriteSeconds / putParquet.seconds)} table.rows Arrow`,
        '≥ 10 ×',
      ],
      [
        'Parquet get, warm cache',
        `${parquetGet.seconds.toFixed(2)} s`,
        `${formatRatio(baseline.rowsArrowReadSeconds / parquetGet.seconds)} table.rows Arrow get`,
        '',
      ],
      [
        'Arrow get, cold cache',
        `${cold.seconds.toFixed(2)} s`,
        `${formatRatio(baseline.rowsArrowReadSeconds / cold.seconds)} table.rows, ${formatRatio(baseline.rawReadSeconds / cold.seconds)} raw`,
        '≥ 20 ×',
      ],
      [
        'Arrow get, warm cache',
        `${warm.seconds.toFixed(2)} s`,
        `${formatRatio(direct.seconds / warm.seconds)} DuckDB direct`,
        '≥ 0.25 ×',
      ],
      ['DuckDB direct scan of the parts', `${direct.seconds.toFixed(2)} s`, '', ''],
      ['limit=10, p50', `${limit.p50Ms.toFixed(1)} ms`, '', '≤ 50 ms'],
      [
        '1 % filter (Arrow)',
        `${filtered.seconds.toFixed(3)} s`,
        `${formatRatio(filtered.seconds / warm.seconds)} full warm read`,
        '≤ 0.1 ×',
      ],
      ['50-group aggregate', `${aggregate.seconds.toFixed(3)} s`, '', '≤ 0.3 s'],
      [
        `3-row JSON, ${SMALL_CLIENTS} clients (child process)`,
        `${formatInt(small)} req/s`,
        `table.rows: ${formatInt(smallRows)} req/s`,
        '≥ 1,000',
      ],
      ['API RSS growth, put + get', `${rssGrowthMiB.toFixed(0)} MiB`, '', '≤ 256 MiB'],
    ],
  );
  note(`load average after the columnar figures: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  return { figures, table };
}

function url(apiUrl: string, name: string): string {
  return `${apiUrl}/api/v1/dataset/${encodeURIComponent(name)}`;
}

function checkRows(what: string, got: number, rows: number): void {
  if (got !== rows) throw new Error(`${what}: ${got} rows, expected ${rows}`);
}

async function readParquetBytes(apiUrl: string, name: string): Promise<Buffer> {
  const response = await send(url(apiUrl, name), {
    method: 'GET',
    headers: { accept: 'application/vnd.apache.parquet' },
  });
  await expectOk(response, `GET ${name} (parquet)`);
  const parts: Buffer[] = [];
  for await (const part of response) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Puts a Parquet file; answers the rows the API reports stored. */
async function putParquetBytes(apiUrl: string, name: string, body: Buffer): Promise<number> {
  const answer = await sendForJson<{ kindMeta: { rows: number } }>(
    url(apiUrl, name),
    {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.apache.parquet', 'content-length': String(body.length) },
      body,
    },
    `PUT ${name} (parquet)`,
  );
  return answer.kindMeta.rows;
}

/** Writes the table as an Arrow IPC stream file (float columns c0…c9), batch by batch. */
async function writeArrowBody(path: string, rows: number): Promise<string> {
  const { makeData, Float64, RecordBatch } = await import('apache-arrow');
  function* batches() {
    for (const chunk of floatChunks(rows, CSV_PIECE_ROWS)) {
      const columns = Object.fromEntries(
        COLUMNS.map((column, index) => [
          column,
          makeData({ type: new Float64(), length: chunk.rows, data: chunk.values[index] }),
        ]),
      );
      yield new RecordBatch(columns);
    }
  }
  await pipeline(
    Readable.from(batches(), { objectMode: true }),
    RecordBatchStreamWriter.throughNode(),
    createWriteStream(path),
  );
  return path;
}

/** Writes the table as CSV: the float columns and `g`, the row's group. */
async function writeCsvBody(path: string, rows: number): Promise<string> {
  function* text() {
    yield `${[...COLUMNS, 'g'].join(',')}\n`;
    for (const chunk of floatChunks(rows, CSV_PIECE_ROWS)) {
      let piece = '';
      for (let row = 0; row < chunk.rows; row++) {
        for (let column = 0; column < COLUMNS.length; column++) piece += `${chunk.values[column][row]},`;
        piece += `${(chunk.firstRow + row) % GROUPS}\n`;
      }
      yield piece;
    }
  }
  await pipeline(Readable.from(text()), createWriteStream(path));
  return path;
}

/** Streams a prepared body file as a new columnar table. */
async function putBodyFile(apiUrl: string, name: string, path: string, contentType: string): Promise<void> {
  await sendForJson(
    `${url(apiUrl, name)}?kind=${PARQUET_KIND}`,
    {
      method: 'PUT',
      headers: { 'content-type': contentType, 'content-length': String(statSync(path).size) },
      body: createReadStream(path),
    },
    `PUT ${name} (${contentType})`,
  );
}

async function readArrow(apiUrl: string, name: string, query: string): Promise<number> {
  const response = await send(`${url(apiUrl, name)}${query}`, {
    method: 'GET',
    headers: { accept: ARROW_MEDIA_TYPE },
  });
  await expectOk(response, `GET ${name} (arrow)`);
  let rows = 0;
  for await (const batch of await RecordBatchReader.from(response)) rows += batch.numRows;
  return rows;
}

function dropCachedParts(files: readonly string[]): void {
  for (const file of files) rmSync(file, { force: true });
}

async function partFiles(client: MongoClient, cacheDir: string, name: string): Promise<string[]> {
  const db = client.db(`${BENCH_DB_PREFIX}_default`);
  const meta = await db.collection('metadata').findOne({ prefix: 'data', name });
  const parts = await db.collection(PARTS_COLLECTION).find({ set: meta?.collection }).toArray();
  return parts.map((part) => join(cacheDir, `${part.sha256 as string}.parquet`));
}

/** DuckDB alone on the cached parts, every value handed to JavaScript as the REST path does. */
async function duckdbScan(files: string[]): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  try {
    const list = files.map((file) => `'${file}'`).join(', ');
    const result = await connection.stream(`SELECT ${COLUMNS.join(', ')} FROM read_parquet([${list}])`);
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      chunk.getColumns();
      rows += chunk.rowCount;
    }
    return rows;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Requests per second for a 3-row table read as JSON by SMALL_CLIENTS keep-alive clients at once. */
async function smallTableRate(apiUrl: string, name: string, kind: string): Promise<number> {
  await sendForJson(
    `${url(apiUrl, name)}?kind=${kind}`,
    {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        data: [
          { a: 1, b: 'x' },
          { a: 2, b: 'y' },
          { a: 3, b: null },
        ],
      }),
    },
    `PUT ${name}`,
  );
  // The clients run in a child process with keep-alive connections (as bench/datasets/small-read.ts):
  // in this process they would share the API's event loop and open a connection per request.
  const path = { key: 'small', url: `${url(apiUrl, name)}?orient=records`, headers: defaultHeaderValues() };
  const { small } = await runLoad({
    paths: [path],
    requests: SMALL_CALLS,
    clients: SMALL_CLIENTS,
    warmup: 200,
  });
  return small.perSecond;
}

/** The largest RSS growth over the start, sampled every 50 ms. */
class RssWatch {
  private readonly start = process.memoryUsage().rss;
  private peak = this.start;
  private readonly timer = setInterval(() => {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }, 50);

  stop(): number {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
    return (this.peak - this.start) / (1024 * 1024);
  }
}
