import { parseQuery } from './placeholders';

describe('read-only SQL references', () => {
  it.each([
    ['SELECT id FROM people', 'postgres'],
    ['  with t AS (SELECT 1 AS x) SELECT x FROM t', 'postgres'],
    ['(SELECT 1) UNION (SELECT 2)', 'mysql'],
    ['VALUES (1, 2)', 'sqlite'],
    ["SELECT replace(name, 'a', 'b') AS n FROM people", 'mysql'],
    ['SELECT \'DELETE FROM people; DROP TABLE x\' AS text, "insert" FROM people -- UPDATE\n', 'postgres'],
    ['SELECT pg_sleep(1) AS slept', 'postgres'],
    ['SELECT 1 AS one;', 'sqlite'],
    ['SELECT $$ DELETE; $$ AS text', 'postgres'],
    ["SELECT 'it''s' AS text", 'mysql'],
  ] as const)('accepts %j on %s', (sql, dialect) => {
    expect(() => parseQuery(sql, dialect)).not.toThrow();
  });

  it.each([
    ['INSERT INTO people (id) VALUES (99) RETURNING id', 'postgres', 'INSERT statement is refused'],
    ['UPDATE people SET score = 0', 'mysql', 'UPDATE statement is refused'],
    ['DELETE FROM people', 'sqlite', 'DELETE statement is refused'],
    ['DROP TABLE people', 'postgres', 'DROP statement is refused'],
    ['CREATE TABLE x (a int)', 'mysql', 'CREATE statement is refused'],
    ['PRAGMA journal_mode = DELETE', 'sqlite', 'PRAGMA statement is refused'],
    ["ATTACH DATABASE '/etc/x.db' AS other", 'sqlite', 'ATTACH statement is refused'],
    ['SELECT 1 AS a; DELETE FROM people', 'sqlite', 'one statement'],
    ['WITH gone AS (DELETE FROM people RETURNING *) SELECT * FROM gone', 'postgres', 'DELETE is refused'],
    ['SELECT * INTO copy FROM people', 'postgres', 'INTO is refused'],
    ["SELECT * FROM people INTO OUTFILE '/tmp/x'", 'mysql', 'INTO is refused'],
    ['SELECT * FROM people FOR UPDATE', 'postgres', 'UPDATE is refused'],
    ["SELECT set_config('default_transaction_read_only', 'off', false)", 'postgres', 'SET_CONFIG'],
    ["SELECT nextval('s')", 'postgres', 'NEXTVAL'],
    ['SELECT pg_advisory_lock(1)', 'postgres', 'PG_ADVISORY_LOCK'],
    ["SELECT GET_LOCK('a', 10)", 'mysql', 'GET_LOCK'],
    ["SELECT * FROM dblink('host=10.0.0.1', 'SELECT 1') AS t(x int)", 'postgres', 'DBLINK'],
    ['SELECT 1 /*!50000 , (DELETE FROM people) */', 'mysql', 'executable comments'],
    ['SET default_transaction_read_only = off', 'postgres', 'SET statement is refused'],
    ['EXPLAIN ANALYZE DELETE FROM people', 'postgres', 'EXPLAIN statement is refused'],
    // Hidden in what one reading takes for a string or a comment, and the server for code.
    ["SELECT E'\\'', 1 INTO copy FROM people -- '", 'postgres', 'INTO is refused'],
    ["SELECT '\\', 1 INTO OUTFILE '/tmp/x' -- '", 'mysql', 'INTO is refused'],
    ["SELECT 1--1 INTO OUTFILE '/tmp/x'", 'mysql', 'INTO is refused'],
    ['SELECT 1 AS a$x$ INTO copy FROM people -- $x$', 'postgres', 'INTO is refused'],
  ] as const)('refuses %j on %s', (sql, dialect, message) => {
    expect(() => parseQuery(sql, dialect)).toThrow(message);
  });
});
