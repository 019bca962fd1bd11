import { OmegaErrorCode } from '@omega/core';
import { assertValidTenantName } from './tenant-name';

describe('assertValidTenantName', () => {
  it('accepts what the tenancy context accepts', () => {
    for (const name of ['acme', 'a', 'team_42', 'x'.repeat(40)])
      expect(() => assertValidTenantName(name)).not.toThrow();
  });

  it('refuses anything else with INVALID_NAME, non-strings included', () => {
    for (const name of ['Acme', '_x', 'a-b', '', 'x'.repeat(41), undefined, null, { $ne: null }]) {
      expect(() => assertValidTenantName(name)).toThrow(
        expect.objectContaining({ code: OmegaErrorCode.InvalidName }),
      );
    }
  });
});
