/**
 * Parquet files as batches of plain rows, for `om datasets put|get` (parquet-wasm: Parquet <-> Arrow IPC in
 * WebAssembly, Arrow IPC <-> rows with apache-arrow).
 *
 * Reading opens the file as a lazily read Blob, so only the footer and the column chunks of the row group
 * being decoded are read from disk; rows come out `batchSize` at a time. Writing encodes the rows batch by
 * batch and streams the Parquet bytes to disk; the writer holds at most one row group (`rowGroupSize` rows)
 * before it flushes it. Note that WebAssembly memory grows to its high-water mark and is never given back.
 */
import {
  Bool,
  DataType,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Timestamp,
  TimeUnit,
  Type,
  Utf8,
  Vector,
  vectorFromArray,
} from 'apache-arrow';
import { openAsBlob } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
// The package's "node" export is its CommonJS build; with moduleResolution "node" TypeScript takes the
// (identical) types of the ESM build from "types", while Node and Jest load node/parquet_wasm.js.
import * as wasm from 'parquet-wasm';

export type Row = Record<string, unknown>;

/** The column types that `writeParquet` writes. Timestamps are milliseconds, UTC. */
export type ParquetColumnType = 'float64' | 'int64' | 'utf8' | 'bool' | 'timestamp';

export interface ParquetColumn {
  name: string;
  type: ParquetColumnType;
}

export interface ParquetReadOptions {
  /** Rows per yielded batch (default 10,000). */
  batchSize?: number;
  /** Only these columns, in this order (default: all). */
  columns?: string[];
}

export interface ParquetWriteOptions {
  /** Column names and order (default: the keys of the rows, in the order first seen). */
  columns?: string[];
  /** Types for some or all columns; the others are inferred from the first `sampleRows` rows. */
  types?: Record<string, ParquetColumnType>;
  /** Rows that are looked at to infer column types before anything is written (default 10,000). */
  sampleRows?: number;
  /** Rows per row group (default 100,000): also bounds the writer's memory. */
  rowGroupSize?: number;
  /** Default snappy. */
  compression?: 'snappy' | 'zstd' | 'gzip' | 'none';
}

export interface ParquetWriteSummary {
  path: string;
  rows: number;
  bytes: number;
  columns: ParquetColumn[];
}

/** The file is not Parquet, is damaged, or the rows cannot be written as the inferred types. */
export class ParquetFormatError extends Error {
  override name = 'ParquetFormatError';
}

const MAGIC = Buffer.from('PAR1');
const DEFAULT_BATCH_SIZE = 10_000;
const DEFAULT_SAMPLE_ROWS = 10_000;
const DEFAULT_ROW_GROUP_SIZE = 100_000;
/** Rows per Arrow record batch handed to the writer, so that one big input array is not copied at once. */
const ENCODE_ROWS = 65_536;

// ---------------------------------------------------------------------------------------------- reading

/** Opens a Parquet file lazily; rejects with a ParquetFormatError when it is not one. */
async function openParquet(path: string): Promise<wasm.ParquetFile> {
  const { size } = await stat(path);
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    if (size >= 12) {
      await handle.read(head, 0, 4, 0);
      await handle.read(tail, 0, 4, size - 4);
    }
    if (size < 12 || !head.equals(MAGIC) || !tail.equals(MAGIC)) {
      throw new ParquetFormatError(`${path}: not a Parquet file (no PAR1 magic bytes at its start and end)`);
    }
  } finally {
    await handle.close();
  }
  try {
    return await wasm.ParquetFile.fromFile(await openAsBlob(path));
  } catch (error) {
    throw new ParquetFormatError(`${path}: cannot read Parquet metadata: ${messageOf(error)}`);
  }
}

/** The columns of a Parquet file: names and Arrow type names (e.g. `Int64`, `Utf8`, `Timestamp<MILLISECOND>`). */
export async function readParquetSchema(path: string): Promise<{ name: string; type: string }[]> {
  const file = await openParquet(path);
  try {
    const schema = tableFromIPC(file.schema().intoIPCStream()).schema;
    return schema.fields.map((field) => ({ name: field.name, type: String(field.type) }));
  } finally {
    file.free();
  }
}

/** Number of rows in a Parquet file, from its footer. */
export async function countParquetRows(path: string): Promise<number> {
  const file = await openParquet(path);
  try {
    return file
      .metadata()
      .rowGroups()
      .reduce((sum, group) => sum + group.numRows(), 0);
  } finally {
    file.free();
  }
}

