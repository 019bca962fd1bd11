import { OmegaErrorCode } from '@omega/core';
import { parseSqlUrl, redactSqlUrl } from './sql-url';
import { accountsDataSourceOptions } from './accounts-data-source';

describe('parseSqlUrl', () => {
  const dataDir = '/var/lib/omega';

  it('defaults to SQLite in the data folder', () => {
    expect(parseSqlUrl(undefined, dataDir)).toEqual({
      driver: 'sqlite',
      path: '/var/lib/omega/accounts.sqlite',
    });
    expect(parseSqlUrl('', dataDir)).toEqual({ driver: 'sqlite', path: '/var/lib/omega/accounts.sqlite' });
    expect(parseSqlUrl('sqlite:', dataDir)).toEqual({
      driver: 'sqlite',
      path: '/var/lib/omega/accounts.sqlite',
    });
  });

  it('reads sqlite: paths literally, with or without //', () => {
    expect(parseSqlUrl('sqlite:/srv/acc.db', dataDir)).toEqual({ driver: 'sqlite', path: '/srv/acc.db' });
    expect(parseSqlUrl('sqlite:///srv/acc.db', dataDir)).toEqual({ driver: 'sqlite', path: '/srv/acc.db' });
    expect(parseSqlUrl('sqlite::memory:', dataDir)).toEqual({ driver: 'sqlite', path: ':memory:' });
    expect(parseSqlUrl('sqlite:rel/acc.db', dataDir)).toEqual({
      driver: 'sqlite',
      path: `${process.cwd()}/rel/acc.db`,
    });
  });

  it('picks the server drivers by scheme', () => {
    expect(parseSqlUrl('postgres://u:p@db:5432/omega', dataDir)).toEqual({
      driver: 'postgres',
      url: 'postgres://u:p@db:5432/omega',
    });
    expect(parseSqlUrl('postgresql://db/omega', dataDir).driver).toBe('postgres');
    expect(parseSqlUrl('mysql://u:p@db:3306/omega', dataDir).driver).toBe('mysql');
    expect(parseSqlUrl('mariadb://u:p@db:3306/omega', dataDir).driver).toBe('mariadb');
  });

  it('refuses mssql:// and unknown schemes with a clear error', () => {
    expect(() => parseSqlUrl('mssql://db/omega', dataDir)).toThrow(/mssql:\/\/ is not supported/);
    expect(() => parseSqlUrl('oracle://db/omega', dataDir)).toThrow(
      expect.objectContaining({ code: OmegaErrorCode.InvalidInput }),
    );
  });

  it('masks the password for logs', () => {
    expect(redactSqlUrl('postgres://omega:s3cret@db:5432/omega')).toBe('postgres://omega:***@db:5432/omega');
    expect(redactSqlUrl('sqlite:/srv/acc.db')).toBe('sqlite:/srv/acc.db');
  });
});

describe('accountsDataSourceOptions', () => {
  it('maps each target to its TypeORM driver, never with synchronize', () => {
    const options = (sqlUrl?: string) => accountsDataSourceOptions({ sqlUrl, dataDir: '/d' });
    expect(options('postgres://db/omega')).toMatchObject({ type: 'postgres', url: 'postgres://db/omega' });
    expect(options('mysql://db/omega')).toMatchObject({ type: 'mysql', timezone: 'Z', charset: 'utf8mb4' });
    expect(options('mariadb://db/omega')).toMatchObject({ type: 'mariadb' });
    expect(options()).toMatchObject({
      type: 'better-sqlite3',
      database: '/d/accounts.sqlite',
      enableWAL: true,
    });
    for (const url of ['postgres://db/omega', 'mysql://db/omega', undefined]) {
      expect(options(url)).toMatchObject({ synchronize: false, migrationsTableName: 'accounts_migrations' });
    }
  });
});
