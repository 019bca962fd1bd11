import { OmegaError } from '@omega/core';
import { isAbsolute } from 'node:path';

/** The databases a SQL reference can point to. `mssql` is wired but untested (no server in CI). */
export type SqlDialect = 'postgres' | 'mysql' | 'mssql' | 'sqlite';

/** Where to connect, with every `{placeholder}` already resolved. */
export type SqlTarget =
  | {
      dialect: 'postgres' | 'mysql' | 'mssql';
      host: string;
      port?: number;
      database?: string;
      username?: string;
      password?: string;
      options: Record<string, string>;
    }
  | { dialect: 'sqlite'; path: string };

const SCHEMES: Record<string, SqlDialect> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  mssql: 'mssql',
  sqlserver: 'mssql',
  sqlite: 'sqlite',
};

/** `{name}`: a secret resolved when the reference is read. */
export const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]{0,63})\}/g;
const PASSWORD_SECRET = 'password';
const MAX_SECRET_LENGTH = 4096;
// scheme://[user[:password]@]host[:port][/database][?options]; a password with @ or / must be %-encoded.
const NETWORK_URL = /^([a-z]+):\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/;

export function dialectOf(url: string): SqlDialect {
  const scheme = /^([a-z]+):/.exec(url)?.[1] ?? '';
  const dialect = SCHEMES[scheme];
  if (!dialect) {
    throw OmegaError.invalidInput(
      'sql url must start with postgresql://, mysql://, mariadb://, mssql:// or sqlite:',
    );
  }
  return dialect;
}

/** The URL as stored: secrets replaced by `{placeholders}`, and the secrets it needs. */
export interface SeparatedUrl {
  dialect: SqlDialect;
  url: string;
  secrets: Record<string, string>;
}

/**
 * Splits what may be stored in the clear from what must be encrypted. A password written into the URL
 * becomes the secret `password` and the URL gets `{password}` in its place; a `password` given only as a
 * secret is slotted in the same way. Every `{placeholder}` of the URL must have a secret, and every
 * secret must be used, so a typo fails now rather than at the first read.
 */
export function separateSecrets(url: string, given: Record<string, string> = {}): SeparatedUrl {
  if (typeof url !== 'string' || url.length === 0 || url.length > 2048)
    throw OmegaError.invalidInput('sql url must be a non-empty string of at most 2048 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s]/.test(url))
    throw OmegaError.invalidInput('sql url must not contain spaces or control characters');
  for (const [name, value] of Object.entries(given)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name))
      throw OmegaError.invalidInput(`secret name ${JSON.stringify(name.slice(0, 40))} is not allowed`);
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SECRET_LENGTH)
      throw OmegaError.invalidInput(`secret ${name} must be a string of 1-${MAX_SECRET_LENGTH} characters`);
  }
  const dialect = dialectOf(url);
  const secrets = { ...given };
  let stored = url;
  if (dialect === 'sqlite') {
    sqlitePath(url);
  } else {
    const match = NETWORK_URL.exec(url);
    if (!match) throw OmegaError.invalidInput(`sql url is not a valid ${dialect} URL`);
    const [, scheme, user, password, host, database, options] = match;
    if (!host) throw OmegaError.invalidInput('sql url must name a host');
    let userinfo = user === undefined ? '' : user;
    if (password !== undefined && password !== '' && !isPlaceholder(password)) {
      const literal = decode(password);
      if (secrets[PASSWORD_SECRET] !== undefined && secrets[PASSWORD_SECRET] !== literal)
        throw OmegaError.invalidInput('the url has a password and secrets.password differs from it');
      secrets[PASSWORD_SECRET] = literal;
      userinfo += `:{${PASSWORD_SECRET}}`;
    } else if (password !== undefined && password !== '') {
      userinfo += `:${password}`;
    } else if (secrets[PASSWORD_SECRET] !== undefined && !url.includes(`{${PASSWORD_SECRET}}`)) {
      if (!user) throw OmegaError.invalidInput('secrets.password needs a user name in the url');
      userinfo += `:{${PASSWORD_SECRET}}`;
    }
    stored = `${scheme}://${userinfo ? `${userinfo}@` : ''}${host}${database !== undefined ? `/${database}` : ''}${options !== undefined ? `?${options}` : ''}`;
  }
  const used = placeholdersOf(stored);
  const missing = used.filter((name) => secrets[name] === undefined);
  if (missing.length > 0)
    throw OmegaError.invalidInput(`sql url placeholders without a secret: ${missing.join(', ')}`);
  const unused = Object.keys(secrets).filter((name) => !used.includes(name));
  if (unused.length > 0)
    throw OmegaError.invalidInput(`secrets not used by the sql url: ${unused.join(', ')}`);
  return { dialect, url: stored, secrets };
}

export function placeholdersOf(url: string): string[] {
  return [...new Set([...url.matchAll(PLACEHOLDER)].map((match) => match[1]))];
}

/** The stored URL with its secrets filled in (URL-encoded): only ever held in memory to connect. */
export function resolveUrl(url: string, secrets: Record<string, string>): string {
  return url.replace(PLACEHOLDER, (_all, name: string) => {
    const value = secrets[name];
    if (value === undefined) throw OmegaError.invalidInput(`no secret for the url placeholder {${name}}`);
    return encodeURIComponent(value);
  });
}

/** The URL for messages: any password (literal or placeholder) shown as `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/?#]*):[^@/?#]*@/, '$1:***@');
}

/** Reads a resolved URL into connection options. */
export function parseTarget(url: string): SqlTarget {
  const dialect = dialectOf(url);
  if (dialect === 'sqlite') return { dialect, path: sqlitePath(url) };
  const match = NETWORK_URL.exec(url);
  if (!match) throw OmegaError.invalidInput(`sql url is not a valid ${dialect} URL`);
  const [, , user, password, hostPort, database, query] = match;
  const portMatch = /^(.*):(\d{1,5})$/.exec(hostPort);
  const host = (portMatch ? portMatch[1] : hostPort).replace(/^\[(.*)\]$/, '$1');
  const port = portMatch ? Number(portMatch[2]) : undefined;
  return {
    dialect,
    host: decode(host),
    port,
    database: database ? decode(database) : undefined,
    username: user ? decode(user) : undefined,
    password: password !== undefined ? decode(password) : undefined,
    options: Object.fromEntries(new URLSearchParams(query ?? '')),
  };
}

/** `sqlite:/abs/file.db` or `sqlite:///abs/file.db`: an absolute path, read-only. */
function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  const path = decode(rest.startsWith('//') ? rest.slice(2) : rest);
  if (!isAbsolute(path) || path.includes('\u0000') || path.split('/').includes('..'))
    throw OmegaError.invalidInput(
      'a sqlite url must name an absolute file path, e.g. sqlite:///data/sales.db',
    );
  return path;
}

function isPlaceholder(text: string): boolean {
  return /^\{[A-Za-z_][A-Za-z0-9_]{0,63}\}$/.test(text);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw OmegaError.invalidInput('sql url has a malformed %-escape');
  }
}
