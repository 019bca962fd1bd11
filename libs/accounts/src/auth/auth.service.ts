import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import {
  OMEGA_CONFIG,
  OmegaConfig,
  OmegaError,
  OmegaErrorCode,
  TenantContext,
  TenantDatabases,
} from '@omega/core';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { ApiKeysService, LAST_USED_RESOLUTION_MS } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import { MembershipsService } from '../memberships/memberships.service';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService, UserView } from '../users/users.service';
import { MAX_AUTHORIZATION_LENGTH, parseAuthorization } from './credentials';
import { loggableUserid, Principal } from './principal';
import { CacheLookup, PrincipalCache } from './principal-cache';
import { principalTag } from './principal-changes';
import { isRunTokenLive, RUN_SCOPE, RunTokenClaims, TOKEN_ISSUER } from './run-tokens';
import { SessionRevocations } from './session-revocations';
import { SESSION_COOKIE } from './session-cookies';
import { loadTokenSecret } from './token-secret';

/** Where a login came from, for the audit trail. */
export interface LoginOrigin {
  ip?: string;
  userAgent?: string;
}

/** A login token (Bearer or console session). */
interface LoginTokenClaims {
  sub: string;
  uid: string;
  ten: string;
  /** The token id, what a logout revokes. */
  jti: string;
  /** When it was issued, in milliseconds: a password change revokes what was issued until then. */
  iat_ms: number;
}

type VerifiedClaims = (LoginTokenClaims | RunTokenClaims) & { exp?: number; scope?: unknown };

/** The one message every refused credential gets: a client that guesses learns nothing from it. */
export function unauthenticated(): OmegaError {
  return new OmegaError(OmegaErrorCode.Unauthenticated, 'Invalid or missing credentials');
}

/** A principal and what its cache entry depends on. */
interface Resolved {
  principal: Principal;
  tags: string[];
  /** The credential's own expiry in milliseconds, if it has one. */
  expiresAt?: number;
}

