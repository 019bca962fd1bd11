import type { DuckDBResult } from '@duckdb/node-api';
import { type ColumnChunk, RECORD_ROW_ID } from '../table-rows/table-reader';
import type { TableRecord } from '../table-rows/table-source';

/**
 * Turns a streaming DuckDB result into record chunks of about `chunkRows`. Queries answer numbers and
 * dates as doubles (dates in epoch milliseconds), which read fast; `dated` columns become Dates. With
 * `rowIds`, the first result column is the row id, kept on each record under RECORD_ROW_ID.
 */
export async function* duckdbRecords(
  result: DuckDBResult,
  names: readonly string[],
  dated: readonly boolean[],
  options: { chunkRows: number; rowIds: boolean },
): AsyncGenerator<TableRecord[]> {
  const first = options.rowIds ? 1 : 0;
  let pending: TableRecord[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const columns = chunk.getColumns();
    for (let row = 0; row < chunk.rowCount; row++) {
      const record: TableRecord = {};
      for (let index = 0; index < names.length; index++) {
        const value = columns[index + first][row] as unknown;
        record[names[index]] = value === null ? null : dated[index] ? new Date(value as number) : value;
      }
      if (options.rowIds) (record as Record<symbol, unknown>)[RECORD_ROW_ID] = Number(columns[0][row]);
      pending.push(record);
    }
    if (pending.length >= options.chunkRows) {
      yield pending;
      pending = [];
    }
  }
  if (pending.length > 0) yield pending;
}

/**
 * Turns a streaming DuckDB result into column chunks of about `chunkRows` rows: each column's values as
 * DuckDB hands them over, `dated` columns (epoch milliseconds) as Dates. No object per row.
 */
export async function* duckdbColumns(
  result: DuckDBResult,
  dated: readonly boolean[],
  chunkRows: number,
): AsyncGenerator<ColumnChunk> {
  let pending: unknown[][][] = [];
  let rows = 0;
  const gathered = (): ColumnChunk => {
    const columns = dated.map((isDate, index) => {
      const values =
        pending.length === 1
          ? pending[0][index]
          : ([] as unknown[]).concat(...pending.map((chunk) => chunk[index]));
      return isDate ? values.map((value) => (value === null ? null : new Date(value as number))) : values;
    });
    const batch = { rows, columns };
    pending = [];
    rows = 0;
    return batch;
  };
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    pending.push(chunk.getColumns() as unknown[][]);
    rows += chunk.rowCount;
    if (rows >= chunkRows) yield gathered();
  }
  if (rows > 0) yield gathered();
}
