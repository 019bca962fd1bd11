import { Injectable, Logger } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { apiKeyPrefix, generateApiKey, hashApiKey, isWellFormedApiKey } from '../api-keys/api-key-secret';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../common/actor';
import { ACCOUNTS_CONNECTION } from '../database/accounts-connection';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { assertValidTenantName } from '../tenants/tenant-name';
import { TenantsRepository } from '../tenants/tenants.repository';
import { hashPassword } from '../users/password-hash';
import { assertPasswordPolicy } from '../users/password-policy';
import { assertValidUserid } from '../users/userid';
import { UsersRepository } from '../users/users.repository';

export interface BootstrapAdminInput {
  userid: string;
  /** Generated (and returned) when not given. */
  password?: string;
  /** A key the deployment chose (e.g. from its environment); generated (and returned) when not given. */
  apikey?: string;
  tenant: string;
}

/** The secrets made on first start; a secret the caller supplied is not echoed back (null). */
export interface BootstrapAdminSecrets {
  userid: string;
  tenant: string;
  password: string | null;
  apikey: string | null;
}

/**
 * Creates the first administrator on an empty installation. Idempotent: once the user exists nothing is
 * changed (a key the admin later revoked stays revoked, even if the environment still names it), so it
 * can run at every start of every replica.
 */
@Injectable()
export class BootstrapAdminService {
  private readonly logger = new Logger('Accounts');

  constructor(
    @InjectEntityManager(ACCOUNTS_CONNECTION) private readonly manager: EntityManager,
    private readonly users: UsersRepository,
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditService,
  ) {}

  /** The secrets it created, or null when the admin already existed. */
  async ensureBootstrapAdmin(input: BootstrapAdminInput): Promise<BootstrapAdminSecrets | null> {
    assertValidUserid(input.userid);
    assertValidTenantName(input.tenant);
    if (input.password !== undefined) assertPasswordPolicy(input.password);
    if (input.apikey !== undefined && !isWellFormedApiKey(input.apikey)) {
      throw OmegaError.invalidInput(
        'bootstrap API key must be 32-256 characters of letters, digits and . _ ~ + / = -',
      );
    }
    if (await this.users.findByUserid(input.userid)) return null;

    const password = input.password ?? randomBytes(24).toString('base64url');
    const apikey = input.apikey ?? generateApiKey();
    const passwordHash = await hashPassword(password);
    try {
      // One transaction: a crash half-way must not leave an admin without a key or a membership, which
      // the next start (seeing the user) would never repair.
      await this.manager.transaction(async (tx) => {
        const tenant =
          (await this.tenants.withTransaction(tx).findByName(input.tenant)) ??
          (await this.tenants.withTransaction(tx).insert(input.tenant));
        const user = await this.users.withTransaction(tx).insert({
          userid: input.userid,
          email: null,
          passwordHash,
          isPlatformAdmin: true,
        });
        await this.memberships
          .withTransaction(tx)
          .insert(user.id, tenant.id, 'admin', { userid: user.userid, tenant: tenant.name });
        await this.keys.withTransaction(tx).insert({
          userId: user.id,
          tenantId: tenant.id,
          name: 'bootstrap',
          keyPrefix: apiKeyPrefix(apikey),
          keyHash: hashApiKey(apikey),
          expiresAt: null,
        });
      });
    } catch (error) {
      // Another replica starting at the same moment won the race: its admin is the admin.
      if (error instanceof OmegaError && error.code === OmegaErrorCode.AlreadyExists) {
        if (await this.users.findByUserid(input.userid)) return null;
      }
      throw error;
    }
    await this.audit.record({
      actor: SYSTEM_ACTOR.actor,
      tenant: input.tenant,
      action: 'bootstrap.admin',
      object: input.userid,
      outcome: 'success',
    });
    this.logger.log(`created the bootstrap admin '${input.userid}' in tenant '${input.tenant}'`);
    return {
      userid: input.userid,
      tenant: input.tenant,
      password: input.password === undefined ? password : null,
      apikey: input.apikey === undefined ? apikey : null,
    };
  }
}