/**
 * The rows of a Parquet file, in batches of at most `batchSize` rows. Integers are numbers (int64 too when
 * they are safe integers, else decimal strings), timestamps and dates are Dates, nulls are null, nested
 * values are plain arrays and objects. Breaking off the loop cancels the read.
 */
export async function* readParquetBatches(
  path: string,
  options: ParquetReadOptions = {},
): AsyncGenerator<Row[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer');
  const file = await openParquet(path);
  let reader: ReadableStreamDefaultReader<wasm.RecordBatch> | undefined;
  try {
    const stream = (await file.stream({
      batchSize,
      columns: options.columns,
      concurrency: 1,
    })) as ReadableStream<wasm.RecordBatch>;
    reader = stream.getReader();
    for (;;) {
      const next = await reader.read().catch((error: unknown) => {
        throw new ParquetFormatError(`${path}: ${messageOf(error)}`);
      });
      if (next.done) break;
      const table = tableFromIPC(next.value.intoIPCStream());
      for (const batch of table.batches) {
        if (batch.numRows > 0) yield batchToRows(batch);
      }
    }
  } finally {
    if (reader) await reader.cancel().catch(() => undefined);
    file.free();
  }
}

function batchToRows(batch: RecordBatch): Row[] {
  const names = batch.schema.fields.map((field) => field.name);
  const readers = batch.schema.fields.map((field, index) => {
    const vector = batch.getChildAt(index) as Vector;
    const convert = converter(field.type);
    return (row: number) => {
      const value: unknown = vector.get(row);
      return value === null || value === undefined ? null : convert(value);
    };
  });
  const rows = new Array<Row>(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Row = {};
    for (let c = 0; c < names.length; c++) row[names[c]] = readers[c](i);
    rows[i] = row;
  }
  return rows;
}

/** Turns a non-null value that apache-arrow gives for `type` into a plain JS value. */
function converter(type: DataType): (value: unknown) => unknown {
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
      return toNumber;
    case Type.Timestamp:
    case Type.Date:
      return (value) => (value instanceof Date ? value : new Date(Number(value)));
    case Type.Decimal: {
      const scale = (type as unknown as { scale: number }).scale;
      return (value) => decimalToString(value, scale);
    }
    case Type.Dictionary:
      return converter((type as unknown as { dictionary: DataType }).dictionary);
    case Type.Bool:
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return (value) => value;
    default:
      return plain;
  }
}

