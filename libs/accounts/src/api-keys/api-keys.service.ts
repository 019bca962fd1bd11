import { Injectable } from '@nestjs/common';
import { OmegaError } from '@omega/core';
import { AuditService } from '../audit/audit.service';
import { PrincipalChanges, principalTag } from '../auth/principal-changes';
import { isRateLimitName, RateLimitOverrides } from '../auth/rate-limit-policy';
import { Actor, SYSTEM_ACTOR } from '../common/actor';
import { pageOf, Paging } from '../common/paging';
import { MembershipsRepository } from '../memberships/memberships.repository';
import type { Role } from '../memberships/role';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UsersRepository } from '../users/users.repository';
import { apiKeyPrefix, generateApiKey, hashApiKey, isWellFormedApiKey, sameKeyHash } from './api-key-secret';
import type { ApiKey } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';

/** Who a valid API key speaks for. */
export interface ApiKeyPrincipal {
  userId: string;
  userid: string;
  tenant: string;
  role: Role;
  keyId: string;
  /** The key stops working at this instant, event or not. */
  expiresAt: Date | null;
  /** The key's own rate limits, if it has any. */
  rateLimits?: RateLimitOverrides;
}

/** A key as listings show it: its prefix, never the key or its hash. */
export interface ApiKeyView {
  id: string;
  userid: string;
  tenant: string;
  name: string;
  keyPrefix: string;
  created: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** The key's own rate limits (requests per window); absent ones are its role's or the defaults. */
  rateLimits: RateLimitOverrides;
}

/** Whose keys a listing shows: one user's, one tenant's, or one user's in one tenant. */
export interface ApiKeyOwners {
  userid?: string;
  tenant?: string;
}

export interface NewApiKeyInput {
  userid: string;
  tenant: string;
  /** A label for the owner ("laptop", "ci"); `default` when not given. */
  name?: string;
  expiresAt?: Date | null;
}

/** The new key's record and the key itself, which is shown this once and never again. */
export interface CreatedApiKey {
  key: ApiKeyView;
  apikey: string;
}

