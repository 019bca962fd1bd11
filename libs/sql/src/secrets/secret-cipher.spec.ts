import { OmegaError } from '@omega/core';
import { SecretCipher } from './secret-cipher';

describe('secret cipher', () => {
  const key = 'k'.repeat(40);
  const cipher = new SecretCipher(key);

  it('round-trips and never shows the plain text', () => {
    const blob = cipher.encrypt({ password: 'hunter2-secret' }, 'default/x');
    expect(blob).toMatch(/^v1\./);
    expect(blob).not.toContain('hunter2');
    expect(Buffer.from(blob.split('.')[4], 'base64').toString('utf8')).not.toContain('hunter2');
    expect(cipher.decrypt(blob, 'default/x')).toEqual({ password: 'hunter2-secret' });
  });

  it('uses a fresh salt and iv every time', () => {
    expect(cipher.encrypt({ a: 'b' }, 'x')).not.toBe(cipher.encrypt({ a: 'b' }, 'x'));
  });

  it('refuses another object, another key, or a tampered blob', () => {
    const blob = cipher.encrypt({ password: 'p' }, 'tenant-a/x');
    expect(() => cipher.decrypt(blob, 'tenant-b/x')).toThrow('cannot be decrypted');
    expect(() => new SecretCipher('z'.repeat(40)).decrypt(blob, 'tenant-a/x')).toThrow('cannot be decrypted');
    const parts = blob.split('.');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => cipher.decrypt(parts.join('.'), 'tenant-a/x')).toThrow(OmegaError);
  });

  it('will not store secrets without OMEGA_SECRET_KEY', () => {
    expect(() => new SecretCipher(undefined).encrypt({ password: 'p' }, 'x')).toThrow(
      'OMEGA_SECRET_KEY is not set',
    );
  });
});
