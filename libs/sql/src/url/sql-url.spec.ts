import { parseTarget, redactUrl, resolveUrl, separateSecrets } from './sql-url';

describe('sql urls', () => {
  it('moves a literal password into the secrets', () => {
    expect(separateSecrets('postgresql://omega:p%40ss@db:5432/sales?sslmode=require')).toEqual({
      dialect: 'postgres',
      url: 'postgresql://omega:{password}@db:5432/sales?sslmode=require',
      secrets: { password: 'p@ss' },
    });
  });

  it('slots a separately given password into the url', () => {
    expect(separateSecrets('mysql://omega@db/sales', { password: 'pw' })).toEqual({
      dialect: 'mysql',
      url: 'mysql://omega:{password}@db/sales',
      secrets: { password: 'pw' },
    });
  });

  it('keeps placeholders and checks each has a secret, and each secret is used', () => {
    expect(separateSecrets('mariadb://{user}:{pw}@db/x', { user: 'u', pw: 'p' }).url).toBe(
      'mariadb://{user}:{pw}@db/x',
    );
    expect(() => separateSecrets('postgres://{user}@db/x')).toThrow('placeholders without a secret: user');
    expect(() => separateSecrets('postgres://u@db/x', { token: 't' })).toThrow(
      'not used by the sql url: token',
    );
    expect(() => separateSecrets('postgres://u:a@db/x', { password: 'b' })).toThrow('differs');
  });

  it('refuses unknown schemes, relative sqlite paths and control characters', () => {
    expect(() => separateSecrets('oracle://db/x')).toThrow('must start with');
    expect(() => separateSecrets('sqlite:data.db')).toThrow('absolute');
    expect(() => separateSecrets('sqlite:///a/../etc/passwd')).toThrow('absolute');
    expect(() => separateSecrets('postgres://db/x\nSELECT')).toThrow('control characters');
  });

  it('resolves placeholders URL-encoded and parses the target', () => {
    const url = resolveUrl('postgresql://omega:{password}@db:6543/sales?sslmode=require', {
      password: 'a/b@c',
    });
    expect(url).toBe('postgresql://omega:a%2Fb%40c@db:6543/sales?sslmode=require');
    expect(parseTarget(url)).toEqual({
      dialect: 'postgres',
      host: 'db',
      port: 6543,
      database: 'sales',
      username: 'omega',
      password: 'a/b@c',
      options: { sslmode: 'require' },
    });
    expect(parseTarget('sqlite:///tmp/x.db')).toEqual({ dialect: 'sqlite', path: '/tmp/x.db' });
    expect(parseTarget('mssql://sa:pw@[::1]:1433/db')).toMatchObject({ host: '::1', port: 1433 });
  });

  it('redacts passwords, literal or placeholder', () => {
    expect(redactUrl('postgres://omega:secret@db/x')).toBe('postgres://omega:***@db/x');
    expect(redactUrl('mysql://omega:{password}@db/x')).toBe('mysql://omega:***@db/x');
    expect(redactUrl('postgres://db/x')).toBe('postgres://db/x');
  });
});
