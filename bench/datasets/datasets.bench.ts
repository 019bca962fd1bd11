import { OmegaStores, TenantContext } from '@omega/core';
import { ARROW_MEDIA_TYPE, TableSource, TableView, WRITE_CHUNK_ROWS } from '@omega/datasets';
import { Float64, makeData, RecordBatch, RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
import type { MongoClient } from 'mongodb';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertReadBack,
  COLUMNS,
  expectedChecksum,
  FloatChunk,
  floatChunks,
  toRecords,
} from '../support/data';
import { expectOk, send, sendForJson } from '../support/http';
import { JsonArrayStream } from '../support/json-array';
import { RAW_DB } from '../support/platform';
import { formatInt, formatRatio, formatTable, formatTarget, note } from '../support/report';
import { measure, Measured, perSecond, timeText } from '../support/timing';
import { ParquetFigures, runParquetBench } from './parquet.bench';

/** The raw baseline writes and reads in batches of this many documents. */
const RAW_BATCH = 5000;
/** Rows per JSON PUT: keeps each body (~40 MB) under the default 64 MiB JSON limit. */
const JSON_APPEND_ROWS = 200_000;
/** Rows of the untimed first pass of every path (connections, JIT, collection creation). */
const WARMUP_ROWS = 10_000;
/**
 * The paths below measure the row kind (one document per row) against the raw driver; new tables are
 * columnar by default, so they name it. The columnar kind's figures are parquet.bench.ts's.
 */
const ROWS_KIND = 'table.rows';

export interface DatasetsBenchDeps {
  rows: number;
  client: MongoClient;
  stores: OmegaStores;
  apiUrl: string;
  /** The API's part cache folder: the columnar figures empty it for a cold read. */
  cacheDir: string;
}

/** What a read answers: row count and the sum of column c0, checked against what was written. */
interface ReadBack {
  rows: number;
  checksum: number;
}

/** One way of moving a table in and out. */
interface TablePath {
  key: string;
  label: string;
  /** Minimum ratio to the raw driver (both ways) this path should reach, if any. */
  target?: number;
  write(name: string, rows: number): Promise<void>;
  read(name: string): Promise<ReadBack>;
}

export interface DatasetPathResult {
  path: string;
  label: string;
  writeSeconds: number;
  readSeconds: number;
  /** CPU seconds of the Node process (bench client + API) during the write / the read. */
  writeNodeCpuSeconds: number;
  readNodeCpuSeconds: number;
  writeRowsPerSec: number;
  readRowsPerSec: number;
  writeRatio: number;
  readRatio: number;
  target: number | null;
  targetMet: boolean | null;
}

export interface DatasetsBenchResult {
  rows: number;
  columns: number;
  paths: DatasetPathResult[];
  /** The columnar kind's figures (table.parquet), against the paths above. */
  parquet: ParquetFigures;
  table: string;
}

