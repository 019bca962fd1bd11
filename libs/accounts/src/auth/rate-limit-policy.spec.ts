import { loadConfig } from '@omega/core';
import { effectiveLimits, extraLimitsOf } from './rate-limit-policy';

describe('rate limit policy', () => {
  it("takes a key's own limits over its role's, and its role's over the defaults", () => {
    const config = loadConfig({
      OMEGA_RATE_LIMITS_BY_ROLE: 'readonly.api=600,readonly.keys=2,member.uploads=5',
    });
    expect(effectiveLimits(config, 'admin', undefined)).toEqual({ api: 60_000, uploads: 300, keys: 20 });
    expect(effectiveLimits(config, 'readonly', undefined)).toEqual({ api: 600, uploads: 300, keys: 2 });
    expect(effectiveLimits(config, 'readonly', { api: 0 })).toEqual({ api: 0, uploads: 300, keys: 2 });
    expect(effectiveLimits(config, 'member', { keys: 1 })).toEqual({ api: 60_000, uploads: 5, keys: 1 });
  });

  it('refuses a malformed role spec at boot', () => {
    expect(() => loadConfig({ OMEGA_RATE_LIMITS_BY_ROLE: 'owner.api=5' })).toThrow(
      'OMEGA_RATE_LIMITS_BY_ROLE',
    );
    expect(() => loadConfig({ OMEGA_RATE_LIMITS_BY_ROLE: 'member.api=-1' })).toThrow(
      'OMEGA_RATE_LIMITS_BY_ROLE',
    );
  });

  it('counts uploads and key creation by the registered route, never by the URL', () => {
    expect(extraLimitsOf('PUT', '/api/v1/dataset/:name')).toEqual(['uploads']);
    expect(extraLimitsOf('PUT', '/api/v1/file/:name')).toEqual(['uploads']);
    expect(extraLimitsOf('POST', '/api/v1/dataset/:name/query')).toEqual([]);
    expect(extraLimitsOf('GET', '/api/v1/dataset/:name')).toEqual([]);
    expect(extraLimitsOf('POST', '/api/v1/auth/keys')).toEqual(['keys']);
    expect(extraLimitsOf('POST', '/api/v1/admin/keys')).toEqual(['keys']);
    expect(extraLimitsOf('PUT', '/api/v1/model/:name/:action')).toEqual([]);
    expect(extraLimitsOf('PUT', undefined)).toEqual([]);
  });
});
