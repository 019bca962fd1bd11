import { OmegaError } from '@omega/core';
import type { ColumnType, TableRecord } from '@omega/datasets';

/** One column of a query's result, typed as tables type their columns. */
export interface ResultColumn {
  name: string;
  type: ColumnType;
}

/**
 * What the reference needs from a database: the result's columns without reading it whole, and its rows
 * in chunks with backpressure, so a million-row result never sits in memory. Errors are the driver's own;
 * the caller turns them into safe messages.
 */
export interface SqlRowDriver {
  describe(sql: string, values: unknown[]): Promise<ResultColumn[]>;
  chunks(sql: string, values: unknown[], chunkRows: number): AsyncGenerator<TableRecord[]>;
}

/** Result columns as a table needs them: named, unique, free of control characters. */
export function checkedColumns(columns: ResultColumn[]): ResultColumn[] {
  const seen = new Set<string>();
  for (const { name } of columns) {
    // eslint-disable-next-line no-control-regex
    if (name.length === 0 || /[\u0000-\u001f\u007f]/.test(name))
      throw OmegaError.invalidInput(
        `sql query returns a column named ${JSON.stringify(name)}; give it an alias of printable characters`,
      );
    if (seen.has(name))
      throw OmegaError.invalidInput(
        `sql query returns the column ${JSON.stringify(name)} twice; alias one of them`,
      );
    seen.add(name);
  }
  if (columns.length === 0) throw OmegaError.invalidInput('sql query returns no columns');
  return columns;
}

/** The stored type of a first value, for columns the database leaves untyped (SQLite expressions). */
export function typeOfSample(value: unknown): ColumnType {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Date) return 'datetime';
  return value === null || value === undefined ? 'null' : 'string';
}
