import { Injectable } from '@nestjs/common';
import { MetadataRepository, TenantContext } from '@omega/core';
import type { Actor } from '../common/actor';
import { TenantsService, TenantView } from './tenants.service';

/**
 * A tenant as the platform needs it: its accounts row and its MongoDB database with the Metadata indexes,
 * so the first request of a new tenant finds everything in place.
 */
@Injectable()
export class TenantProvisioningService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly metadata: MetadataRepository,
  ) {}

  async create(name: string, by: Actor): Promise<TenantView> {
    const tenant = await this.tenants.create(name, by);
    await this.prepareDatabase(tenant.name);
    return tenant;
  }

  /** Idempotent: indexes that exist are left as they are. */
  async prepareDatabase(name: string): Promise<void> {
    await this.metadata.ensureIndexes(TenantContext.of(name));
  }
}
