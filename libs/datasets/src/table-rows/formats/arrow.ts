import { OmegaError } from '@omega/core';
import {
  AsyncByteQueue,
  Bool,
  DataType,
  Field,
  Float64,
  Int64,
  makeData,
  Null,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Type,
  Utf8,
  Vector,
  vectorFromArray,
} from 'apache-arrow';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { ColumnSchema, ColumnType } from '../column-types';
import { TableRecord, TableSource } from '../table-source';
import { type ColumnChunk, isPackedColumn, type PackedColumn, type TableReader } from '../table-reader';
import type { TableQuery } from '../table-view';
import { writeWithBackpressure } from './stream-writes';

export const ARROW_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';
const ARROW_BATCH_ROWS = 10_000;

/**
 * An Arrow IPC body, read batch by batch: as one chunk of records per batch (`chunks`), or as the record
 * batches themselves (`batches`, what a columnar writer takes), whichever is read first.
 */
export class ArrowTableSource extends TableSource {
  constructor(readonly batches: AsyncIterable<RecordBatch>) {
    super(recordChunks(batches));
  }
}

/** Reads an Arrow IPC stream batch by batch; each batch becomes one chunk of records. */
export function arrowTableSource(body: Readable): ArrowTableSource {
  return new ArrowTableSource(arrowBatches(body));
}

async function* arrowBatches(body: Readable): AsyncGenerator<RecordBatch> {
  let reader;
  try {
    // The reader destroys its source once it sees the end-of-stream marker; destroying an HTTP request
    // before its end aborts the response, so the reader gets a stream of its own.
    reader = await RecordBatchReader.from(body.pipe(new PassThrough()));
  } catch (error) {
    throw OmegaError.invalidInput(`Arrow stream could not be read: ${(error as Error).message}`);
  }
  try {
    for await (const batch of reader) yield batch;
  } catch (error) {
    throw OmegaError.invalidInput(`Arrow stream could not be read: ${(error as Error).message}`);
  }
}

async function* recordChunks(batches: AsyncIterable<RecordBatch>): AsyncGenerator<TableRecord[]> {
  for await (const batch of batches) {
    try {
      yield batchToRecords(batch);
    } catch (error) {
      if (error instanceof OmegaError) throw error;
      throw OmegaError.invalidInput(`Arrow stream could not be read: ${(error as Error).message}`);
    }
  }
}

/** The batch's rows as records: each Arrow value as the table stores it (integers beyond 2^53 refused). */
export function batchToRecords(batch: RecordBatch): TableRecord[] {
  const names = batch.schema.fields.map((field) => field.name);
  const readers = batch.schema.fields.map((field, index) =>
    cellReader(field, batch.getChildAt(index) as Vector),
  );
  const records = new Array<TableRecord>(batch.numRows);
  for (let row = 0; row < batch.numRows; row++) {
    const record: TableRecord = {};
    for (let column = 0; column < names.length; column++) record[names[column]] = readers[column](row);
    records[row] = record;
  }
  return records;
}

/** A fast accessor per column: typed arrays where there are no nulls, `get()` otherwise. */
function cellReader(field: Field, vector: Vector): (row: number) => unknown {
  const type = field.type as DataType;
  switch (type.typeId) {
    case Type.Float:
    case Type.Int: {
      const is64 = type.typeId === Type.Int && (type as unknown as { bitWidth: number }).bitWidth === 64;
      if (!is64 && vector.nullCount === 0) {
        const values = vector.toArray() as ArrayLike<number>;
        return (row) => values[row];
      }
      return (row) => {
        const value = vector.get(row) as number | bigint | null;
        if (typeof value !== 'bigint') return value;
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw OmegaError.invalidInput(
            `column ${field.name}: ${value} is beyond the exactly storable integers`,
          );
        }
        return Number(value);
      };
    }
    case Type.Timestamp:
    case Type.Date:
      return (row) => {
        const value = vector.get(row) as number | Date | null;
        return value === null ? null : value instanceof Date ? value : new Date(value);
      };
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Bool:
    case Type.Null:
    case Type.Dictionary:
      return (row) => vector.get(row) ?? null;
    default:
      throw OmegaError.invalidInput(
        `column ${field.name}: Arrow type ${String(type)} is not supported in tables`,
      );
  }
}

