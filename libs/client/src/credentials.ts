import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OmegaCredentialsError } from './errors';

export const CREDENTIALS_FILE = 'credentials.json';
export const DEFAULT_URL = 'http://127.0.0.1:5000';

/** What `Omega.connect()` needs; each field may come from the options, the environment or a file. */
export interface OmegaCredentials {
  url: string;
  userid: string;
  apikey: string;
  /** Only informative: the server takes the tenant from the API key, never from the client. */
  tenant?: string;
}

export interface CredentialOptions {
  url?: string;
  userid?: string;
  apikey?: string;
  /** A credentials.json to read instead of looking in $OMEGA_DATA_DIR and ./.omega. */
  credentialsFile?: string;
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where `./.omega` is looked for; defaults to `process.cwd()`. */
  cwd?: string;
}

/** Where the credentials came from, for messages (never the key itself). */
export type CredentialSource = 'options' | 'env' | string;

/**
 * Resolves the platform's URL and the user's key: explicit options win over `OMEGA_URL` /
 * `OMEGA_USERID` / `OMEGA_APIKEY`, which win over the credentials.json the API writes at its first start
 * (looked for as `credentialsFile`, in `$OMEGA_DATA_DIR`, then in `./.omega`). The userid and key are taken
 * as a pair from one source, so a key is never sent with another source's userid.
 */
export function resolveCredentials(options: CredentialOptions = {}): OmegaCredentials & {
  source: CredentialSource;
} {
  const env = options.env ?? process.env;
  const file = readCredentialsFile(options, env);
  const fromEnv = { url: env.OMEGA_URL, userid: env.OMEGA_USERID, apikey: env.OMEGA_APIKEY };

  const url = options.url ?? fromEnv.url ?? file?.credentials.url ?? DEFAULT_URL;
  let pair: { userid: string; apikey: string; source: CredentialSource } | undefined;
  if (options.userid !== undefined || options.apikey !== undefined) {
    pair = requirePair(options.userid, options.apikey, 'options');
  } else if (fromEnv.userid !== undefined || fromEnv.apikey !== undefined) {
    pair = requirePair(fromEnv.userid, fromEnv.apikey, 'env');
  } else if (file) {
    pair = requirePair(file.credentials.userid, file.credentials.apikey, file.path);
  }
  if (!pair) {
    throw new OmegaCredentialsError(
      'No omega credentials: pass {userid, apikey}, set OMEGA_USERID and OMEGA_APIKEY, or start the API ' +
        `once so it writes ${CREDENTIALS_FILE} into ./.omega (or $OMEGA_DATA_DIR)`,
    );
  }
  const tenant = pair.source === file?.path ? file.credentials.tenant : undefined;
  return {
    url: url.replace(/\/+$/, ''),
    userid: pair.userid,
    apikey: pair.apikey,
    tenant,
    source: pair.source,
  };
}

function requirePair(
  userid: string | undefined,
  apikey: string | undefined,
  source: CredentialSource,
): { userid: string; apikey: string; source: CredentialSource } {
  const where = source === 'options' ? 'the options' : source === 'env' ? 'the environment' : source;
  if (!userid) throw new OmegaCredentialsError(`${where}: an API key but no userid`);
  if (!apikey) throw new OmegaCredentialsError(`${where}: a userid but no API key`);
  return { userid, apikey, source };
}

function readCredentialsFile(
  options: CredentialOptions,
  env: Record<string, string | undefined>,
): { path: string; credentials: Partial<OmegaCredentials> } | undefined {
  const cwd = options.cwd ?? process.cwd();
  const candidates = options.credentialsFile
    ? [resolve(cwd, options.credentialsFile)]
    : [
        ...(env.OMEGA_DATA_DIR ? [resolve(cwd, env.OMEGA_DATA_DIR, CREDENTIALS_FILE)] : []),
        join(cwd, '.omega', CREDENTIALS_FILE),
      ];
  for (const path of candidates) {
    if (!existsSync(path)) {
      if (options.credentialsFile) throw new OmegaCredentialsError(`${path} does not exist`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new OmegaCredentialsError(`${path} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new OmegaCredentialsError(`${path} must hold a JSON object {url, userid, apikey, tenant}`);
    }
    const record = parsed as Record<string, unknown>;
    const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
    return {
      path,
      credentials: {
        url: text('url'),
        userid: text('userid'),
        apikey: text('apikey'),
        tenant: text('tenant'),
      },
    };
  }
  return undefined;
}
