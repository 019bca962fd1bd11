import { OmegaError } from '@omega/core';

export const MIN_PASSWORD_LENGTH = 12;
// Long enough for any passphrase; the cap keeps one request from feeding scrypt megabytes.
export const MAX_PASSWORD_LENGTH = 1024;

/** Length is what makes a password hard to guess; no composition rules (NIST SP 800-63B). */
export function assertPasswordPolicy(password: unknown): asserts password is string {
  if (typeof password !== 'string') throw OmegaError.invalidInput('password must be a string');
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    throw OmegaError.invalidInput(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH)
    throw OmegaError.invalidInput(`password must be at most ${MAX_PASSWORD_LENGTH} characters`);
}
