import type { Request } from 'express';
import type { Role } from '../memberships/role';
import type { RateLimitOverrides } from './rate-limit-policy';

/** Who a request acts for, however it proved it. One tenant per principal: the one its credential is for. */
export interface Principal {
  /** The user's internal id. */
  userId: string;
  /** The login name. */
  userid: string;
  tenant: string;
  role: Role;
  /** The API key used, for `via: 'apikey'`. */
  keyId?: string;
  via: 'apikey' | 'bearer' | 'session';
  /** May administer the whole platform (all tenants), see `@PlatformAdmin()`. */
  isPlatformAdmin?: boolean;
  /** Set for a run token: the one qualifier and bucket it may reach (its tenant is `tenant`). */
  run?: RunScope;
  /** The API key's own rate limits, if it has any (see `effectiveLimits`). */
  rateLimits?: RateLimitOverrides;
}

/** What a run token is limited to besides its tenant. */
export interface RunScope {
  bucket: string;
  qualifier: string;
}

/** The principal the guard put on the request (`req.user`), if any. */
export function principalOf(req: Request): Principal | undefined {
  return (req as Request & { user?: Principal }).user;
}

/**
 * A userid as it may appear in a log line: at most 32 characters of the userid alphabet, anything else as
 * `?`. Whatever a client sends in place of a userid (a key pasted in the wrong field, an injection
 * attempt) cannot reach the log whole.
 */
export function loggableUserid(userid: unknown): string {
  if (typeof userid !== 'string') return `(${typeof userid})`;
  const clean = userid.slice(0, 32).replace(/[^A-Za-z0-9.@+_-]/g, '?');
  return userid.length > 32 ? `${clean}…` : clean;
}