/** Writes and reads N rows × 10 float columns by every path; the raw driver is the baseline. */
export async function runDatasetsBench(deps: DatasetsBenchDeps): Promise<DatasetsBenchResult> {
  const expected = { rows: deps.rows, checksum: expectedChecksum(deps.rows) };
  const warmup = { rows: WARMUP_ROWS, checksum: expectedChecksum(WARMUP_ROWS) };
  const paths = [
    rawPath(deps.client),
    storePath(deps.stores),
    restArrowPath(deps.apiUrl),
    restJsonPath(deps.apiUrl),
  ];

  const measured: { path: TablePath; write: Measured<void>; read: Measured<ReadBack> }[] = [];
  for (const path of paths) {
    await path.write(`bench-warmup-${path.key}`, WARMUP_ROWS);
    assertReadBack(`${path.label} (warm-up)`, warmup, await path.read(`bench-warmup-${path.key}`));

    const name = `bench-rows-${path.key}`;
    const write = await measure(() => path.write(name, deps.rows));
    note(`${path.label}: wrote ${formatInt(deps.rows)} rows in ${timeText(write)}`);
    const read = await measure(() => path.read(name));
    assertReadBack(path.label, expected, read.value);
    note(`${path.label}: read ${formatInt(read.value.rows)} rows in ${timeText(read)}`);
    measured.push({ path, write, read });
  }

  const raw = measured[0];
  const rawWrite = perSecond(deps.rows, raw.write.seconds);
  const rawRead = perSecond(deps.rows, raw.read.seconds);
  const results: DatasetPathResult[] = measured.map(({ path, write, read }) => {
    const writeRowsPerSec = perSecond(deps.rows, write.seconds);
    const readRowsPerSec = perSecond(deps.rows, read.seconds);
    const writeRatio = writeRowsPerSec / rawWrite;
    const readRatio = readRowsPerSec / rawRead;
    return {
      path: path.key,
      label: path.label,
      writeSeconds: write.seconds,
      readSeconds: read.seconds,
      writeNodeCpuSeconds: write.cpuSeconds,
      readNodeCpuSeconds: read.cpuSeconds,
      writeRowsPerSec,
      readRowsPerSec,
      writeRatio,
      readRatio,
      target: path.target ?? null,
      targetMet: path.target === undefined ? null : writeRatio >= path.target && readRatio >= path.target,
    };
  });

  const table = formatTable(
    ['path', 'write rows/s', 'read rows/s', 'write/raw', 'target', 'read/raw', 'target', 'node CPU s w/r'],
    results.map((result) => [
      result.label,
      formatInt(result.writeRowsPerSec),
      formatInt(result.readRowsPerSec),
      formatRatio(result.writeRatio),
      result.path === 'raw' ? '(baseline)' : formatTarget(result.writeRatio, result.target ?? undefined),
      formatRatio(result.readRatio),
      result.path === 'raw' ? '(baseline)' : formatTarget(result.readRatio, result.target ?? undefined),
      `${result.writeNodeCpuSeconds.toFixed(1)} / ${result.readNodeCpuSeconds.toFixed(1)}`,
    ]),
  );
  const byKey = (key: string) =>
    measured.find((entry) => entry.path.key === key) as (typeof measured)[number];
  const parquet = await runParquetBench({
    rows: deps.rows,
    client: deps.client,
    apiUrl: deps.apiUrl,
    cacheDir: deps.cacheDir,
    baseline: {
      rawReadSeconds: raw.read.seconds,
      rowsArrowWriteSeconds: byKey('rest-arrow').write.seconds,
      rowsArrowReadSeconds: byKey('rest-arrow').read.seconds,
    },
  });
  return {
    rows: deps.rows,
    columns: COLUMNS.length,
    paths: results,
    parquet: parquet.figures,
    table: `${table}\n\n${parquet.table}`,
  };
}

/** The baseline: the MongoDB driver alone, no platform code. */
function rawPath(client: MongoClient): TablePath {
  const db = client.db(RAW_DB);
  return {
    key: 'raw',
    label: 'raw driver',
    async write(name, rows) {
      const collection = db.collection(name);
      for (const chunk of floatChunks(rows, RAW_BATCH)) {
        await collection.insertMany(toRecords(chunk), { ordered: false });
      }
    },
    async read(name) {
      const back = { rows: 0, checksum: 0 };
      const cursor = db.collection(name).find({}, { projection: { _id: 0 }, batchSize: RAW_BATCH });
      for await (const document of cursor) {
        back.rows++;
        back.checksum += document.c0 as number;
      }
      return back;
    },
  };
}

/** OmegaStore from a Nest context: plugin selection, schema, row ids, index and Metadata included. */
function storePath(stores: OmegaStores): TablePath {
  const ctx = TenantContext.of('default');
  return {
    key: 'store',
    label: 'OmegaStore',
    target: 0.8,
    async write(name, rows) {
      // Chunks are produced as the store asks for them: the table never sits in memory whole.
      async function* chunks() {
        for (const chunk of floatChunks(rows, WRITE_CHUNK_ROWS)) yield toRecords(chunk);
      }
      await stores.datasets.put(ctx, name, new TableSource(chunks()), { kind: ROWS_KIND });
    },
    async read(name) {
      const back = { rows: 0, checksum: 0 };
      const view = await stores.datasets.get<TableView>(ctx, name);
      for await (const chunk of view.chunks()) {
        back.rows += chunk.length;
        for (const record of chunk) back.checksum += record.c0 as number;
      }
      return back;
    },
  };
}

interface PutAnswer {
  kindMeta: { rows: number };
}

