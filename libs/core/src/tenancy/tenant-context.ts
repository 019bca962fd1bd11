import { assertValidBucket } from '../naming/object-names';
import { OmegaError, OmegaErrorCode } from '../errors/omega-error';

export const DEFAULT_TENANT = 'default';
export const DEFAULT_BUCKET = 'default';

const TENANT_PATTERN = /^[a-z0-9][a-z0-9_]{0,39}$/;

/**
 * Who a call acts for and where. Every store, blob and task call takes one; nothing reaches a tenant's
 * database without it. Built once per request (or task) and never changed.
 */
export class TenantContext {
  private constructor(
    readonly tenant: string,
    readonly bucket: string,
  ) {}

  static of(tenant: string, bucket: string = DEFAULT_BUCKET): TenantContext {
    if (!TENANT_PATTERN.test(tenant)) {
      throw new OmegaError(
        OmegaErrorCode.InvalidName,
        'Invalid tenant: use 1-40 lowercase letters, digits or _',
      );
    }
    assertValidBucket(bucket);
    return new TenantContext(tenant, bucket);
  }

  withBucket(bucket: string): TenantContext {
    return TenantContext.of(this.tenant, bucket);
  }
}

/** The MongoDB database that holds one tenant's objects. */
export function tenantDatabaseName(prefix: string, tenant: string): string {
  return `${prefix}_${tenant}`;
}
