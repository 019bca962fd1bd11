import {
  Bool,
  DataType,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchReader,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimestampMillisecond,
  Type,
  Utf8,
  Vector,
  vectorFromArray,
} from 'apache-arrow';
import { Readable } from 'node:stream';

export const ARROW_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';
export const DEFAULT_BATCH_ROWS = 10_000;

export type Row = Record<string, unknown>;

const INTEGER_DTYPES = new Set([
  'integer',
  'int',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
]);

/**
 * An Arrow IPC stream of rows, made batch by batch as the request body reads it: the rows may come from a
 * lazy (async) generator, and at most one batch of them is held at a time. Column names and types are
 * taken from the first batch (numbers are float64 unless `dtypes` names an integer type). The returned
 * `failure()` tells why the stream broke off, if it did, since fetch only reports that it did.
 */
export function arrowStreamOfRows(
  rows: Iterable<Row> | AsyncIterable<Row>,
  options: { batchRows?: number; dtypes?: Record<string, string> } = {},
): { body: Readable; failure(): Error | undefined } {
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  async function* batches(): AsyncGenerator<RecordBatch> {
    let encoder: BatchEncoder | undefined;
    let pending: Row[] = [];
    for await (const row of rows as AsyncIterable<Row>) {
      pending.push(row);
      if (pending.length >= batchRows) {
        encoder ??= new BatchEncoder(pending, options.dtypes ?? {});
        yield encoder.encode(pending);
        pending = [];
      }
    }
    if (pending.length > 0 || !encoder) {
      if (pending.length === 0) throw new TypeError('no rows to store: the table needs at least one row');
      encoder ??= new BatchEncoder(pending, options.dtypes ?? {});
      yield encoder.encode(pending);
    }
  }
  return arrowStreamOfBatches(batches());
}

/**
 * Record batches as an Arrow IPC stream, encoded one batch at a time as the body is read. (apache-arrow's
 * own Node writer reads all of its input before it gives out a byte, which would hold a whole upload.)
 */
export function arrowStreamOfBatches(batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>): {
  body: Readable;
  failure(): Error | undefined;
} {
  let failed: Error | undefined;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    try {
      let schemaBytes: number | undefined;
      for await (const batch of batches as AsyncIterable<RecordBatch>) {
        const whole = tableToIPC(new Table([batch]), 'stream');
        if (schemaBytes === undefined) {
          schemaBytes = tableToIPC(new Table(batch.schema), 'stream').length - END_OF_STREAM.length;
          yield whole.subarray(0, whole.length - END_OF_STREAM.length);
        } else {
          yield whole.subarray(schemaBytes, whole.length - END_OF_STREAM.length);
        }
        // Lets the socket (and an API in this same process) read before the next batch is made.
        await new Promise((resolve) => setImmediate(resolve));
      }
      yield END_OF_STREAM;
    } catch (error) {
      failed = error as Error;
      throw error;
    }
  }
  return { body: Readable.from(bytes(), { objectMode: false }), failure: () => failed };
}

/** The IPC stream's end marker: a continuation token and a zero length. */
const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

export function arrowStreamOfTable(table: Table): { body: Readable; failure(): Error | undefined } {
  return arrowStreamOfBatches(table.batches);
}

/** Turns rows into record batches of one fixed schema. */
class BatchEncoder {
  private readonly columns: string[];
  private readonly schema: Schema;

  constructor(first: readonly Row[], dtypes: Record<string, string>) {
    const head = first[0];
    this.columns = typeof head === 'object' && head !== null && !Array.isArray(head) ? Object.keys(head) : [];
    if (this.columns.length === 0) throw new TypeError('rows must be objects with at least one column');
    this.schema = new Schema(
      this.columns.map((column) => new Field(column, columnType(column, first, dtypes[column]), true)),
    );
  }

  encode(rows: readonly Row[]): RecordBatch {
    for (const row of rows) {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new TypeError(`rows must be objects {column: value}, not ${JSON.stringify(row)}`);
      }
    }
    const children = this.schema.fields.map((field) => columnData(field, rows));
    const data = makeData({
      type: new Struct(this.schema.fields),
      length: rows.length,
      nullCount: 0,
      children,
    });
    return new RecordBatch(this.schema, data);
  }
}

function columnType(column: string, rows: readonly Row[], dtype: string | undefined): DataType {
  const sample = rows.find((row) => row[column] !== null && row[column] !== undefined)?.[column];
  if (dtype && INTEGER_DTYPES.has(dtype.toLowerCase())) return new Int64();
  if (typeof sample === 'bigint') return new Int64();
  if (typeof sample === 'number') return new Float64();
  if (typeof sample === 'boolean') return new Bool();
  if (sample instanceof Date) return new TimestampMillisecond();
  if (typeof sample === 'string' || sample === undefined) return new Utf8();
  throw new TypeError(
    `column ${column}: ${typeof sample} values cannot be streamed; use numbers, strings, booleans, dates or null`,
  );
}

function columnData(field: Field, rows: readonly Row[]) {
  const length = rows.length;
  const values = new Array<unknown>(length);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    const value = rows[i][field.name] ?? null;
    if (value === null) nulls++;
    values[i] = value;
  }
  switch (field.type.typeId) {
    case Type.Float:
      if (nulls === 0) {
        const numbers = new Float64Array(length);
        for (let i = 0; i < length; i++) numbers[i] = expectNumber(field.name, values[i]);
        return makeData({ type: field.type as Float64, length, data: numbers });
      }
      return vectorFromArray(
        values.map((value) => (value === null ? null : expectNumber(field.name, value))),
        field.type,
      ).data[0];
    case Type.Int:
      return vectorFromArray(
        values.map((value) => (value === null ? null : toBigInt(field.name, value))),
        field.type as Int64,
      ).data[0];
    default:
      return vectorFromArray(values, field.type).data[0];
  }
}

function expectNumber(column: string, value: unknown): number {
  if (typeof value !== 'number')
    throw new TypeError(`column ${column}: ${JSON.stringify(value)} is not a number`);
  return value;
}

function toBigInt(column: string, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new TypeError(`column ${column}: ${JSON.stringify(value)} is not an integer`);
}

/** Reads an Arrow IPC stream batch by batch and yields each batch as rows. */
export async function* rowsOfArrowStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<Row[]> {
  const reader = await RecordBatchReader.from(body);
  for await (const batch of reader) yield batchToRows(batch);
}

function batchToRows(batch: RecordBatch): Row[] {
  const names = batch.schema.fields.map((field) => field.name);
  const readers = batch.schema.fields.map((field, index) =>
    cellReader(field, batch.getChildAt(index) as Vector),
  );
  const rows = new Array<Row>(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Row = {};
    for (let c = 0; c < names.length; c++) row[names[c]] = readers[c](i);
    rows[i] = row;
  }
  return rows;
}

/** Integers come back as numbers (the platform stores only exactly representable ones), times as Dates. */
function cellReader(field: Field, vector: Vector): (row: number) => unknown {
  switch (field.type.typeId) {
    case Type.Float:
    case Type.Int: {
      if (vector.nullCount === 0) {
        const values = vector.toArray() as ArrayLike<number | bigint>;
        return (row) => Number(values[row]);
      }
      return (row) => {
        const value = vector.get(row) as number | bigint | null;
        return value === null ? null : Number(value);
      };
    }
    case Type.Timestamp:
    case Type.Date:
      return (row) => {
        const value = vector.get(row) as number | Date | null;
        return value === null ? null : value instanceof Date ? value : new Date(value);
      };
    default:
      return (row) => vector.get(row) ?? null;
  }
}
