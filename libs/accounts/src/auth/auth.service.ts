import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode } from '@omega/core';
import type { Request } from 'express';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import { MembershipsService } from '../memberships/memberships.service';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService, UserView } from '../users/users.service';
import { parseAuthorization } from './credentials';
import { loggableUserid, Principal } from './principal';
import { SESSION_COOKIE } from './session-cookies';
import { loadTokenSecret } from './token-secret';

/** Where a login came from, for the audit trail. */
export interface LoginOrigin {
  ip?: string;
  userAgent?: string;
}

interface TokenClaims {
  sub: string;
  uid: string;
  ten: string;
}

const ISSUER = 'omega-ts';

/** The one message every refused credential gets: a client that guesses learns nothing from it. */
export function unauthenticated(): OmegaError {
  return new OmegaError(OmegaErrorCode.Unauthenticated, 'Invalid or missing credentials');
}

/**
 * Proves who a request speaks for: API keys (omega-ml clients), login tokens as `Bearer` (API clients
 * after a password login) or as the console's session cookie. Tokens name a user and a tenant, nothing
 * more: the role, and whether the user, tenant and membership still exist and are enabled, are read on
 * every request, so a disabled user or a changed role takes effect at once.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');
  private readonly jwt: JwtService;

  constructor(
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
    private readonly memberships: MembershipsService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
  ) {
    this.jwt = new JwtService({
      secret: loadTokenSecret(config),
      signOptions: { algorithm: 'HS256', expiresIn: config.sessionTtlSeconds, issuer: ISSUER },
      verifyOptions: { algorithms: ['HS256'], issuer: ISSUER },
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
      const claims: TokenClaims = { sub: principal.userId, uid: principal.userid, ten: principal.tenant };
      return { token: await this.jwt.signAsync(claims), principal };
    });
  }

  /** The request's principal from its Authorization header or session cookie; UNAUTHENTICATED otherwise. */
  async authenticate(req: Request): Promise<Principal> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const presented = parseAuthorization(header);
      if (presented.scheme === 'apikey') {
        const found = await this.apiKeys.verifyApiKey(presented.userid, presented.apikey);
        if (found) {
          const user = await this.users.get(found.userid);
          return { ...found, via: 'apikey', isPlatformAdmin: user.isPlatformAdmin };
        }
        return this.refuse(req, 'ApiKey', presented.userid, 'unknown, revoked or expired key');
      }
      if (presented.scheme === 'bearer') {
        return (
          (await this.verifyToken(presented.token, 'bearer')) ??
          this.refuse(req, 'Bearer', undefined, 'invalid token')
        );
      }
      return this.refuse(req, 'Authorization', presented.userid, presented.reason);
    }
    const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    if (typeof cookie === 'string' && cookie !== '') {
      return (
        (await this.verifyToken(cookie, 'session')) ??
        this.refuse(req, 'session', undefined, 'invalid session')
      );
    }
    throw unauthenticated();
  }

  /** The principal a login token stands for, or null when it is invalid, expired or no longer good. */
  async verifyToken(token: string, via: 'bearer' | 'session'): Promise<Principal | null> {
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims & object>(token);
    } catch {
      return null;
    }
    if (typeof claims.uid !== 'string' || typeof claims.ten !== 'string') return null;
    const user = await this.users.get(claims.uid).catch(() => null);
    // The same id, not just the same name: a user deleted and made again must log in again.
    if (!user || user.id !== claims.sub || user.disabled) return null;
    return this.principalFor(user, claims.ten, via);
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
