import Database from 'better-sqlite3';

/** A SQLite file made by `setup` (SQL), as a SQL reference names it, with the owner's handle for checks. */
export function sqliteFile(path: string, setup: string) {
  const db = new Database(path);
  db.exec(setup);
  return {
    url: `sqlite://${path}`,
    db,
    run: async (sql: string) => db.prepare(sql).all() as Record<string, unknown>[],
  };
}
