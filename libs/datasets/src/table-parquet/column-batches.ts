import type { DuckDBVector } from '@duckdb/node-api';
import { OmegaError } from '@omega/core';
import { DataType, Float, Int, Precision, RecordBatch, Type, Vector } from 'apache-arrow';
import { batchToRecords } from '../table-rows/formats/arrow';
import { MAX_CELL_CHARS, TableSchema } from '../table-rows/table-schema';
import type { TableRecord } from '../table-rows/table-source';
import type { CsvColumns } from '../table-rows/formats/csv';
import { ColumnFill, OpenPart, timestampValue } from './part-writer';

/** Rows of one upload chunk, written into parts a slice at a time (a slice never spans two parts). */
export interface RowBatch {
  rows: number;
  /**
   * Checks and types rows `offset … offset + count - 1` as `TableSchema.toDocuments` does (the schema
   * grows and widens as it would), and answers how to append them to a part of the schema's columns.
   */
  take(schema: TableSchema, offset: number, count: number, firstRowId: number): (part: OpenPart) => void;
}

/** A chunk of records: converted to row documents, as every table kind takes them. */
export function recordBatch(records: readonly TableRecord[]): RowBatch {
  return {
    rows: records.length,
    take(schema, offset, count, firstRowId) {
      const documents = schema.toDocuments(records.slice(offset, offset + count), firstRowId);
      widenBeyondInt64(schema, documents, firstRowId);
      return (part) => part.append(documents, firstRowId);
    },
  };
}

/** Whole doubles a BIGINT part column holds: from -2^63 up to (not including) 2^63. */
const INT64_BOUND = 2 ** 63;

/**
 * table.rows keeps whole numbers beyond a signed 64-bit integer (e.g. 1e20) as doubles in an `integer`
 * column; a part column of that type is BIGINT, which cannot hold them, so here such a column widens to
 * `number` (as a fraction would widen it), keeping the values table.rows gives back. A column declared
 * integer cannot widen: a 400 names the first such row.
 */
function widenBeyondInt64(
  schema: TableSchema,
  documents: readonly Record<string, unknown>[],
  firstRowId: number,
): void {
  for (const column of schema.columns) {
    if (column.type !== 'integer') continue;
    const row = documents.findIndex((document) => {
      const value = document[column.key];
      return typeof value === 'number' && (value >= INT64_BOUND || value < -INT64_BOUND);
    });
    if (row < 0) continue;
    try {
      schema.toDocuments([{ [column.name]: 0.5 }], firstRowId + row);
    } catch {
      throw OmegaError.invalidInput(
        `column ${JSON.stringify(column.name)} row ${firstRowId + row}: ${String(documents[row][column.key])} does not fit a 64-bit integer, and the column's type is fixed as integer`,
      );
    }
  }
}

export async function* recordBatches(chunks: AsyncIterable<TableRecord[]>): AsyncGenerator<RowBatch> {
  for await (const chunk of chunks) yield recordBatch(chunk);
}

/**
 * Rows written a column at a time: no record per row. Each column's values are read once (numbers into a
 * Float64Array, NaN for null), and the schema is grown by one sample row per slice holding each column's
 * widest value type, so column order, keys, types and widening are the record path's. Anything the
 * record path would refuse or convert (infinite numbers, integers beyond 2^53, text too long or holding
 * NUL, duplicate names, mixed or unknown value types, a value type the column does not take) sends the
 * batch (`columns` undefined), or the slice, through the record path instead, which answers the same 400.
 */
function columnBatch(
  rows: number,
  columns: BatchColumn[] | undefined,
  records: () => TableRecord[],
): RowBatch {
  let fallback: RowBatch | undefined;
  const asRecords = () => (fallback ??= recordBatch(records()));
  if (!columns) return asRecords();
  return {
    rows,
    take(schema, offset, count, firstRowId) {
      const sample: TableRecord = {};
      for (const column of columns) sample[column.name] = column.sample(offset, count);
      try {
        schema.toDocuments([sample], firstRowId);
      } catch {
        return asRecords().take(schema, offset, count, firstRowId);
      }
      const byName = new Map(columns.map((column) => [column.name, column]));
      const fills: ColumnFill[] = [];
      for (const column of schema.columns) {
        const source = byName.get(column.name);
        const fill = source && column.type !== 'null' ? source.fill(column.type, offset) : nullFill;
        if (!fill) return asRecords().take(schema, offset, count, firstRowId);
        fills.push(fill);
      }
      return (part) => part.appendColumns(firstRowId, count, fills);
    },
  };
}

