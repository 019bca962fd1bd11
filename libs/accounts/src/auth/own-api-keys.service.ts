import { Injectable } from '@nestjs/common';
import { OmegaError } from '@omega/core';
import { ApiKeysService, ApiKeyView, CreatedApiKey } from '../api-keys/api-keys.service';
import type { Actor } from '../common/actor';
import type { Paging } from '../common/paging';
import type { Principal } from './principal';

/** A user's own API keys, for their current tenant: list, create (shown once), revoke. */
@Injectable()
export class OwnApiKeysService {
  constructor(private readonly keys: ApiKeysService) {}

  list(principal: Principal, paging?: Paging): Promise<ApiKeyView[]> {
    return this.keys.list({ userid: principal.userid, tenant: principal.tenant }, paging);
  }

  create(
    principal: Principal,
    input: { name?: string; expiresAt?: Date | null },
    by: Actor,
  ): Promise<CreatedApiKey> {
    return this.keys.create({ ...input, userid: principal.userid, tenant: principal.tenant }, by);
  }

  /** Someone else's key (or another tenant's) is NOT_FOUND: its existence is none of the caller's business. */
  async revoke(principal: Principal, keyId: string, by: Actor): Promise<void> {
    const key = await this.keys.get(keyId);
    if (key.userid !== principal.userid || key.tenant !== principal.tenant)
      throw OmegaError.notFound(`API key '${keyId}'`);
    await this.keys.revoke(keyId, by);
  }
}