/** `lastUsedAt` is a hint for owners, not an access log: write it at most once a minute per key. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const KEY_NAME = /^[^\p{Cc}]{1,100}$/u;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly users: UsersRepository,
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly audit: AuditService,
    private readonly changes: PrincipalChanges,
  ) {}

  /** A key for a member of the tenant (INVALID_INPUT otherwise). */
  async create(input: NewApiKeyInput, by: Actor = SYSTEM_ACTOR): Promise<CreatedApiKey> {
    const name = input.name ?? 'default';
    const subject = {
      action: 'apikey.create',
      tenant: input.tenant,
      object: String(input.userid),
      details: { name },
    };
    return this.audit.audited(by, subject, async () => {
      if (typeof name !== 'string' || !KEY_NAME.test(name))
        throw OmegaError.invalidInput('API key name must be 1-100 characters without control characters');
      const expiresAt = input.expiresAt ?? null;
      assertValidExpiry(expiresAt);
      if (expiresAt !== null && expiresAt.getTime() <= Date.now())
        throw OmegaError.invalidInput('expiresAt must be in the future');
      const user = await this.users.requireByUserid(String(input.userid));
      const tenant = await this.tenants.requireByName(String(input.tenant));
      if (!(await this.memberships.find(user.id, tenant.id)))
        throw OmegaError.invalidInput(`User '${user.userid}' is not a member of tenant '${tenant.name}'`);
      const apikey = generateApiKey();
      const key = await this.keys.insert({
        userId: user.id,
        tenantId: tenant.id,
        name,
        keyPrefix: apiKeyPrefix(apikey),
        keyHash: hashApiKey(apikey),
        expiresAt,
      });
      return { key: toApiKeyView({ ...key, user, tenant }), apikey };
    });
  }

  /** Keys of one user, of one tenant, or both; oldest first. */
  async list(filter: ApiKeyOwners = {}, paging?: Paging): Promise<ApiKeyView[]> {
    return (await this.keys.list(await this.ownerIds(filter), pageOf(paging))).map(toApiKeyView);
  }

  /**
   * A page of keys by name of one user, of one tenant, or both, whose name contains `contains`,
   * after a cursor (the id of the last key shown), with the count of all that match.
   */
  async page(
    filter: ApiKeyOwners,
    query: { after?: string; contains?: string; limit?: number },
  ): Promise<{ items: ApiKeyView[]; total: number }> {
    const { items, total } = await this.keys.page({
      ...(await this.ownerIds(filter)),
      contains: query.contains,
      after: query.after,
      limit: pageOf({ limit: query.limit }).take,
    });
    return { items: items.map(toApiKeyView), total };
  }

  async get(keyId: string): Promise<ApiKeyView> {
    return toApiKeyView(await this.require(keyId));
  }

  /** Takes effect on the very next request, on every API process (a change event). Revoking twice is harmless. */
  async revoke(keyId: string, by: Actor = SYSTEM_ACTOR): Promise<void> {
    await this.audit.audited(by, { action: 'apikey.revoke', object: String(keyId) }, async (subject) => {
      const key = await this.require(keyId);
      subject.tenant = key.tenant?.name;
      if (key.revokedAt === null) await this.keys.update(key.id, { revokedAt: new Date() });
      await this.changes.changed(principalTag.key(key.id));
    });
  }

  /**
   * Sets the key's own rate limits (requests per window, 0 = none); a limit given as null goes back to
   * the role's or the default. Takes effect on the key's next request.
   */
  async setRateLimits(
    keyId: string,
    limits: Record<string, number | null>,
    by: Actor = SYSTEM_ACTOR,
  ): Promise<ApiKeyView> {
    const subject = { action: 'apikey.limits', object: String(keyId), details: { limits } };
    return this.audit.audited(by, subject, async (audited) => {
      const key = await this.require(keyId);
      audited.tenant = key.tenant?.name;
      const merged: Record<string, number> = { ...parseRateLimits(key.rateLimits) };
      for (const [name, value] of Object.entries(limits ?? {})) {
        if (!isRateLimitName(name)) throw OmegaError.invalidInput(`Unknown rate limit '${name}'`);
        if (value === null) delete merged[name];
        else if (Number.isInteger(value) && value >= 0 && value <= 1e9) merged[name] = value;
        else throw OmegaError.invalidInput(`Rate limit '${name}' must be an integer from 0 to 1e9, or null`);
      }
      const rateLimits = Object.keys(merged).length > 0 ? JSON.stringify(merged) : null;
      await this.keys.update(key.id, { rateLimits });
      await this.changes.changed(principalTag.key(key.id));
      return toApiKeyView({ ...key, rateLimits });
    });
  }

  /** Notes that a key was used (for owners' listings), at most once per LAST_USED_RESOLUTION_MS. */
  async touch(keyId: string): Promise<void> {
    await this.keys.update(keyId, { lastUsedAt: new Date() });
  }

  /** Sets or clears the expiry; a time in the past expires the key at once. */
  async setExpiry(keyId: string, expiresAt: Date | null, by: Actor = SYSTEM_ACTOR): Promise<void> {
    await this.audit.audited(by, { action: 'apikey.expiry', object: String(keyId) }, async (subject) => {
      assertValidExpiry(expiresAt);
      const key = await this.require(keyId);
      subject.tenant = key.tenant?.name;
      subject.details = { expiresAt: expiresAt?.toISOString() ?? null };
      await this.keys.update(key.id, { expiresAt });
      await this.changes.changed(principalTag.key(key.id));
    });
  }

  /**
   * The principal for `ApiKey <userid>:<apikey>`, or null when the user is unknown or disabled, the key is
   * wrong, revoked or expired, its tenant is disabled, or the user is no longer a member of it. Callers
   * get no reason: a client that guesses learns nothing from the answer.
   */
  async verifyApiKey(userid: unknown, apikey: unknown): Promise<ApiKeyPrincipal | null> {
    // Anything but strings (a parsed JSON object such as {"$ne": null}) is refused before any query.
    if (typeof userid !== 'string' || !isWellFormedApiKey(apikey)) return null;
    const user = await this.users.findByUserid(userid);
    if (!user || user.disabled) return null;
    const presented = hashApiKey(apikey);
    const candidates = await this.keys.findCandidates(user.id, apiKeyPrefix(apikey));
    const key = candidates.find((candidate) => sameKeyHash(candidate.keyHash, presented));
    const now = new Date();
    if (!key || key.revokedAt !== null) return null;
    if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return null;
    if (!key.tenant || key.tenant.disabled) return null;
    const membership = await this.memberships.find(user.id, key.tenantId);
    if (!membership) return null;
    if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.keys.update(key.id, { lastUsedAt: now });
    }
    return {
      userId: user.id,
      userid: user.userid,
      tenant: key.tenant.name,
      role: membership.role,
      keyId: key.id,
      expiresAt: key.expiresAt,
      rateLimits: parseRateLimits(key.rateLimits),
    };
  }

  private async ownerIds(filter: ApiKeyOwners): Promise<{ userId?: string; tenantId?: string }> {
    const ids: { userId?: string; tenantId?: string } = {};
    if (filter.userid !== undefined)
      ids.userId = (await this.users.requireByUserid(String(filter.userid))).id;
    if (filter.tenant !== undefined)
      ids.tenantId = (await this.tenants.requireByName(String(filter.tenant))).id;
    return ids;
  }

  private async require(keyId: string): Promise<ApiKey> {
    const key = typeof keyId === 'string' ? await this.keys.findById(keyId) : null;
    if (!key) throw OmegaError.notFound(`API key '${String(keyId)}'`);
    return key;
  }
}

function assertValidExpiry(expiresAt: unknown): asserts expiresAt is Date | null {
  if (expiresAt !== null && (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())))
    throw OmegaError.invalidInput('expiresAt must be a valid date or null');
}

/** Needs the key loaded with its user and tenant. */
export function toApiKeyView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    userid: key.user?.userid ?? '',
    tenant: key.tenant?.name ?? '',
    name: key.name,
    keyPrefix: key.keyPrefix,
    created: key.created,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
    lastUsedAt: key.lastUsedAt,
    rateLimits: parseRateLimits(key.rateLimits),
  };
}

/** The stored JSON of a key's limits; anything unreadable counts as none. */
function parseRateLimits(json: string | null | undefined): RateLimitOverrides {
  if (!json) return {};
  try {
    const parsed = JSON.parse(json) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).filter(([name, value]) => isRateLimitName(name) && typeof value === 'number'),
    );
  } catch {
    return {};
  }
}
