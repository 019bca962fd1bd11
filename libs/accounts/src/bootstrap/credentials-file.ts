import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CREDENTIALS_FILE = 'credentials.json';

export interface CredentialsFile {
  url: string;
  userid: string;
  apikey: string;
  tenant: string;
  /** Present when the password was generated: the console needs it to sign in. */
  password?: string;
}

/** Writes the first admin's credentials for the local user only (mode 0600); answers the file's path. */
export function writeCredentialsFile(dataDir: string, credentials: CredentialsFile): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, CREDENTIALS_FILE);
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // `mode` only applies to a new file: an old one may have been made with looser rights.
  chmodSync(file, 0o600);
  return file;
}

export function credentialsFilePath(dataDir: string): string {
  return join(dataDir, CREDENTIALS_FILE);
}
