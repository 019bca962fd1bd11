import { OmegaError, OmegaErrorCode } from '@omega/core';
import { redactUrl, SqlDialect } from '../url/sql-url';

/** A failure to reach or log in to the database, as opposed to a failure of the query. */
export class ConnectFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
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
 * A driver error as the caller may see it: the database's own words, with every secret and the URL's
 * password scrubbed. Unreachable or refusing databases answer 502; a bad query (syntax, unknown column,
 * wrong type) answers 400.
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
  const unreachable =
    error instanceof ConnectFailure || CONNECTION_CODES.has(code) || CONNECTION_SQLSTATES.test(code);
  if (unreachable) {
    return new OmegaError(
      OmegaErrorCode.UpstreamFailed,
      `cannot use the ${dialect} database at ${where}: ${message || code || 'connection failed'}`,
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
