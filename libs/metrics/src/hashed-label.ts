import { createHash } from 'node:crypto';

/**
 * A name as the public `/metrics` shows it: `<kind>-` and 12 hex digits of its SHA-256, never the name
 * itself (tenant, model and feature names are the tenant's data). An operator hashes a name to find it.
 */
export function hashedLabel(kind: string, name: string): string {
  return `${kind}-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

/** A tenant as the public metrics show it. */
export function tenantLabel(tenant: string): string {
  return hashedLabel('t', tenant);
}
