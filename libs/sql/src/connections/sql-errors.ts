import { Logger } from '@nestjs/common';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { randomUUID } from 'node:crypto';
import { redactUrl, SqlDialect } from '../url/sql-url';

const logger = new Logger('SqlReferences');

/** A failure to reach or log in to the database, as opposed to a failure of the query. */
export class ConnectFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** A statement stopped at `OMEGA_SQL_TIMEOUT_SECONDS` by the platform itself (SQLite's reading process). */
export class StatementTimeout extends Error {
  constructor(seconds: number) {
    super(`statement ran longer than ${seconds} s`);
  }
}

/**
 * How each database reports a statement stopped at its timeout: PostgreSQL's query_canceled (57014, with
 * statement_timeout in the message, as a cancel by an administrator shares the code), MariaDB's
 * max_statement_time (1969), MySQL's max_execution_time (3024), SQL Server's request timeout.
 */
function isTimeout(error: unknown, code: string): boolean {
  if (error instanceof StatementTimeout) return true;
  const message = error instanceof Error ? error.message : '';
  if (code === '57014') return /statement timeout/i.test(message);
  const errno = (error as { errno?: unknown })?.errno;
  return errno === 1969 || errno === 3024 || code === 'ETIMEOUT';
}

/** SQLSTATE classes that mean the connection, not the query, failed (08 connection, 28 auth, 57 shutdown). */
const CONNECTION_SQLSTATES = /^(08|28|57P0|3D000|53300)/;
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ELOGIN',
  'ESOCKET',
  'ECONNCLOSED',
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
]);

/**
 * A driver error as the caller may see it. A bad query (syntax, unknown column, wrong type) answers 400
 * with the database's own words, every secret and the URL's password scrubbed; a statement stopped at its
 * timeout answers 504. Failing to reach or log in to the database answers 502 with one message whatever
 * the cause (refused, timed out, unknown host, wrong password), so references cannot probe a network:
 * the cause goes to the log under the error id the answer names.
 */
export function sqlError(
  error: unknown,
  dialect: SqlDialect,
  where: string,
  secrets: readonly string[],
): OmegaError {
  if (error instanceof OmegaError) return error;
  const cause = error instanceof ConnectFailure ? error.cause : error;
  const code = String((cause as { code?: unknown })?.code ?? '');
  const message = scrub(cause instanceof Error ? cause.message : String(cause), secrets);
  if (isTimeout(cause, code)) {
    return new OmegaError(
      OmegaErrorCode.Timeout,
      `sql query on ${dialect} ran longer than the statement timeout (OMEGA_SQL_TIMEOUT_SECONDS) and was stopped`,
    );
  }
  const unreachable =
    error instanceof ConnectFailure || CONNECTION_CODES.has(code) || CONNECTION_SQLSTATES.test(code);
  if (unreachable) {
    const errorId = randomUUID();
    logger.warn(`cannot use the ${dialect} database at ${where} (error id ${errorId}): ${message || code}`);
    return new OmegaError(
      OmegaErrorCode.UpstreamFailed,
      `cannot connect to the ${dialect} database at ${where} (error id ${errorId})`,
    );
  }
  return OmegaError.invalidInput(`sql query failed on ${dialect}: ${message || code}`);
}

/** Removes secrets (as given and URL-encoded) and URL passwords from a driver's message. */
export function scrub(message: string, secrets: readonly string[]): string {
  let text = message;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) text = text.split(form).join('***');
  }
  return text.replace(/[a-z]+:\/\/[^\s'"]+/gi, (url) => redactUrl(url));
}
