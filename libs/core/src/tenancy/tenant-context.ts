import { createHash } from 'node:crypto';
import { assertValidBucket } from '../naming/object-names';
import { OmegaError, OmegaErrorCode } from '../errors/omega-error';

export const DEFAULT_TENANT = 'default';
export const DEFAULT_BUCKET = 'default';
export const DEFAULT_QUALIFIER = 'default';

const TENANT_PATTERN = /^[a-z0-9][a-z0-9_]{0,39}$/;
/** An environment of a tenant (`default`, `dev`, `staging`): each is a database of its own. */
const QUALIFIER_PATTERN = /^[a-z0-9][a-z0-9_]{0,19}$/;
/** MongoDB refuses longer database names. */
export const MAX_DATABASE_NAME_BYTES = 63;

/**
 * Who a call acts for and where. Every store, blob and task call takes one; nothing reaches a tenant's
 * database without it. Built once per request (or task) and never changed.
 */
export class TenantContext {
  private constructor(
    readonly tenant: string,
    readonly bucket: string,
    readonly qualifier: string,
  ) {}

  static of(
    tenant: string,
    bucket: string = DEFAULT_BUCKET,
    qualifier: string = DEFAULT_QUALIFIER,
  ): TenantContext {
    if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
      throw new OmegaError(
        OmegaErrorCode.InvalidName,
        'Invalid tenant: use 1-40 lowercase letters, digits or _',
      );
    }
    assertValidBucket(bucket);
    assertValidQualifier(qualifier);
    return new TenantContext(tenant, bucket, qualifier);
  }

  withBucket(bucket: string): TenantContext {
    return TenantContext.of(this.tenant, bucket, this.qualifier);
  }
}

/**
 * The bucket and environment a request names in omega-ml's `Bucket` and `Qualifier` headers (absent or
 * empty: the default). Unvalidated: `TenantContext.of` checks them. One reading for every check that
 * compares a request's scope (the tenant context of a route, a run token's scope).
 */
export function requestedScope(header: (name: string) => string | undefined): {
  bucket: string;
  qualifier: string;
} {
  const or = (name: string, fallback: string): string => {
    const value = header(name);
    return value === undefined || value === '' ? fallback : value;
  };
  return { bucket: or('bucket', DEFAULT_BUCKET), qualifier: or('qualifier', DEFAULT_QUALIFIER) };
}

export function assertValidQualifier(qualifier: unknown): asserts qualifier is string {
  if (typeof qualifier !== 'string' || !QUALIFIER_PATTERN.test(qualifier)) {
    throw new OmegaError(
      OmegaErrorCode.InvalidName,
      'Invalid qualifier: use 1-20 lowercase letters, digits or _, starting with a letter or digit',
    );
  }
}

/**
 * The MongoDB database that holds one tenant's objects in one qualifier (environment). The `default`
 * qualifier keeps the plain `<prefix>_<tenant>`; others append `-<qualifier>`: `-` cannot occur in a tenant
 * name, so `a__b` (tenant `a__b`) and `a-b` (tenant `a`, qualifier `b`) never meet. A name that would pass
 * MongoDB's 63-byte limit is hashed instead, behind `<prefix>-`, which no plain name can start with.
 */
export function tenantDatabaseName(
  prefix: string,
  tenant: string,
  qualifier: string = DEFAULT_QUALIFIER,
): string {
  if (qualifier === DEFAULT_QUALIFIER) return `${prefix}_${tenant}`;
  const plain = `${prefix}_${tenant}-${qualifier}`;
  if (plain.length <= MAX_DATABASE_NAME_BYTES) return plain;
  const digest = createHash('sha256').update(`${tenant}-${qualifier}`).digest('hex');
  return `${prefix}-${digest.slice(0, MAX_DATABASE_NAME_BYTES - prefix.length - 1)}`;
}