function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'integer':
      return new Int64();
    case 'number':
      return new Float64();
    case 'boolean':
      return new Bool();
    case 'datetime':
      return new TimestampMillisecond();
    case 'null':
      return new Null();
    default:
      return new Utf8();
  }
}

function columnData(column: ColumnSchema, type: DataType, rows: number, given: unknown[] | PackedColumn) {
  if (isPackedColumn(given)) {
    // Laid out as Arrow keeps it already: the arrays go into the batch as they are.
    const { values, validity, nullCount } = given;
    return makeData({
      type: type as Float64,
      length: rows,
      data: values as Float64Array,
      nullBitmap: validity,
      nullCount,
    });
  }
  const values = given;
  const length = values.length;
  let nulls = 0;
  let bigints = true;
  for (let row = 0; row < length; row++) {
    const value = values[row];
    if (value === null || value === undefined) nulls++;
    else if (typeof value !== 'bigint') bigints = false;
  }
  if (nulls === 0 && column.type === 'number') {
    return makeData({ type: type as Float64, length, data: Float64Array.from(values as number[]) });
  }
  if (column.type === 'integer') {
    if (nulls === 0 && bigints)
      return makeData({ type: type as Int64, length, data: BigInt64Array.from(values as bigint[]) });
    return vectorFromArray(
      values.map((value) => (value === null || value === undefined ? null : BigInt(value as number))),
      type as Int64,
    ).data[0];
  }
  const present = nulls === 0 ? values : values.map((value) => value ?? null);
  if (column.type === 'datetime') {
    return vectorFromArray(present as (Date | null)[], type as TimestampMillisecond).data[0];
  }
  return vectorFromArray(present, type).data[0];
}

/**
 * What the Arrow writer encodes, kept until written out: each batch goes to the client as soon as it is
 * encoded, with backpressure, and nothing runs on its own that could fail unobserved (the writer's Node
 * duplex leaves a rejected promise unhandled when its input fails).
 */
class EncodedBytes extends AsyncByteQueue {
  private parts: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.parts.push(value);
  }

  async writeTo(out: Writable): Promise<void> {
    const parts = this.parts;
    this.parts = [];
    for (const part of parts) await writeWithBackpressure(out, part);
  }
}

/**
 * Streams the query's rows as an Arrow IPC stream, one record batch per chunk. The schema goes out with
 * the first batch (so a failing first read still gets an error status), and the end-of-stream marker only
 * once every batch is out: a stream cut short by a failure has none.
 */
export async function writeArrow(view: TableReader, query: TableQuery, out: Writable): Promise<void> {
  const columns = query.columns ?? view.columns;
  const types = columns.map((column) => arrowType(column.type));
  const schema = new Schema(columns.map((column, index) => new Field(column.name, types[index], true)));
  const encoded = new EncodedBytes();
  const writer = new RecordBatchStreamWriter().reset(encoded);
  let sent = false;
  // A reader that answers columns (the columnar kind) never builds a record per row.
  const batches = view.columnChunks
    ? view.columnChunks(query, ARROW_BATCH_ROWS)
    : columnsOf(view.chunks(query, ARROW_BATCH_ROWS), columns);
  for await (const batch of batches) {
    sent = true;
    writer.write(toBatch(schema, columns, types, batch));
    await encoded.writeTo(out);
  }
  if (!sent) writer.write(toBatch(schema, columns, types, { rows: 0, columns: columns.map(() => []) }));
  writer.close();
  await encoded.writeTo(out);
}

async function* columnsOf(
  chunks: AsyncIterable<TableRecord[]>,
  columns: readonly ColumnSchema[],
): AsyncGenerator<ColumnChunk> {
  for await (const records of chunks) {
    yield {
      rows: records.length,
      columns: columns.map((column) => records.map((record) => record[column.name])),
    };
  }
}

function toBatch(schema: Schema, columns: readonly ColumnSchema[], types: DataType[], batch: ColumnChunk) {
  const children = columns.map((column, index) =>
    columnData(column, types[index], batch.rows, batch.columns[index]),
  );
  const data = makeData({ type: new Struct(schema.fields), length: batch.rows, nullCount: 0, children });
  return new RecordBatch(schema, data);
}
