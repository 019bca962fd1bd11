import type { TableRecord } from '@omega/datasets';
import Database from 'better-sqlite3';
import type { ColumnType } from '@omega/datasets';
import { checkedColumns, ResultColumn, SqlRowDriver, typeOfSample } from './sql-driver';

/**
 * SQLite files, opened read-only. While a better-sqlite3 iterator is open its connection can run nothing
 * else, so each read opens a handle of its own (a file open, microseconds) instead of sharing a pool.
 */
export class SqliteRowDriver implements SqlRowDriver {
  constructor(private readonly path: string) {}

  async describe(sql: string, values: unknown[]): Promise<ResultColumn[]> {
    const db = this.open();
    try {
      const statement = db.prepare(sql);
      if (!statement.reader) throw new SqliteQueryError('sql query must return rows (a SELECT)');
      const columns = statement.columns();
      // Expressions have no declared type: the first row tells.
      const first = columns.some((column) => !column.type)
        ? (statement.get(...values) as TableRecord | undefined)
        : undefined;
      return checkedColumns(
        columns.map((column) => ({
          name: column.name,
          type: column.type ? declaredType(column.type) : typeOfSample(first?.[column.name]),
        })),
      );
    } finally {
      db.close();
    }
  }

  async *chunks(sql: string, values: unknown[], chunkRows: number): AsyncGenerator<TableRecord[]> {
    const db = this.open();
    const rows = db.prepare(sql).iterate(...values) as IterableIterator<TableRecord>;
    try {
      let chunk: TableRecord[] = [];
      for (const row of rows) {
        chunk.push(row);
        if (chunk.length >= chunkRows) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield chunk;
    } finally {
      rows.return?.();
      db.close();
    }
  }

  private open(): Database.Database {
    return new Database(this.path, { readonly: true, fileMustExist: true });
  }
}

/** A query problem SQLite reports through better-sqlite3's API rather than an SqliteError. */
export class SqliteQueryError extends Error {
  readonly code = 'SQLITE_QUERY';
}

/** SQLite's affinity rules (section 3.1 of its datatype page), as table column types. */
function declaredType(declared: string): ColumnType {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'integer';
  if (type.includes('BOOL')) return 'integer';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'string';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'number';
  if (type.includes('NUM') || type.includes('DEC')) return 'number';
  return 'string';
}