/** An Arrow record batch, from its columns. */
export function arrowBatch(batch: RecordBatch): RowBatch {
  return columnBatch(batch.numRows, batchColumns(batch), () => arrowRecords(batch));
}

/** A chunk of CSV rows, from its columns of typed values. */
export function csvBatch(chunk: CsvColumns): RowBatch {
  const columns: BatchColumn[] = [];
  for (const [index, name] of chunk.names.entries()) {
    const column = valuesColumn(name, chunk.values[index]);
    if (!column) break;
    columns.push(column);
  }
  const records = () =>
    Array.from({ length: chunk.rows }, (_row, row) => {
      const record: TableRecord = {};
      chunk.names.forEach((name, index) => (record[name] = chunk.values[index][row]));
      return record;
    });
  return columnBatch(chunk.rows, columns.length === chunk.names.length ? columns : undefined, records);
}

export async function* csvBatches(chunks: AsyncIterable<CsvColumns>): AsyncGenerator<RowBatch> {
  for await (const chunk of chunks) yield csvBatch(chunk);
}

/** The record path's records of a batch, with its answer to a batch it cannot read. */
function arrowRecords(batch: RecordBatch): TableRecord[] {
  try {
    return batchToRecords(batch);
  } catch (error) {
    if (error instanceof OmegaError) throw error;
    throw OmegaError.invalidInput(`Arrow stream could not be read: ${(error as Error).message}`);
  }
}

export async function* arrowBatches(batches: AsyncIterable<RecordBatch>): AsyncGenerator<RowBatch> {
  for await (const batch of batches) yield arrowBatch(batch);
}

const nullFill: ColumnFill = (vector, _from, count) => {
  for (let row = 0; row < count; row++) vector.setItem(row, null);
  return 0;
};

/** Above this, a double is no exactly stored integer (and BIGINT may not hold it). */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

interface BatchColumn {
  name: string;
  /** The widest value of rows `offset … offset + count - 1` as the record path would see it; null if none. */
  sample(offset: number, count: number): unknown;
  /** Writes rows from `offset` into a part column of `type`; undefined when the record path must. */
  fill(type: string, offset: number): ColumnFill | undefined;
}

/** The batch's columns, or undefined when some value needs the record path. */
function batchColumns(batch: RecordBatch): BatchColumn[] | undefined {
  const names = new Set<string>();
  const columns: BatchColumn[] = [];
  for (const [index, field] of batch.schema.fields.entries()) {
    // `__proto__` is no key of a record; a repeated name keeps its last values in the record path.
    if (names.has(field.name) || field.name === '__proto__') return undefined;
    names.add(field.name);
    const column = batchColumn(field.name, field.type as DataType, batch.getChildAt(index) as Vector);
    if (!column) return undefined;
    columns.push(column);
  }
  return columns;
}

function batchColumn(name: string, type: DataType, vector: Vector): BatchColumn | undefined {
  const rows = vector.length;
  switch (type.typeId) {
    case Type.Float:
    case Type.Int: {
      if (type.typeId === Type.Float && (type as Float).precision === Precision.HALF) return undefined;
      const is64 = type.typeId === Type.Int && (type as Int).bitWidth === 64;
      const raw = vector.toArray() as ArrayLike<number | bigint>;
      const nulls = vector.nullCount > 0;
      const values = numbers(rows, (row) =>
        nulls && !vector.isValid(row) ? null : is64 ? Number(raw[row] as bigint) : (raw[row] as number),
      );
      return values && numberColumn(name, values, type.typeId === Type.Int);
    }
    case Type.Bool:
      return valueColumn(name, rows, (row) => vector.get(row) as boolean | null, 'boolean', true);
    case Type.Utf8:
    case Type.LargeUtf8:
      return textColumn(name, rows, (row) => vector.get(row) as string | null);
    case Type.Timestamp:
    case Type.Date:
      return timeColumn(name, rows, (row) => vector.get(row) as number | Date | null);
    case Type.Null:
      return { name, sample: () => null, fill: () => nullFill };
    default:
      return undefined;
  }
}

