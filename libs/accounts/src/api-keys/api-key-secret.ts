import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes: 256 bits, written as 43 base64url characters. */
export const API_KEY_BYTES = 32;
/** How many leading characters of a key are kept in the clear (listings, lookup). */
export const API_KEY_PREFIX_LENGTH = 8;
/**
 * Keys a deployment supplies itself (bootstrap via environment) must be at least this long: the fast hash
 * below is only right for keys nobody can guess. omega-ml's own keys are 40 hex characters.
 */
export const MIN_API_KEY_LENGTH = 32;
export const MAX_API_KEY_LENGTH = 256;
const API_KEY_PATTERN = /^[A-Za-z0-9._~+/=-]+$/;

export function generateApiKey(): string {
  return randomBytes(API_KEY_BYTES).toString('base64url');
}

/** True for a string that could be a key (generated or supplied); anything else is refused unread. */
export function isWellFormedApiKey(key: unknown): key is string {
  return (
    typeof key === 'string' &&
    key.length >= MIN_API_KEY_LENGTH &&
    key.length <= MAX_API_KEY_LENGTH &&
    API_KEY_PATTERN.test(key)
  );
}

/**
 * SHA-256, hex. A fast hash is right here, unlike for passwords: a key has 256 bits of entropy, so there is
 * no dictionary to try and a slow hash would only slow down every API request.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX_LENGTH);
}

/** Compares two hex hashes in constant time (equal length is a given for SHA-256 hex). */
export function sameKeyHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
