import { OmegaError } from '@omega/core';
import type { SqlDialect } from '../url/sql-url';

/** How a read may start: a query, a CTE, a VALUES list, PostgreSQL's `TABLE name`, or a parenthesis. */
const READ_STARTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);

/**
 * Words that make a statement write, lock, run code or leave the database, wherever they stand: a
 * PostgreSQL CTE can hold a DELETE, `SELECT … INTO` creates a table, `INTO OUTFILE` writes a file.
 * Deliberately broad: a column that happens to be named like one of them can be quoted.
 */
const REFUSED_WORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'UPSERT',
  'INTO',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'RENAME',
  'GRANT',
  'REVOKE',
  'ATTACH',
  'DETACH',
  'PRAGMA',
  'VACUUM',
  'REINDEX',
  'COPY',
  'CALL',
  'EXEC',
  'EXECUTE',
  'LOCK',
  'UNLOCK',
  'LOAD',
  'HANDLER',
  // Functions with effects outside the result: settings, sequences, large objects, files, other servers.
  'SET_CONFIG',
  'NEXTVAL',
  'SETVAL',
  'LO_IMPORT',
  'LO_EXPORT',
  'LO_UNLINK',
  'PG_READ_FILE',
  'PG_READ_BINARY_FILE',
  'PG_LS_DIR',
  'PG_TERMINATE_BACKEND',
  'PG_CANCEL_BACKEND',
  'PG_RELOAD_CONF',
  'LOAD_FILE',
  'LOAD_EXTENSION',
  'READFILE',
  'WRITEFILE',
  'OPENROWSET',
  'OPENDATASOURCE',
  'OPENQUERY',
]);

/**
 * Refuses anything but one reading statement, judged on the query's code (literals and comments
 * blanked by `sqlCode`). The reading connection is read-only as well where the database allows; this
 * check answers 400 before anything runs, and covers what a read-only session would still allow.
 */
export function assertReadOnlyStatement(code: string, dialect: SqlDialect): void {
  if (code.includes(';'))
    throw OmegaError.invalidInput('sql query must be one statement (no ; between statements)');
  const words = code.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? [];
  const first = code.trimStart().startsWith('(') ? 'SELECT' : (words[0] ?? '').toUpperCase();
  if (!READ_STARTS.has(first))
    throw OmegaError.invalidInput(
      `sql query must read (SELECT, WITH … SELECT or VALUES); a ${first || 'statement'} statement is refused`,
    );
  for (const word of words) {
    const upper = word.toUpperCase();
    const refused =
      REFUSED_WORDS.has(upper) ||
      upper.startsWith('DBLINK') ||
      // Advisory locks outlive the read on a pooled session and can stall other readers.
      upper.startsWith('PG_ADVISORY') ||
      upper === 'GET_LOCK' ||
      (dialect === 'mssql' && (upper.startsWith('XP_') || upper.startsWith('SP_')));
    if (refused)
      throw OmegaError.invalidInput(
        `sql query must only read; ${upper} is refused (quote a column of that name as an identifier)`,
      );
  }
}