function toNumber(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

function decimalToString(value: unknown, scale: number): string {
  const digits = String(value);
  if (scale <= 0) return digits;
  const negative = digits.startsWith('-');
  const abs = (negative ? digits.slice(1) : digits).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${abs.slice(0, abs.length - scale)}.${abs.slice(abs.length - scale)}`;
}

/** Nested values (lists, structs, maps, times, intervals) as JSON-like values. */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return toNumber(value);
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (value instanceof Vector) return Array.from(value, plain);
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const json = (value as { toJSON(): unknown }).toJSON();
    if (json instanceof Map) return Object.fromEntries([...json].map(([k, v]) => [String(k), plain(v)]));
    if (Array.isArray(json)) return json.map(plain);
    if (json !== null && typeof json === 'object') {
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, plain(v)]));
    }
    return json;
  }
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, plain);
  return value;
}

// ---------------------------------------------------------------------------------------------- writing

/**
 * Writes rows to a Parquet file (to `path.tmp-<pid>` first, renamed when complete, so a failed write
 * leaves no partial file). Column types: `types`, else inferred from the first `sampleRows` rows: booleans
 * -> bool, Dates -> timestamp (ms, UTC), numbers -> int64 when all are safe integers (bigints too) else
 * float64, strings -> utf8; a column with mixed kinds, objects or only nulls -> utf8 (objects as JSON).
 * A value that does not fit its column's type later on (e.g. 1.5 in a column inferred as int64) fails the
 * write with a ParquetFormatError that names the column; pass `types` to avoid that.
 * `options` may also be just the column names.
 */
export async function writeParquet(
  path: string,
  rows: Row[] | Iterable<Row[]> | AsyncIterable<Row[]>,
  options: string[] | ParquetWriteOptions = {},
): Promise<ParquetWriteSummary> {
  const opts: ParquetWriteOptions = Array.isArray(options) ? { columns: options } : options;
  const sampleRows = opts.sampleRows ?? DEFAULT_SAMPLE_ROWS;
  const batches = batchesOf(rows);
  const iterator = batches[Symbol.asyncIterator]();

  // Hold batches until enough rows have been seen to infer the types.
  const held: Row[][] = [];
  let heldRows = 0;
  let exhausted = false;
  while (heldRows < sampleRows) {
    const next = await iterator.next();
    if (next.done) {
      exhausted = true;
      break;
    }
    checkRows(next.value);
    held.push(next.value);
    heldRows += next.value.length;
  }
  const columns = inferColumns(held, opts);
  const schema = new Schema(columns.map((column) => new Field(column.name, arrowType(column.type), true)));

  let written = 0;
  async function* arrowBatches(): AsyncGenerator<RecordBatch> {
    const encodeAll = function* (chunk: Row[]): Generator<RecordBatch> {
      for (let start = 0; start < chunk.length; start += ENCODE_ROWS) {
        const part = chunk.slice(start, start + ENCODE_ROWS);
        yield encodeBatch(schema, columns, part, written);
        written += part.length;
      }
    };
    for (const chunk of held) yield* encodeAll(chunk);
    held.length = 0;
    if (exhausted) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      checkRows(next.value);
      yield* encodeAll(next.value);
    }
  }

  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'w');
  let bytes = 0;
  try {
    const properties = new wasm.WriterPropertiesBuilder()
      .setMaxRowGroupSize(opts.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE)
      .setCompression(compressionOf(opts.compression ?? 'snappy'))
      .setCreatedBy('omega-ts om (parquet-wasm)')
      .build();
    const source = wasmBatchStream(schema, arrowBatches());
    const output = (await wasm.transformParquetStream(
      source.stream,
      properties,
    )) as ReadableStream<Uint8Array>;
    const reader = output.getReader();
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        bytes += next.value.length;
        await handle.write(next.value);
      }
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      // An error of our own (a value that does not fit its column) reaches the writer only as a string.
      const cause = source.failure() ?? error;
      throw cause instanceof ParquetFormatError || cause instanceof TypeError
        ? cause
        : new ParquetFormatError(`${path}: cannot write Parquet: ${messageOf(cause)}`);
    }
    await handle.close();
    // transformParquetStream ends its output normally when its source fails, as if the rows had ended.
    const failure = source.failure();
    if (failure !== undefined) {
      throw failure instanceof ParquetFormatError || failure instanceof TypeError
        ? failure
        : new ParquetFormatError(`${path}: cannot write Parquet: ${messageOf(failure)}`);
    }
    const stored = await countParquetRows(temporary);
    if (stored !== written) {
      throw new ParquetFormatError(`${path}: wrote ${stored} of ${written} rows`);
    }
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  return { path, rows: written, bytes, columns };
}

/**
 * Arrow JS record batches as a pull-driven ReadableStream of parquet-wasm record batches (through Arrow
 * IPC), the form that transformParquetStream takes. With no rows at all, one empty batch carries the schema.
 */
function wasmBatchStream(
  schema: Schema,
  batches: AsyncIterable<RecordBatch>,
): { stream: ReadableStream<wasm.RecordBatch>; failure(): unknown } {
  const iterator = batches[Symbol.asyncIterator]();
  let any = false;
  let failure: unknown;
  const stream = new ReadableStream<wasm.RecordBatch>(
    {
      async pull(controller) {
        try {
          const next = await iterator.next();
          let batch: RecordBatch | undefined = next.done ? undefined : next.value;
          if (!batch && !any) batch = emptyBatch(schema);
          if (!batch) {
            controller.close();
            return;
          }
          any = true;
          const table = wasm.Table.fromIPCStream(tableToIPC(new Table([batch]), 'stream'));
          for (const wasmBatch of table.recordBatches()) controller.enqueue(wasmBatch);
          table.free();
        } catch (error) {
          failure = error;
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, failure: () => failure };
}

function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((field) => makeData({ type: field.type, length: 0 }));
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }),
  );
}

function batchesOf(rows: Row[] | Iterable<Row[]> | AsyncIterable<Row[]>): AsyncIterable<Row[]> {
  if (Array.isArray(rows) && !rows.every((item) => Array.isArray(item))) {
    return (async function* () {
      yield rows as Row[];
    })();
  }
  return (async function* () {
    yield* rows as Iterable<Row[]> | AsyncIterable<Row[]>;
  })();
}

function checkRows(rows: Row[]): void {
  if (!Array.isArray(rows)) throw new TypeError('writeParquet takes rows as arrays (batches) of objects');
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new TypeError(`rows must be objects {column: value}, not ${JSON.stringify(row)}`);
    }
  }
}

type Kind = 'bool' | 'int' | 'float' | 'date' | 'string' | 'other';

function inferColumns(batches: Row[][], options: ParquetWriteOptions): ParquetColumn[] {
  let names = options.columns;
  if (!names) {
    const seen = new Set<string>();
    for (const batch of batches) for (const row of batch) for (const key of Object.keys(row)) seen.add(key);
    names = [...seen];
  }
  if (names.length === 0) {
    throw new ParquetFormatError('no columns to write: pass the column names, or at least one row');
  }
  if (new Set(names).size !== names.length) throw new ParquetFormatError('column names must be unique');
  return names.map((name) => {
    const given = options.types?.[name];
    if (given) {
      if (!['float64', 'int64', 'utf8', 'bool', 'timestamp'].includes(given)) {
        throw new ParquetFormatError(`column ${name}: unknown type ${given}`);
      }
      return { name, type: given };
    }
    const kinds = new Set<Kind>();
    for (const batch of batches) {
      for (const row of batch) {
        const value = row[name];
        if (value !== null && value !== undefined) kinds.add(kindOf(value));
      }
    }
    return { name, type: typeOfKinds(kinds) };
  });
}

function kindOf(value: unknown): Kind {
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isSafeInteger(value) ? 'int' : 'float';
    case 'string':
      return 'string';
    default:
      return value instanceof Date ? 'date' : 'other';
  }
}

function typeOfKinds(kinds: Set<Kind>): ParquetColumnType {
  if (kinds.size === 1) {
    const [kind] = kinds;
    if (kind === 'bool') return 'bool';
    if (kind === 'int') return 'int64';
    if (kind === 'float') return 'float64';
    if (kind === 'date') return 'timestamp';
    return 'utf8';
  }
  if (kinds.size === 2 && kinds.has('int') && kinds.has('float')) return 'float64';
  return 'utf8';
}

function arrowType(type: ParquetColumnType): DataType {
  switch (type) {
    case 'float64':
      return new Float64();
    case 'int64':
      return new Int64();
    case 'bool':
      return new Bool();
    case 'timestamp':
      return new Timestamp(TimeUnit.MILLISECOND, 'UTC');
    case 'utf8':
      return new Utf8();
  }
}

function encodeBatch(schema: Schema, columns: ParquetColumn[], rows: Row[], offset: number): RecordBatch {
  const children = columns.map((column, index) => {
    const values = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const value = rows[i][column.name];
      values[i] = value === null || value === undefined ? null : cell(column, value, offset + i);
    }
    return vectorFromArray(values, schema.fields[index].type).data[0];
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }),
  );
}

/** A non-null value as what apache-arrow's builder takes for the column's type. */
function cell(column: ParquetColumn, value: unknown, row: number): unknown {
  const fail = (what: string) =>
    new ParquetFormatError(
      `column ${column.name}, row ${row}: ${describe(value)} is not ${what} (the column was inferred or ` +
        `given as ${column.type}; pass types: { ${JSON.stringify(column.name)}: '...' } to choose another)`,
    );
  switch (column.type) {
    case 'float64':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      throw fail('a number');
    case 'int64':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
      throw fail('an integer');
    case 'bool':
      if (typeof value === 'boolean') return value;
      throw fail('a boolean');
    case 'timestamp': {
      const time =
        value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
      if (typeof time === 'number' && Number.isFinite(time)) return time;
      throw fail('a date');
    }
    case 'utf8':
      if (typeof value === 'string') return value;
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'object')
        return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      return String(value);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return value.toISOString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function compressionOf(name: NonNullable<ParquetWriteOptions['compression']>): wasm.Compression {
  switch (name) {
    case 'snappy':
      return wasm.Compression.SNAPPY;
    case 'zstd':
      return wasm.Compression.ZSTD;
    case 'gzip':
      return wasm.Compression.GZIP;
    case 'none':
      return wasm.Compression.UNCOMPRESSED;
    default:
      throw new RangeError(`unknown compression ${String(name)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
