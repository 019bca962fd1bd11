import { Inject, Injectable } from '@nestjs/common';
import {
  Actor,
  ApiKeysService,
  AuditService,
  assertPasswordPolicy,
  assertValidTenantName,
  assertValidUserid,
  MembershipsService,
  TenantProvisioningService,
  TenantsService,
  UsersService,
  type TenantView,
} from '@omega/accounts';
import {
  OMEGA_CONFIG,
  OmegaConfig,
  OmegaError,
  OmegaErrorCode,
  TenantDatabases,
  tenantDatabaseName,
} from '@omega/core';

export interface AddedTenant {
  tenant: TenantView;
  database: string;
  admin: { userid: string; created: boolean };
  /** The admin's new key, shown this once. */
  apikey: string;
  keyId: string;
}

export interface RemovedTenant {
  tenant: string;
  databasesDropped: string[];
  keysRevoked: number;
  membershipsRemoved: number;
}

/** Listings are walked in pages of this size (the accounts paging's largest). */
const PAGE = 1000;

/**
 * Tenants as the cloud manager handles them: one call makes a usable tenant (accounts row, database with
 * its indexes, an admin and their key) and one takes it apart. Each step is audited by the accounts
 * services it uses, and the whole command once more under `cloud.tenants.*`.
 */
@Injectable()
export class CloudTenantsService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly provisioning: TenantProvisioningService,
    private readonly users: UsersService,
    private readonly memberships: MembershipsService,
    private readonly keys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly databases: TenantDatabases,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  /**
   * The admin is a new user (with `password` if given, else keys only) or an existing one made admin of the
   * tenant. Names are checked before anything is made, so a bad request leaves nothing behind.
   */
  async add(name: string, input: { admin: string; password?: string }, by: Actor): Promise<AddedTenant> {
    const subject = {
      action: 'cloud.tenants.add',
      tenant: String(name),
      object: String(name),
      details: { admin: input.admin },
    };
    return this.audit.audited(by, subject, async () => {
      assertValidTenantName(name);
      assertValidUserid(input.admin);
      if (input.password !== undefined) assertPasswordPolicy(input.password);
      const existingUser = await this.users.get(input.admin).catch((error: unknown) => {
        if (error instanceof OmegaError && error.code === OmegaErrorCode.NotFound) return undefined;
        throw error;
      });
      if (existingUser && input.password !== undefined) {
        throw OmegaError.invalidInput(`User ${input.admin} exists: their password is not set here`);
      }
      const tenant = await this.provisioning.create(name, by);
      if (!existingUser) await this.users.create({ userid: input.admin, password: input.password }, by);
      await this.memberships.add(input.admin, name, 'admin', by);
      const key = await this.keys.create({ userid: input.admin, tenant: name, name: 'cloud' }, by);
      return {
        tenant,
        database: tenantDatabaseName(this.config.mongoDbPrefix, name),
        admin: { userid: input.admin, created: !existingUser },
        apikey: key.apikey,
        keyId: key.key.id,
      };
    });
  }

  async setDisabled(name: string, disabled: boolean, by: Actor): Promise<TenantView> {
    await this.tenants.setDisabled(name, disabled, by);
    return this.tenants.get(name);
  }

  /**
   * Disables the tenant (its keys and logins stop at once), revokes its keys, removes its members and drops
   * its databases (every qualifier's). The accounts row stays, disabled, so the name is not given to
   * someone else and the audit trail keeps pointing at it. `confirm` must repeat the name. The platform
   * admin's own tenant cannot be removed.
   */
  async remove(name: string, confirm: string, by: Actor): Promise<RemovedTenant> {
    const subject = { action: 'cloud.tenants.remove', tenant: String(name), object: String(name) };
    return this.audit.audited(by, subject, async () => {
      if (confirm !== name) {
        throw OmegaError.invalidInput(`Removing tenant ${name} needs confirm set to its name`);
      }
      if (name === this.config.adminTenant) {
        throw new OmegaError(OmegaErrorCode.Conflict, `Tenant ${name} is the platform admin's own tenant`);
      }
      await this.tenants.get(name);
      await this.tenants.setDisabled(name, true, by);
      let keysRevoked = 0;
      for (let offset = 0; ; offset += PAGE) {
        const keys = await this.keys.list({ tenant: name }, { limit: PAGE, offset });
        for (const key of keys.filter((k) => k.revokedAt === null)) {
          await this.keys.revoke(key.id, by);
          keysRevoked += 1;
        }
        if (keys.length < PAGE) break;
      }
      let membershipsRemoved = 0;
      for (;;) {
        // Removed members leave the listing, so the first page is read again until it is empty.
        const members = await this.memberships.listByTenant(name, { limit: PAGE });
        if (members.length === 0) break;
        for (const member of members) {
          await this.memberships.remove(member.userid, name, by);
          membershipsRemoved += 1;
        }
      }
      const databasesDropped = await this.dropDatabases(name);
      return { tenant: name, databasesDropped, keysRevoked, membershipsRemoved };
    });
  }

  /**
   * The default qualifier's database and the other qualifiers' `<db>-<qualifier>` ones. A qualifier whose
   * name made the database name too long is stored under a hash and is not found here (see the README).
   */
  private async dropDatabases(name: string): Promise<string[]> {
    const plain = tenantDatabaseName(this.config.mongoDbPrefix, name);
    const client = this.databases.client();
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    const doomed = databases.map((db) => db.name).filter((db) => db === plain || db.startsWith(`${plain}-`));
    for (const db of doomed) await client.db(db).dropDatabase();
    return doomed;
  }
}
