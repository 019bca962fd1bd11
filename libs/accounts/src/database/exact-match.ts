/**
 * Returns `row` only when its key column equals `wanted` exactly. MariaDB and MySQL compare with PAD SPACE
 * collations (even the binary one), so `'alice '` finds `alice` there but not on PostgreSQL or SQLite; the
 * check makes every driver answer alike.
 */
export function exactly<T>(row: T | null, key: (row: T) => string, wanted: string): T | null {
  return row !== null && key(row) === wanted ? row : null;
}
