import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents, ChangeInvalidatedCache, OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { hash } from 'node:crypto';
import type { Principal } from './principal';
import { PRINCIPALS_TOPIC } from './principal-changes';

/** A cache lookup: the entry's key, and the event generation a later `set` must still match. */
export interface CacheLookup {
  key: string;
  principal?: Principal;
  generation: number;
}

/**
 * Resolved principals of this process, keyed by a SHA-256 of the credential as presented (never the
 * credential itself), so a request with a known credential reads no database. Only good verdicts are kept;
 * a refusal is always decided afresh. Entries go when a change event names what they depend on (their
 * tags: `user:…`, `tenant:…`, `key:…`, `token:…`), when the credential expires (to the millisecond,
 * without an event), after the max age (a safety net), and least recently used first beyond the size.
 * While the change events are not reliable (broker connection lost) nothing is answered from here.
 */
@Injectable()
export class PrincipalCache implements OnModuleDestroy {
  private readonly entries: ChangeInvalidatedCache<Principal>;

  constructor(@Inject(OMEGA_CONFIG) config: OmegaConfig, events: ChangeEvents) {
    const maxAgeMs = config.principalCacheMaxAgeSeconds * 1000;
    this.entries = new ChangeInvalidatedCache(events, {
      name: PrincipalCache.name,
      topic: PRINCIPALS_TOPIC,
      maxEntries: maxAgeMs > 0 ? config.principalCacheSize : 0,
      maxAgeMs,
    });
  }

  /**
   * The cached principal for a credential. It is frozen and shared by every request that presents the
   * credential (no copy per request), so nothing can change the cached one.
   */
  lookup(credential: string): CacheLookup {
    // The one-shot hash: a fraction of createHash's cost, and once per request.
    const { key, generation, value } = this.entries.lookup(hash('sha256', credential, 'base64url'));
    return { key, generation, principal: value };
  }

  /**
   * Keeps a principal just resolved from the database, unless a change event arrived since the lookup
   * (it may concern what was read) or the events are not reliable.
   */
  set(lookup: CacheLookup, principal: Principal, tags: string[], credentialExpiresAt?: number): void {
    this.entries.set(lookup, frozen(principal), { tags, expiresAt: credentialExpiresAt });
  }

  get count(): number {
    return this.entries.size;
  }

  onModuleDestroy(): void {
    this.entries.close();
  }
}

/** A frozen copy: the caller keeps its own object, the cache's cannot be changed by any request. */
function frozen(principal: Principal): Principal {
  const copy: Principal = { ...principal };
  if (copy.rateLimits) copy.rateLimits = Object.freeze({ ...copy.rateLimits });
  if (copy.run) copy.run = Object.freeze({ ...copy.run });
  return Object.freeze(copy);
}