/**
 * Proves who a request speaks for: API keys (omega-ml clients), login tokens as `Bearer` (API clients
 * after a password login) or as the console's session cookie. Tokens name a user and a tenant, nothing
 * more: the role, and whether the user, tenant and membership still exist and are enabled, are read from
 * the accounts database the first time a credential is seen, then kept in the `PrincipalCache` until a
 * change event says otherwise (on every API process), the credential expires, or the cache's max age.
 * Run tokens are never cached (see `runPrincipal`).
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');
  private readonly jwt: JwtService;
  /** When each key's use was last written (`lastUsedAt`), for keys served from the cache. */
  private readonly keyUses = new Map<string, number>();

  constructor(
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
    private readonly memberships: MembershipsService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly revocations: SessionRevocations,
    private readonly databases: TenantDatabases,
    private readonly cache: PrincipalCache,
  ) {
    this.jwt = new JwtService({
      secret: loadTokenSecret(config),
      signOptions: { algorithm: 'HS256', expiresIn: config.sessionTtlSeconds, issuer: TOKEN_ISSUER },
      verifyOptions: { algorithms: ['HS256'], issuer: TOKEN_ISSUER },
    });
  }

  /**
   * A password login. Answers a token for the tenant asked for, or the user's first tenant (by name).
   * Every attempt is audited; a refusal says nothing about which part was wrong.
   */
  async login(
    userid: string,
    password: string,
    from: LoginOrigin,
    tenant?: string,
  ): Promise<{ token: string; principal: Principal }> {
    const actor = typeof userid === 'string' ? userid : 'invalid';
    const subject = {
      action: 'auth.login',
      object: actor,
      details: { userAgent: from.userAgent?.slice(0, 200) },
    };
    return this.audit.audited({ actor, remote: from.ip }, subject, async (audited) => {
      const user = await this.users.verifyPassword(userid, password);
      const principal = user ? await this.principalFor(user, tenant, 'bearer') : null;
      if (!principal) {
        this.logger.warn(`refused a password login for '${loggableUserid(userid)}' from ${from.ip ?? '?'}`);
        throw unauthenticated();
      }
      audited.tenant = principal.tenant;
      const claims: LoginTokenClaims = {
        sub: principal.userId,
        uid: principal.userid,
        ten: principal.tenant,
        jti: randomUUID(),
        iat_ms: Date.now(),
      };
      return { token: await this.jwt.signAsync(claims), principal };
    });
  }

  /**
   * The request's principal from its Authorization header or session cookie; UNAUTHENTICATED otherwise.
   * A credential seen before is answered from the cache at once, without I/O or a promise (the hot path:
   * one hash of the header, one map read); others are resolved and kept, and refusals are thrown.
   */
  authenticate(req: Request): Principal | Promise<Principal> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      // Keyed by a SHA-256 of the whole header, so only the exact header accepted before hits, unparsed.
      if (header.length > MAX_AUTHORIZATION_LENGTH)
        return this.refuse(req, 'Authorization', undefined, 'too long');
      const lookup = this.cache.lookup(`authorization ${header}`);
      return this.fromCache(lookup) ?? this.resolveHeader(req, header, lookup);
    }
    const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    if (typeof cookie === 'string' && cookie !== '') {
      const lookup = this.cache.lookup(`session ${cookie}`);
      return (
        this.fromCache(lookup) ??
        this.resolveAndKeep(lookup, () => this.resolveToken(cookie, 'session')).then(
          (principal) => principal ?? this.refuse(req, 'session', undefined, 'invalid session'),
        )
      );
    }
    throw unauthenticated();
  }

  private async resolveHeader(req: Request, header: string, lookup: CacheLookup): Promise<Principal> {
    const presented = parseAuthorization(header);
    if (presented.scheme === 'apikey') {
      const { userid, apikey } = presented;
      return (
        (await this.resolveAndKeep(lookup, () => this.apiKeyPrincipal(userid, apikey))) ??
        this.refuse(req, 'ApiKey', userid, 'unknown, revoked or expired key')
      );
    }
    if (presented.scheme === 'bearer') {
      return (
        (await this.resolveAndKeep(lookup, () => this.resolveToken(presented.token, 'bearer'))) ??
        this.refuse(req, 'Bearer', undefined, 'invalid token')
      );
    }
    return this.refuse(req, 'Authorization', presented.userid, presented.reason);
  }

  /** The principal of a cache hit (noting an API key's use), or undefined. */
  private fromCache(lookup: CacheLookup): Principal | undefined {
    if (lookup.principal) this.noteKeyUse(lookup);
    return lookup.principal;
  }

  /** Resolves the credential of a cache miss, and keeps its principal when it may be. */
  private async resolveAndKeep(
    lookup: CacheLookup,
    resolve: () => Promise<Resolved | null>,
  ): Promise<Principal | null> {
    const resolved = await resolve();
    if (!resolved) return null;
    // Run tokens are checked on every request: see runPrincipal.
    if (!resolved.principal.run)
      this.cache.set(lookup, resolved.principal, resolved.tags, resolved.expiresAt);
    return resolved.principal;
  }

  /** `lastUsedAt` of a key served from the cache, still at most once a minute and off the request path. */
  private noteKeyUse(lookup: CacheLookup): void {
    const keyId = lookup.principal?.keyId;
    if (!keyId) return;
    const now = Date.now();
    const last = this.keyUses.get(keyId);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    this.rememberKeyUse(keyId, now);
    this.apiKeys
      .touch(keyId)
      .catch((error: Error) => this.logger.warn(`Could not note a key's use: ${error.message}`));
  }

  private rememberKeyUse(keyId: string, at: number): void {
    // A bound, not an eviction policy: forgetting a key only means one more `lastUsedAt` write.
    if (this.keyUses.size >= 100_000) this.keyUses.clear();
    this.keyUses.set(keyId, at);
  }

  private async apiKeyPrincipal(userid: string, apikey: string): Promise<Resolved | null> {
    const found = await this.apiKeys.verifyApiKey(userid, apikey);
    if (!found) return null;
    const user = await this.users.get(found.userid);
    const { expiresAt, rateLimits, ...rest } = found;
    // verifyApiKey noted the use just now.
    this.rememberKeyUse(found.keyId, Date.now());
    const principal: Principal = { ...rest, via: 'apikey', isPlatformAdmin: user.isPlatformAdmin };
    if (rateLimits && Object.keys(rateLimits).length > 0) principal.rateLimits = rateLimits;
    return {
      principal,
      tags: [
        principalTag.user(found.userId),
        principalTag.tenant(found.tenant),
        principalTag.key(found.keyId),
      ],
      expiresAt: expiresAt?.getTime(),
    };
  }

  /**
   * The principal a token stands for, or null when it is invalid, expired, revoked or no longer good.
   * A login token (Bearer or session) is good until it expires unless revoked (`SessionRevocations`); a
   * run token comes only as Bearer, only while its run lasts, and speaks for the user as a member at most.
   */
  async verifyToken(token: string, via: 'bearer' | 'session'): Promise<Principal | null> {
    const lookup = this.cache.lookup(`${via} ${token}`);
    return this.fromCache(lookup) ?? this.resolveAndKeep(lookup, () => this.resolveToken(token, via));
  }

  private async resolveToken(token: string, via: 'bearer' | 'session'): Promise<Resolved | null> {
    const claims = await this.claimsOf(token);
    if (!claims || typeof claims.uid !== 'string' || typeof claims.ten !== 'string') return null;
    if (claims.scope === RUN_SCOPE) {
      const principal = via === 'bearer' ? await this.runPrincipal(claims as RunTokenClaims) : null;
      return principal && { principal, tags: [] };
    }
    if (claims.scope !== undefined || !(await this.isLiveLoginToken(claims as LoginTokenClaims))) return null;
    const user = await this.enabledUser(claims);
    const principal = user && (await this.principalFor(user, claims.ten, via));
    if (!principal) return null;
    const tags = [principalTag.user(principal.userId), principalTag.tenant(principal.tenant)];
    return {
      principal,
      tags: [...tags, principalTag.token((claims as LoginTokenClaims).jti)],
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
    };
  }

  /**
   * A logout: the request's login token (its Bearer token, else its session cookie) is refused from now
   * on, by every API process, until it expires. A token that does not verify is ignored (it grants
   * nothing anyway).
   */
  async logout(req: Request): Promise<void> {
    const header = req.headers.authorization;
    const presented = header === undefined ? undefined : parseAuthorization(header);
    const token =
      presented?.scheme === 'bearer'
        ? presented.token
        : (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    if (typeof token !== 'string') return;
    const claims = await this.claimsOf(token);
    if (!claims || claims.scope !== undefined || typeof claims.jti !== 'string') return;
    const expiresAt = new Date((claims.exp ?? 0) * 1000);
    await this.revocations.revokeToken(claims.jti, expiresAt);
  }

  private async claimsOf(token: string): Promise<VerifiedClaims | null> {
    try {
      return await this.jwt.verifyAsync<VerifiedClaims>(token);
    } catch {
      return null;
    }
  }

  /** The one revocation check of a login token: one read by primary key. */
  private async isLiveLoginToken(claims: LoginTokenClaims): Promise<boolean> {
    // Tokens without an id cannot be revoked: they are refused, so their holders sign in again.
    if (typeof claims.jti !== 'string' || typeof claims.sub !== 'string' || typeof claims.iat_ms !== 'number')
      return false;
    const revocable = { tokenId: claims.jti, userId: claims.sub, issuedAt: claims.iat_ms };
    return !(await this.revocations.isRevoked(revocable));
  }

  /** The token's user, when it exists, is the one the token was issued to and is enabled. */
  private async enabledUser(claims: VerifiedClaims): Promise<UserView | null> {
    const user = await this.users.get(claims.uid).catch(() => null);
    // The same id, not just the same name: a user deleted and made again must log in again.
    return user && user.id === claims.sub && !user.disabled ? user : null;
  }

  /**
   * A run token's principal: the user's rights in the run's tenant, never more than a member's and never
   * a platform admin's, limited to the run's qualifier and bucket, while the run's record exists. Never
   * cached: the run ends on a worker, which writes to the tenant database and may have no way to announce
   * it, and run tokens serve only user code inside a run (not serving clients), so the one read by `_id`
   * per request is cheap where it happens.
   */
  private async runPrincipal(claims: RunTokenClaims): Promise<Principal | null> {
    if (![claims.jti, claims.bkt, claims.qual].every((claim) => typeof claim === 'string')) return null;
    let ctx: TenantContext;
    try {
      ctx = TenantContext.of(claims.ten, claims.bkt, claims.qual);
    } catch {
      return null;
    }
    if (!(await isRunTokenLive(this.databases.db(ctx), claims.jti))) return null;
    const user = await this.enabledUser(claims);
    const principal = user && (await this.principalFor(user, claims.ten, 'bearer'));
    if (!principal) return null;
    return {
      ...principal,
      role: principal.role === 'admin' ? 'member' : principal.role,
      isPlatformAdmin: false,
      run: { bucket: ctx.bucket, qualifier: ctx.qualifier },
    };
  }

  private async principalFor(
    user: UserView,
    tenant: string | undefined,
    via: Principal['via'],
  ): Promise<Principal | null> {
    const memberships = await this.memberships.listByUser(user.userid);
    const membership =
      tenant === undefined ? memberships[0] : memberships.find((candidate) => candidate.tenant === tenant);
    if (!membership) return null;
    const found = await this.tenants.get(membership.tenant).catch(() => null);
    if (!found || found.disabled) return null;
    return {
      userId: user.id,
      userid: user.userid,
      tenant: membership.tenant,
      role: membership.role,
      via,
      isPlatformAdmin: user.isPlatformAdmin,
    };
  }

  /** Logs the attempt (never the key, token or password) and refuses it. */
  private refuse(req: Request, scheme: string, userid: string | undefined, reason: string): never {
    const who = userid === undefined ? '' : ` for '${loggableUserid(userid)}'`;
    this.logger.warn(`refused ${scheme} credentials${who} from ${req.ip ?? '?'}: ${reason}`);
    throw unauthenticated();
  }
}
