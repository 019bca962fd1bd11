import type { TableReader } from '@omega/datasets';

/**
 * The first `limit` rows of any table (stored rows, Parquet parts, a SQL query), as cells in column
 * order. The limit is pushed down to the reader, and reading stops there, so a preview costs the same for
 * ten rows or a billion.
 */
export async function firstRows(
  reader: TableReader,
  limit: number,
): Promise<{ columns: { name: string; type: string }[]; rows: unknown[][] }> {
  const columns = reader.columns.map((column) => ({ name: column.name, type: column.type }));
  const rows: unknown[][] = [];
  for await (const chunk of reader.chunks({ limit }, limit)) {
    for (const record of chunk) rows.push(columns.map((column) => record[column.name]));
    if (rows.length >= limit) break;
  }
  return { columns, rows: rows.slice(0, limit) };
}
