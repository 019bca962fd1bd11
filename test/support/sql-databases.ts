import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

export type SqlKind = 'postgres' | 'mariadb' | 'sqlite';

/** A database of its own for one suite: `url` goes into `OMEGA_SQL_URL`, `drop()` removes it. */
export interface TestSqlDatabase {
  kind: SqlKind;
  url: string;
  /** A folder to use as the data folder; SQLite's file lives in it. */
  dataDir: string;
  drop(): Promise<void>;
}

function serviceUrl(variable: string): string {
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} is not set: run \`npm run services\` (npm test does) first`);
  return url;
}

/** The same server URL with another database name in its path. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Creates a fresh, uniquely named database (PostgreSQL, MariaDB) or SQLite file for one suite. A bare
 * TypeORM connection with no entities runs the SQL (pg has no type declarations installed), so nothing of
 * libs/accounts is involved in setting up or tearing down.
 */
export async function createTestSqlDatabase(kind: SqlKind): Promise<TestSqlDatabase> {
  const name = `omega_t${randomBytes(5).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'omega-accounts-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });

  if (kind === 'sqlite') {
    return {
      kind,
      url: `sqlite:${join(dataDir, 'accounts.sqlite')}`,
      dataDir,
      drop: async () => removeDataDir(),
    };
  }

  if (kind === 'postgres') {
    const admin = serviceUrl('OMEGA_TEST_POSTGRES_URL');
    await onServer('postgres', admin, (run) => run(`CREATE DATABASE "${name}"`));
    return {
      kind,
      url: withDatabase(admin, name),
      dataDir,
      drop: async () => {
        // WITH (FORCE) ends connections a failed test may have left open (PostgreSQL 13+).
        await onServer('postgres', admin, (run) => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
        removeDataDir();
      },
    };
  }

  const admin = serviceUrl('OMEGA_TEST_MARIADB_URL');
  // The server's usual default collation (case-insensitive): the schema must not depend on it.
  await onServer('mysql', admin, (run) =>
    run(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`),
  );
  return {
    kind,
    url: withDatabase(admin, name),
    dataDir,
    drop: async () => {
      await onServer('mysql', admin, (run) => run(`DROP DATABASE IF EXISTS \`${name}\``));
      removeDataDir();
    },
  };
}

async function onServer(
  type: 'postgres' | 'mysql',
  url: string,
  work: (run: (sql: string) => Promise<unknown>) => Promise<unknown>,
): Promise<void> {
  const server = new DataSource({ type, url });
  await server.initialize();
  try {
    await work((sql) => server.query(sql));
  } finally {
    await server.destroy();
  }
}
