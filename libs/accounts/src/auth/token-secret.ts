import { Logger } from '@nestjs/common';
import type { OmegaConfig } from '@omega/core';
import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_SECRET_FILE = 'jwt-secret';

/**
 * The key login tokens are signed with. From OMEGA_SECRET_KEY when set (derived with HKDF, so the JWT key
 * is never the key that encrypts stored secrets); otherwise a random key made once and kept in the data
 * folder (mode 0600), so tokens survive a restart of an embedded installation. Replicas of a deployment
 * must share OMEGA_SECRET_KEY, or each would refuse the others' tokens.
 */
export function loadTokenSecret(config: OmegaConfig): Buffer {
  if (config.secretKey) {
    return Buffer.from(hkdfSync('sha256', config.secretKey, 'omega-ts', 'jwt-signing-key v1', 32));
  }
  const file = join(config.dataDir, TOKEN_SECRET_FILE);
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32);
  try {
    // `wx`: of two processes starting together, one writes and the other reads what it wrote.
    writeFileSync(file, secret.toString('base64url'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    }
    throw error;
  }
  new Logger('Auth').log(`OMEGA_SECRET_KEY is not set: signing login tokens with a key kept in ${file}`);
  return secret;
}
