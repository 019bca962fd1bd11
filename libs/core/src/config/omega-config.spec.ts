import { ConfigValidationError, loadConfig } from './omega-config';

describe('loadConfig', () => {
  it('needs no variables at all: the embedded default', () => {
    const config = loadConfig({});
    expect(config.mongoUrl).toBeUndefined();
    expect(config.apiPort).toBe(5000);
    expect(config.workerLabels).toEqual(['default']);
    expect(config.mongoDbPrefix).toBe('omega');
  });

  it('reads typed values', () => {
    const config = loadConfig({
      OMEGA_API_PORT: '8080',
      OMEGA_WORKER_LABELS: 'default,gpu',
      OMEGA_WORKER_CONCURRENCY: '8',
    });
    expect(config).toMatchObject({ apiPort: 8080, workerLabels: ['default', 'gpu'], workerConcurrency: 8 });
  });

  it('reads the SQL reference allow-lists, and refuses malformed ones', () => {
    const config = loadConfig({
      OMEGA_SQL_HOSTS: 'DB.example.com,*.internal',
      OMEGA_SQL_SQLITE_DIRS: '/srv/a,/srv/b/',
    });
    expect(config.sqlHosts).toEqual(['db.example.com', '*.internal']);
    expect(config.sqlSqliteDirs).toEqual(['/srv/a', '/srv/b']);
    expect(loadConfig({}).sqlHosts).toBeUndefined();
    expect(() => loadConfig({ OMEGA_SQL_HOSTS: 'db one' })).toThrow(/OMEGA_SQL_HOSTS/);
    expect(() => loadConfig({ OMEGA_SQL_SQLITE_DIRS: 'relative/dir' })).toThrow(/OMEGA_SQL_SQLITE_DIRS/);
    expect(loadConfig({ OMEGA_SQL_HOSTS: '10.0.0.0/8,fd00::/8,db.internal' }).sqlHosts).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
      'db.internal',
    ]);
  });

  it('bounds SQL reference reads: 60 s per statement and 1,000,000 rows unless set', () => {
    expect(loadConfig({})).toMatchObject({ sqlTimeoutSeconds: 60, sqlMaxRows: 1_000_000 });
    expect(loadConfig({ OMEGA_SQL_TIMEOUT_SECONDS: '5', OMEGA_SQL_MAX_ROWS: '1000' })).toMatchObject({
      sqlTimeoutSeconds: 5,
      sqlMaxRows: 1000,
    });
    expect(() => loadConfig({ OMEGA_SQL_TIMEOUT_SECONDS: '0' })).toThrow(/OMEGA_SQL_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ OMEGA_SQL_MAX_ROWS: 'many' })).toThrow(/OMEGA_SQL_MAX_ROWS/);
  });

  it('isolates user code unless told not to, with no egress and a 16 MiB channel by default', () => {
    expect(loadConfig({})).toMatchObject({
      scriptIsolation: 'namespaces',
      scriptEgressHosts: [],
      scriptIpcMaxBytes: 16 * 1024 * 1024,
    });
    expect(
      loadConfig({
        OMEGA_SCRIPT_ISOLATION: 'none',
        OMEGA_SCRIPT_EGRESS_HOSTS: 'API.example.com,data.example.org',
        OMEGA_SCRIPT_IPC_MAX_BYTES: '1048576',
      }),
    ).toMatchObject({
      scriptIsolation: 'none',
      scriptEgressHosts: ['api.example.com', 'data.example.org'],
      scriptIpcMaxBytes: 1048576,
    });
    expect(() => loadConfig({ OMEGA_SCRIPT_ISOLATION: 'off' })).toThrow(/OMEGA_SCRIPT_ISOLATION/);
    expect(() => loadConfig({ OMEGA_SCRIPT_EGRESS_HOSTS: 'http://x.example' })).toThrow(
      /OMEGA_SCRIPT_EGRESS_HOSTS/,
    );
    expect(() => loadConfig({ OMEGA_SCRIPT_IPC_MAX_BYTES: '10' })).toThrow(/OMEGA_SCRIPT_IPC_MAX_BYTES/);
  });

  it('names every bad variable in one error, hiding URLs and secrets', () => {
    let error: ConfigValidationError | undefined;
    try {
      loadConfig({
        OMEGA_API_PORT: 'eighty',
        OMEGA_MONGO_URL: 'http://user:pw@host',
        OMEGA_SECRET_KEY: 'short',
        OMEGA_WORKER_LABELS: 'GPU!',
      });
    } catch (caught) {
      error = caught as ConfigValidationError;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error?.problems.map((problem) => problem.split('=')[0]).sort()).toEqual([
      'OMEGA_API_PORT',
      'OMEGA_MONGO_URL',
      'OMEGA_SECRET_KEY',
      'OMEGA_WORKER_LABELS',
    ]);
    expect(error?.message).not.toContain('pw@host');
    expect(error?.message).not.toContain('short');
  });
});
