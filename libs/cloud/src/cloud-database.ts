import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, TenantDatabases } from '@omega/core';
import type { Db } from 'mongodb';

/**
 * The cloud manager's own MongoDB database, `<prefix>__cloud` (no tenant name can produce it, as for the
 * runtime's): worker pools wanted and applied, live settings, the manager lease and heartbeats.
 */
@Injectable()
export class CloudDatabase {
  constructor(
    private readonly databases: TenantDatabases,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  db(): Db {
    return this.databases.client().db(`${this.config.mongoDbPrefix}__cloud`);
  }
}
