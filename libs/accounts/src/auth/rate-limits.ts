import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode } from '@omega/core';
import type { Request, Response } from 'express';
import type { Principal } from './principal';
import { effectiveLimits, extraLimitsOf, RATE_LIMIT_NAMES, RateLimitName } from './rate-limit-policy';
import { RateCounters, RateUse } from './rate-counters';

/** One limit of a principal as `GET /api/v1/auth/me` shows it. */
export interface RateLimitUse {
  name: RateLimitName;
  /** Requests per window; 0 = no limit. */
  limit: number;
  windowSeconds: number;
  used: number;
  /** Null when there is no limit. */
  remaining: number | null;
  resetsAt: string;
}

/**
 * The platform's rate limits, counted in the shared `RateCounters` (every replica sees the same counts):
 * per principal (`api`, `uploads`, `keys`: per API key, or per user for login tokens; the key's own
 * limits, else its role's, else the defaults), password logins per client address and userid, and refused
 * credentials per client address. A refusal is a 429 naming the limit, with `Retry-After`.
 */
@Injectable()
export class RateLimiter {
  private readonly windowMs: number;
  /**
   * What counting needs of a principal (its limits, its counters' names), worked out once per principal
   * object: cached principals are the same frozen object on every request, so a request allocates nothing.
   */
  private readonly plans = new WeakMap<Principal, CountPlan>();
  /** Until when this process has refused credentials in the current window (see `assertNotGuessing`). */
  private badCredentialsUntil = 0;

  constructor(
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly counters: RateCounters,
  ) {
    this.windowMs = config.rateLimitApiWindowSeconds * 1000;
  }

  /**
   * Counts an authenticated request against the principal's limits. Synchronous when the counters decide
   * from memory (nearly every request); a promise when a shared total must be read first.
   */
  countRequest(req: Request, res: Response, principal: Principal): void | Promise<void> {
    const plan = this.planOf(principal);
    const route = (req.route as { path?: unknown } | undefined)?.path;
    const extra = extraLimitsOf(req.method, typeof route === 'string' ? route : undefined);
    const names = extra.length === 0 ? API_ONLY : ['api' as const, ...extra];
    for (let index = 0; index < names.length; index++) {
      const name = names[index];
      const limit = plan.limits[name];
      if (limit === 0) continue;
      const verdict = this.counters.tryHit(plan.counters[name], limit);
      if (verdict === undefined) return this.countFrom(names.slice(index), res, plan);
      if (!verdict.allowed) throw this.limited(res, name, limit, verdict.resetAt);
    }
  }

  private async countFrom(names: readonly RateLimitName[], res: Response, plan: CountPlan): Promise<void> {
    for (const name of names) {
      const limit = plan.limits[name];
      if (limit === 0) continue;
      const verdict = await this.counters.hit(plan.counters[name], limit, this.windowMs);
      if (!verdict.allowed) throw this.limited(res, name, limit, verdict.resetAt);
    }
  }

  private planOf(principal: Principal): CountPlan {
    let plan = this.plans.get(principal);
    if (!plan) {
      const tracker = trackerOf(principal);
      plan = {
        limits: effectiveLimits(this.config, principal.role, principal.rateLimits),
        counters: { api: `api:${tracker}`, uploads: `uploads:${tracker}`, keys: `keys:${tracker}` },
      };
      this.plans.set(principal, plan);
    }
    return plan;
  }

  private limited(res: Response, name: RateLimitName, limit: number, resetAt: number): OmegaError {
    return limited(res, name, `${limit} per ${this.config.rateLimitApiWindowSeconds} s`, resetAt);
  }

  /** Counts a password login attempt per client address and userid. */
  async countLogin(req: Request, res: Response): Promise<void> {
    const limit = this.config.rateLimitLogin;
    if (limit === 0) return;
    const userid = (req.body as { userid?: unknown } | undefined)?.userid;
    const who = typeof userid === 'string' ? userid.slice(0, 100).toLowerCase() : '';
    const windowSeconds = this.config.rateLimitLoginWindowSeconds;
    const verdict = await this.counters.hit(`login:${String(req.ip)}|${who}`, limit, windowSeconds * 1000);
    if (!verdict.allowed) throw limited(res, 'login', `${limit} per ${windowSeconds} s`, verdict.resetAt);
  }

  /**
   * Refuses, before any credential is checked, a client address that presented too many bad credentials
   * in this window: guessing keys or tokens from one address gets a few tries, then 429s. Synchronous
   * unless a shared total must be read. While this process refused no credential in the current window it
   * decides without even working out the client's address: an address it never saw fail counts as 0 here
   * (its first failure loads the shared count), as before.
   */
  assertNotGuessing(req: Request, res: Response): void | Promise<void> {
    const limit = this.config.rateLimitBadCredentials;
    if (limit === 0 || Date.now() >= this.badCredentialsUntil) return;
    const counter = `bad:${String(req.ip)}`;
    const use = this.counters.peek(counter, this.windowMs);
    if (use === undefined)
      return this.counters.use(counter, this.windowMs, false).then((loaded) => this.assertBelow(res, loaded));
    this.assertBelow(res, use);
  }

  private assertBelow(res: Response, use: RateUse): void {
    const limit = this.config.rateLimitBadCredentials;
    if (use.used >= limit)
      throw limited(
        res,
        'badCredentials',
        `${limit} per ${this.config.rateLimitApiWindowSeconds} s`,
        use.resetAt,
      );
  }

  async countBadCredentials(req: Request): Promise<void> {
    if (this.config.rateLimitBadCredentials === 0) return;
    const verdict = await this.counters.hit(`bad:${String(req.ip)}`, Number.MAX_SAFE_INTEGER, this.windowMs);
    this.badCredentialsUntil = Math.max(this.badCredentialsUntil, verdict.resetAt);
  }

  /** The principal's limits and their use in the current window. */
  async usage(principal: Principal): Promise<RateLimitUse[]> {
    const limits = effectiveLimits(this.config, principal.role, principal.rateLimits);
    return Promise.all(
      RATE_LIMIT_NAMES.map(async (name) => {
        const use = await this.counters.use(`${name}:${trackerOf(principal)}`, this.windowMs);
        const limit = limits[name];
        return {
          name,
          limit,
          windowSeconds: this.config.rateLimitApiWindowSeconds,
          used: use.used,
          remaining: limit === 0 ? null : Math.max(0, limit - use.used),
          resetsAt: new Date(use.resetAt).toISOString(),
        };
      }),
    );
  }
}

/** A principal's limits and the names of its counters. */
interface CountPlan {
  limits: Record<RateLimitName, number>;
  counters: Record<RateLimitName, string>;
}

const API_ONLY: readonly RateLimitName[] = ['api'];

function trackerOf(principal: Principal): string {
  return principal.keyId ? `key:${principal.keyId}` : `user:${principal.userId}`;
}

/** The 429: which limit, and when to retry (`Retry-After`, whole seconds). */
function limited(res: Response, name: string, what: string, resetAt: number): OmegaError {
  const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
  res.setHeader('Retry-After', String(seconds));
  return new OmegaError(
    OmegaErrorCode.RateLimited,
    `Too many requests: rate limit '${name}' (${what}) reached, retry in ${seconds} s`,
  );
}
