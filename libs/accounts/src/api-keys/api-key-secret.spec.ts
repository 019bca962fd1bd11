import { createHash } from 'node:crypto';
import { apiKeyPrefix, generateApiKey, hashApiKey, isWellFormedApiKey, sameKeyHash } from './api-key-secret';

describe('API key secrets', () => {
  it('generates 32 random bytes as 43 base64url characters', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
  });

  it('hashes with SHA-256 (hex) and keeps an 8-character prefix in the clear', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyPrefix(key)).toBe(key.slice(0, 8));
  });

  it('compares hashes exactly', () => {
    const hash = hashApiKey(generateApiKey());
    expect(sameKeyHash(hash, hash)).toBe(true);
    expect(sameKeyHash(hash, hashApiKey(generateApiKey()))).toBe(false);
    expect(sameKeyHash(hash, hash.slice(0, 62))).toBe(false);
    expect(sameKeyHash('', '')).toBe(false);
  });

  it('accepts generated and omega-ml style keys, refuses short or odd ones', () => {
    expect(isWellFormedApiKey(generateApiKey())).toBe(true);
    expect(isWellFormedApiKey('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    for (const key of [
      'short',
      'x'.repeat(31),
      'x'.repeat(257),
      `${'x'.repeat(40)} `,
      `${'x'.repeat(40)}:`,
      42,
    ]) {
      expect(isWellFormedApiKey(key)).toBe(false);
    }
  });
});
