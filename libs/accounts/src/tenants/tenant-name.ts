import { OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';

/**
 * Tenant names follow the tenancy context's rule (it names the tenant's MongoDB database), so a tenant
 * that can be created can also be used. Throws INVALID_NAME otherwise.
 */
export function assertValidTenantName(name: unknown): asserts name is string {
  // The context's pattern would accept `String(undefined)`: check the type first.
  if (typeof name !== 'string')
    throw new OmegaError(OmegaErrorCode.InvalidName, 'Invalid tenant: not a string');
  TenantContext.of(name);
}
