import { OmegaError, OmegaErrorCode } from '@omega/core';
import { isAbsolute, join, resolve } from 'node:path';

/** Where the accounts database lives, as read from `OMEGA_SQL_URL`. */
export type SqlTarget =
  | { driver: 'postgres'; url: string }
  | { driver: 'mysql' | 'mariadb'; url: string }
  | { driver: 'sqlite'; path: string };

/** The embedded default: one SQLite file beside the platform's other data. */
export const DEFAULT_SQLITE_FILE = 'accounts.sqlite';

/**
 * Parses `OMEGA_SQL_URL`. `sqlite:<path>` takes the path literally (`sqlite:///var/x.db` and
 * `sqlite:/var/x.db` both mean `/var/x.db`; a relative path is relative to the working directory);
 * `sqlite:` alone or no URL at all means `<dataDir>/accounts.sqlite`, and `sqlite::memory:` a throwaway
 * in-memory database.
 */
export function parseSqlUrl(url: string | undefined, dataDir: string): SqlTarget {
  if (!url) return { driver: 'sqlite', path: join(dataDir, DEFAULT_SQLITE_FILE) };
  const scheme = /^([a-z]+):/.exec(url)?.[1];
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return { driver: 'postgres', url };
    case 'mysql':
      return { driver: 'mysql', url };
    case 'mariadb':
      return { driver: 'mariadb', url };
    case 'sqlite':
      return { driver: 'sqlite', path: sqlitePath(url.slice('sqlite:'.length), dataDir) };
    case 'mssql':
      // TypeORM can talk to SQL Server, but the `mssql` driver package is not installed and the schema
      // migration is not tested there: say so at boot rather than fail on the first query.
      throw new OmegaError(
        OmegaErrorCode.InvalidInput,
        'OMEGA_SQL_URL: mssql:// is not supported by the accounts database yet; use postgres://, mysql://, mariadb:// or sqlite:',
      );
    default:
      throw new OmegaError(
        OmegaErrorCode.InvalidInput,
        'OMEGA_SQL_URL must be a postgres://, mysql://, mariadb:// or sqlite: URL',
      );
  }
}

function sqlitePath(rest: string, dataDir: string): string {
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') return join(dataDir, DEFAULT_SQLITE_FILE);
  if (path === ':memory:') return path;
  return isAbsolute(path) ? path : resolve(path);
}

/** The URL with its password masked, for log lines and error messages. */
export function redactSqlUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}