/** A column of JavaScript values as the record path holds them; undefined for mixed or other types. */
function valuesColumn(name: string, values: readonly unknown[]): BatchColumn | undefined {
  let kind: string | undefined;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const seen = value instanceof Date ? 'date' : typeof value;
    if (kind !== undefined && kind !== seen) return undefined;
    kind = seen;
  }
  const get = (row: number) => values[row] ?? null;
  switch (kind) {
    case undefined:
      return { name, sample: () => null, fill: () => nullFill };
    case 'number': {
      const numeric = numbers(values.length, get as (row: number) => number | null);
      return numeric && numberColumn(name, numeric, false);
    }
    case 'boolean':
      return valueColumn(name, values.length, get as (row: number) => boolean | null, 'boolean', true);
    case 'string':
      return textColumn(name, values.length, get as (row: number) => string | null);
    case 'date':
      return timeColumn(name, values.length, get as (row: number) => Date | null);
    default:
      return undefined;
  }
}

function textColumn(
  name: string,
  rows: number,
  get: (row: number) => string | null,
): BatchColumn | undefined {
  const texts = new Array<string | null>(rows);
  for (let row = 0; row < rows; row++) {
    const text = get(row) ?? null;
    if (text !== null && (text.length > MAX_CELL_CHARS || text.includes('\u0000'))) return undefined;
    texts[row] = text;
  }
  return valueColumn(name, rows, (row) => texts[row], 'string', 'x');
}

function timeColumn(
  name: string,
  rows: number,
  get: (row: number) => number | Date | null,
): BatchColumn | undefined {
  const times = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const value = get(row);
    if (value === null || value === undefined) times[row] = NaN;
    else {
      times[row] = (value instanceof Date ? value : new Date(value)).getTime();
      if (Number.isNaN(times[row])) return undefined;
    }
  }
  return {
    name,
    sample: (offset, count) => (someValue(times, offset, count) ? new Date(0) : null),
    fill: (target, offset) =>
      target === 'datetime'
        ? fillFrom(offset, (row) => (Number.isNaN(times[row]) ? null : timestampValue(times[row])))
        : undefined,
  };
}

/**
 * A numeric column's values as doubles, NaN for null (the record path stores NaN as null too); undefined
 * when one is infinite or an integer beyond the exactly storable ones.
 */
function numbers(rows: number, get: (row: number) => number | null): Float64Array | undefined {
  const values = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const value = get(row);
    if (value === null) {
      values[row] = NaN;
      continue;
    }
    if (value === Infinity || value === -Infinity) return undefined;
    if (Math.abs(value) > MAX_EXACT && Number.isInteger(value)) return undefined;
    values[row] = value;
  }
  return values;
}

function numberColumn(name: string, values: Float64Array, integers: boolean): BatchColumn {
  return {
    name,
    sample(offset, count) {
      let seen = false;
      for (let row = offset; row < offset + count; row++) {
        const value = values[row];
        if (Number.isNaN(value)) continue;
        if (!integers && !Number.isInteger(value)) return 0.5;
        seen = true;
      }
      return seen ? 1 : null;
    },
    fill(type, offset) {
      if (type === 'number')
        return fillFrom(offset, (row) => (Number.isNaN(values[row]) ? null : values[row]));
      if (type === 'integer')
        return fillFrom(offset, (row) => (Number.isNaN(values[row]) ? null : BigInt(values[row])));
      return undefined;
    },
  };
}

/** A column of booleans or strings, read once into `value`. */
function valueColumn(
  name: string,
  rows: number,
  value: (row: number) => boolean | string | null,
  type: 'boolean' | 'string',
  example: boolean | string,
): BatchColumn {
  const values = new Array<boolean | string | null>(rows);
  for (let row = 0; row < rows; row++) values[row] = value(row) ?? null;
  return {
    name,
    sample(offset, count) {
      for (let row = offset; row < offset + count; row++) if (values[row] !== null) return example;
      return null;
    },
    fill(target, offset) {
      if (target !== type) return undefined;
      if (type === 'boolean') return fillFrom(offset, (row) => values[row]);
      return (vector, from, count) => {
        let chars = 0;
        for (let row = 0; row < count; row++) {
          const text = values[offset + from + row] as string | null;
          if (text !== null) chars += text.length;
          vector.setItem(row, text);
        }
        return chars;
      };
    },
  };
}

function someValue(times: Float64Array, offset: number, count: number): boolean {
  for (let row = offset; row < offset + count; row++) if (!Number.isNaN(times[row])) return true;
  return false;
}

/** A fill writing `value(row)` for the batch rows from `offset`. */
function fillFrom(offset: number, value: (row: number) => unknown): ColumnFill {
  return (vector, from, count) => {
    const target = vector as DuckDBVector<never>;
    for (let row = 0; row < count; row++) target.setItem(row, value(offset + from + row) as never);
    return 0;
  };
}
