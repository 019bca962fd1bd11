import { createHash, randomBytes } from 'node:crypto';
import type { TenantContext } from '../tenancy/tenant-context';

/**
 * A collection name for one version of an object's data: hashed, so long object names never hit
 * namespace limits, and suffixed, so a replacement can be written beside the version it replaces.
 */
export function storageCollectionName(tag: string, ctx: TenantContext, prefix: string, name: string): string {
  const hash = createHash('sha1').update(`${ctx.bucket}/${prefix}/${name}`).digest('hex').slice(0, 24);
  return `${tag}_${hash}_${randomBytes(4).toString('hex')}`;
}
