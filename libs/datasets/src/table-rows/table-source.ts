import { OmegaError } from '@omega/core';
import type { ColumnType } from './column-types';

export type TableRecord = Record<string, unknown>;

/** Rows are written to MongoDB in chunks of this many: large enough for throughput, small in memory. */
export const WRITE_CHUNK_ROWS = 5000;

/**
 * Tabular input as a stream of record chunks. Decoders (CSV, Arrow) produce one; records and column
 * objects are wrapped into one. The plugin never needs the whole table at once.
 */
export class TableSource {
  constructor(
    readonly chunks: AsyncIterable<TableRecord[]>,
    readonly dtypes: Record<string, ColumnType> = {},
  ) {}

  static fromRecords(records: readonly TableRecord[], dtypes?: Record<string, ColumnType>): TableSource {
    return new TableSource(chunked(records), dtypes);
  }

  static fromColumns(
    columns: Record<string, readonly unknown[]>,
    dtypes?: Record<string, ColumnType>,
  ): TableSource {
    const names = Object.keys(columns);
    const length = names.length === 0 ? 0 : columns[names[0]].length;
    for (const name of names) {
      if (columns[name].length !== length) {
        throw OmegaError.invalidInput(
          `column ${JSON.stringify(name)} has ${columns[name].length} values, expected ${length}`,
        );
      }
    }
    async function* rows(): AsyncGenerator<TableRecord[]> {
      for (let start = 0; start < length; start += WRITE_CHUNK_ROWS) {
        const end = Math.min(length, start + WRITE_CHUNK_ROWS);
        const chunk = new Array<TableRecord>(end - start);
        for (let row = start; row < end; row++) {
          const record: TableRecord = {};
          for (const name of names) record[name] = columns[name][row];
          chunk[row - start] = record;
        }
        yield chunk;
      }
    }
    return new TableSource(rows(), dtypes);
  }
}

async function* chunked(records: readonly TableRecord[]): AsyncGenerator<TableRecord[]> {
  for (let start = 0; start < records.length; start += WRITE_CHUNK_ROWS) {
    yield records.slice(start, start + WRITE_CHUNK_ROWS);
  }
}

function isScalar(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    value instanceof Date
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A non-empty array of flat objects whose values are all scalars. */
export function isRecords(input: unknown): input is TableRecord[] {
  if (!Array.isArray(input) || input.length === 0) return false;
  return input.every((row) => isPlainObject(row) && Object.values(row).every(isScalar));
}

/** `{column: [values]}` with scalar values only. */
export function isColumns(input: unknown): input is Record<string, unknown[]> {
  if (!isPlainObject(input)) return false;
  const values = Object.values(input);
  return values.length > 0 && values.every((column) => Array.isArray(column) && column.every(isScalar));
}
