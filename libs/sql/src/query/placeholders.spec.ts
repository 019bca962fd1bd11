import { OmegaError } from '@omega/core';
import { bindQuery, parseQuery } from './placeholders';
import { SqlParams } from './sql-params';

function bind(
  sql: string,
  dialect: 'postgres' | 'mysql' | 'sqlite' | 'mssql',
  vars: Record<string, unknown>,
) {
  const params = new SqlParams(dialect);
  return { text: bindQuery(parseQuery(sql, dialect), vars, params), values: params.values };
}

describe('sql placeholders', () => {
  const sql = 'SELECT * FROM t WHERE a = {a} AND b > {b} OR a = {a}';

  it('uses $n on PostgreSQL, reusing a repeated placeholder', () => {
    expect(bind(sql, 'postgres', { a: 'x', b: 2 })).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b > $2 OR a = $1',
      values: ['x', 2],
    });
  });

  it('uses ? on MySQL and SQLite, one value per use', () => {
    for (const dialect of ['mysql', 'sqlite'] as const) {
      expect(bind(sql, dialect, { a: 'x', b: 2 })).toEqual({
        text: 'SELECT * FROM t WHERE a = ? AND b > ? OR a = ?',
        values: ['x', 2, 'x'],
      });
    }
  });

  it('uses @p0 on SQL Server', () => {
    expect(bind(sql, 'mssql', { a: 'x', b: 2 }).text).toBe(
      'SELECT * FROM t WHERE a = @p0 AND b > @p1 OR a = @p0',
    );
  });

  it('leaves braces in literals, quoted names, comments and dollar quotes alone', () => {
    const text = `SELECT '{a}', "{a}", $x${'$'}{a}$x$ -- {a}\n/* {a} */ FROM t WHERE c = {a}`;
    expect(bind(text, 'postgres', { a: 1 }).text).toBe(
      `SELECT '{a}', "{a}", $x${'$'}{a}$x$ -- {a}\n/* {a} */ FROM t WHERE c = $1`,
    );
    expect(bind("SELECT 'it''s {a}', `{a}` FROM t WHERE x = {a}", 'mysql', { a: 1 }).text).toBe(
      "SELECT 'it''s {a}', `{a}` FROM t WHERE x = ?",
    );
  });

  it('keeps an injection attempt as a bound value', () => {
    const bound = bind('SELECT * FROM t WHERE name = {name}', 'postgres', { name: "' OR 1=1 --" });
    expect(bound.text).toBe('SELECT * FROM t WHERE name = $1');
    expect(bound.values).toEqual(["' OR 1=1 --"]);
  });

  it('drops a trailing semicolon, so the query can be wrapped', () => {
    expect(bind('SELECT 1 AS x;  \n', 'sqlite', {}).text).toBe('SELECT 1 AS x');
  });

  it.each([
    ['SELECT * FROM t WHERE a = $1', 'postgres', 'not $1'],
    ['SELECT * FROM t WHERE a = ?', 'mysql', 'not ?'],
    ['SELECT {1bad}', 'postgres', 'not a {name} placeholder'],
    ['   ', 'postgres', 'non-empty'],
  ] as const)('refuses %j on %s', (text, dialect, message) => {
    expect(() => parseQuery(text, dialect)).toThrow(message);
  });

  it('names missing and unknown sqlvars', () => {
    const query = parseQuery('SELECT {a}, {b}', 'postgres');
    expect(() => bindQuery(query, { a: 1 }, new SqlParams('postgres'))).toThrow(
      'without a value in sqlvars: b',
    );
    expect(() => bindQuery(query, { a: 1, b: 2, c: 3 }, new SqlParams('postgres'))).toThrow(
      'sqlvars not used by the query: c',
    );
    expect(() => bindQuery(query, {}, new SqlParams('postgres'))).toThrow(OmegaError);
  });

  it('binds SQLite-unfriendly values as SQLite takes them', () => {
    const when = new Date('2024-01-02T03:04:05.000Z');
    expect(bind('SELECT {a}, {b}', 'sqlite', { a: true, b: when }).values).toEqual([1, when.toISOString()]);
  });
});