/** REST with Arrow IPC streams both ways, as a pyarrow or arrow-js client would use it. */
function restArrowPath(apiUrl: string): TablePath {
  return {
    key: 'rest-arrow',
    label: 'REST Arrow',
    target: 0.5,
    async write(name, rows) {
      const encoder = RecordBatchStreamWriter.throughNode();
      // Record batches are made as the socket takes them, so the upload streams with backpressure.
      pipeline(Readable.from(arrowBatches(rows), { objectMode: true }), encoder).catch((error: Error) =>
        encoder.destroy(error),
      );
      const answer = await sendForJson<PutAnswer>(
        `${datasetUrl(apiUrl, name)}?kind=${ROWS_KIND}`,
        { method: 'PUT', headers: { 'content-type': ARROW_MEDIA_TYPE }, body: encoder },
        `PUT ${name} (arrow)`,
      );
      assertStoredRows(name, answer, rows);
    },
    async read(name) {
      const response = await send(datasetUrl(apiUrl, name), {
        method: 'GET',
        headers: { accept: ARROW_MEDIA_TYPE },
      });
      await expectOk(response, `GET ${name} (arrow)`);
      const back = { rows: 0, checksum: 0 };
      const reader = await RecordBatchReader.from(response);
      for await (const batch of reader) {
        back.rows += batch.numRows;
        const c0 = batch.getChild('c0');
        if (!c0) throw new Error(`GET ${name} (arrow): no column c0`);
        for (const value of c0.toArray() as Float64Array) back.checksum += value;
      }
      return back;
    },
  };
}

function* arrowBatches(rows: number): Generator<RecordBatch> {
  for (const chunk of floatChunks(rows, WRITE_CHUNK_ROWS)) yield toArrowBatch(chunk);
}

function toArrowBatch(chunk: FloatChunk): RecordBatch {
  const columns = Object.fromEntries(
    COLUMNS.map((column, index) => [
      column,
      makeData({ type: new Float64(), length: chunk.rows, data: chunk.values[index] }),
    ]),
  );
  return new RecordBatch(columns);
}

/** REST with JSON both ways: column-major bodies in appends, `orient=records` answers parsed as they stream. */
function restJsonPath(apiUrl: string): TablePath {
  return {
    key: 'rest-json',
    label: 'REST JSON',
    async write(name, rows) {
      let answer: PutAnswer | undefined;
      for (const chunk of floatChunks(rows, JSON_APPEND_ROWS)) {
        const body = jsonColumnsBody(chunk, chunk.firstRow > 0);
        answer = await sendForJson<PutAnswer>(
          datasetUrl(apiUrl, name),
          {
            method: 'PUT',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            body,
          },
          `PUT ${name} (json, rows from ${chunk.firstRow})`,
        );
      }
      if (answer) assertStoredRows(name, answer, rows);
    },
    async read(name) {
      const response = await send(`${datasetUrl(apiUrl, name)}?orient=records`, {
        method: 'GET',
        headers: { accept: 'application/json' },
      });
      await expectOk(response, `GET ${name} (json)`);
      const back = { rows: 0, checksum: 0 };
      const parser = new JsonArrayStream((records) => {
        back.rows += records.length;
        for (const record of records) back.checksum += (record as Record<string, number>).c0;
      });
      for await (const part of response) parser.write(part as Buffer);
      parser.end();
      return back;
    },
  };
}

/** `{"data": {"c0": [...], ...}, "append": …}`; joining the typed arrays prints each double as JSON would. */
function jsonColumnsBody(chunk: FloatChunk, append: boolean): string {
  const columns = COLUMNS.map(
    (column, index) => `${JSON.stringify(column)}:[${chunk.values[index].join(',')}]`,
  );
  return `{"data":{${columns.join(',')}},"append":${append},"kind":"${ROWS_KIND}"}`;
}

function datasetUrl(apiUrl: string, name: string): string {
  return `${apiUrl}/api/v1/dataset/${encodeURIComponent(name)}`;
}

function assertStoredRows(name: string, answer: PutAnswer, rows: number): void {
  if (answer.kindMeta?.rows !== rows) {
    throw new Error(`PUT ${name}: the API reports ${answer.kindMeta?.rows} rows stored, expected ${rows}`);
  }
}
