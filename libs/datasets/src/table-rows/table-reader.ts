import type { ColumnSchema } from './column-types';
import type { TableRecord } from './table-source';
import type { AggregateSpec, TableQuery } from './table-view';

/**
 * A record's row id where a reader knows it (columnar tables): the `dict` orientation's index. A symbol,
 * so JSON, CSV and Arrow output never see it.
 */
export const RECORD_ROW_ID = Symbol('rowId');

/**
 * What the table formats (JSON, CSV, Arrow) and copies read from: stored tables (`TableView`) and other
 * tabular kinds, such as SQL references, which run the query with filters, sort and paging pushed down.
 */
export interface TableReader {
  readonly columns: readonly ColumnSchema[];
  chunks(query?: TableQuery, chunkRows?: number): AsyncIterable<TableRecord[]>;
  /**
   * The most rows a read without a limit answers (SQL references: `OMEGA_SQL_MAX_ROWS`); absent: all.
   * Answers say so in the `X-Omega-Row-Cap` header.
   */
  readonly rowCap?: number;
  /**
   * The same rows as `chunks`, a column of values per selected column (no record objects): integers may
   * come as bigints, dates as Dates. Where present, Arrow answers read this.
   */
  columnChunks?(query: TableQuery, chunkRows: number): AsyncIterable<ColumnChunk>;
  /** Grouped `count sum mean min max` computed where the data lives; absent where that is not possible. */
  aggregate?(spec: AggregateSpec): Promise<TableRecord[]>;
}

/** Rows as columns: `columns[i]` holds the values of the query's i-th column, `rows` long. */
export interface ColumnChunk {
  rows: number;
  columns: (unknown[] | PackedColumn)[];
}

/**
 * A numeric or datetime column laid out as Arrow keeps it: `values` (doubles, or 64-bit integers: integers
 * as they are, datetimes in epoch milliseconds), and a validity bitmap (bit set = present, least significant
 * bit first) when any value is null. Answers write it out without a JavaScript value per cell.
 */
export interface PackedColumn {
  values: Float64Array | BigInt64Array;
  validity?: Uint8Array;
  nullCount: number;
}

export function isPackedColumn(column: unknown[] | PackedColumn): column is PackedColumn {
  return !Array.isArray(column);
}

export function isTableReader(value: unknown): value is TableReader {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as TableReader).columns) &&
    typeof (value as TableReader).chunks === 'function'
  );
}
