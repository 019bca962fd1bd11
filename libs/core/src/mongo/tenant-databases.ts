import { Inject, Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Db, MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { OMEGA_CONFIG } from '../config/config.module';
import type { OmegaConfig } from '../config/omega-config';
import { TenantContext, tenantDatabaseName } from '../tenancy/tenant-context';

/**
 * The single door to MongoDB databases: a tenant context in, that tenant's database out. Row data and
 * GridFS use the native driver through here (no per-document overhead); Metadata goes through Mongoose.
 */
@Injectable()
export class TenantDatabases {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  databaseName(ctx: TenantContext): string {
    return tenantDatabaseName(this.config.mongoDbPrefix, ctx.tenant, ctx.qualifier);
  }

  /** Native driver handle on the tenant's database. */
  db(ctx: TenantContext): Db {
    return this.client().db(this.databaseName(ctx));
  }

  /** Mongoose connection on the tenant's database (shares the pool). */
  connectionFor(ctx: TenantContext): Connection {
    return this.connection.useDb(this.databaseName(ctx), { useCache: true });
  }

  client(): MongoClient {
    return this.connection.getClient() as unknown as MongoClient;
  }

  async ping(): Promise<void> {
    await this.client().db('admin').command({ ping: 1 });
  }
}
