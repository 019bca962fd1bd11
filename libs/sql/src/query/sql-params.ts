import type { SqlDialect } from '../url/sql-url';

/**
 * Collects bound values and hands out the driver's parameter syntax for each: `$1` for PostgreSQL,
 * `?` for MySQL/MariaDB and SQLite, `@p0` for SQL Server. Values are always bound, never spliced.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(readonly dialect: SqlDialect) {}

  add(value: unknown): string {
    this.values.push(this.dialect === 'sqlite' ? sqliteValue(value) : value);
    switch (this.dialect) {
      case 'postgres':
        return `$${this.values.length}`;
      case 'mssql':
        return `@p${this.values.length - 1}`;
      default:
        return '?';
    }
  }

  /** Whether one bound value may be referred to twice (`$1 ... $1`); `?` needs one value per use. */
  get reusable(): boolean {
    return this.dialect === 'postgres' || this.dialect === 'mssql';
  }
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null only. */
function sqliteValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  return value;
}
