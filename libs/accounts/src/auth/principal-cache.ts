import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents, OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { hash } from 'node:crypto';
import type { Principal } from './principal';
import { PRINCIPALS_TOPIC } from './principal-changes';

interface Entry {
  principal: Principal;
  /** What the principal depends on (`user:…`, `tenant:…`, `key:…`, `token:…`): an event naming one drops it. */
  tags: string[];
  /** Milliseconds: the credential's own expiry or the cache's max age, whichever comes first. */
  expiresAt: number;
}

/** A cache lookup: the entry's key, and the event generation a later `set` must still match. */
export interface CacheLookup {
  key: string;
  principal?: Principal;
  generation: number;
}

/**
 * Resolved principals of this process, keyed by a SHA-256 of the credential as presented (never the
 * credential itself), so a request with a known credential reads no database. Only good verdicts are kept;
 * a refusal is always decided afresh. Entries go when a change event names what they depend on, when the
 * credential expires (to the millisecond, without an event), after the max age (a safety net), and least
 * recently used first beyond the size. While the change events are not reliable (broker connection lost)
 * nothing is answered from here.
 */
@Injectable()
export class PrincipalCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly size: number;
  /** Counts events: a principal read from the database while one arrived may be stale and is not kept. */
  private generation = 0;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    @Inject(OMEGA_CONFIG) config: OmegaConfig,
    private readonly events: ChangeEvents,
  ) {
    this.maxAgeMs = config.principalCacheMaxAgeSeconds * 1000;
    this.size = this.maxAgeMs > 0 ? config.principalCacheSize : 0;
    this.unsubscribe = [
      events.subscribe(PRINCIPALS_TOPIC, (event) => this.drop(event.key)),
      events.onReset(() => this.clear()),
    ];
  }

  /**
   * The cached principal for a credential. It is frozen and shared by every request that presents the
   * credential (no copy per request), so nothing can change the cached one.
   */
  lookup(credential: string): CacheLookup {
    // The one-shot hash: a fraction of createHash's cost, and once per request.
    const key = hash('sha256', credential, 'base64url');
    const lookup: CacheLookup = { key, generation: this.generation };
    if (this.size === 0 || !this.events.reliable) return lookup;
    const entry = this.entries.get(key);
    if (!entry) return lookup;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return lookup;
    }
    // Map order is insertion order: moving the entry to the end makes the first the least recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    lookup.principal = entry.principal;
    return lookup;
  }

  /**
   * Keeps a principal just resolved from the database, unless a change event arrived since the lookup
   * (it may concern what was read) or the events are not reliable.
   */
  set(lookup: CacheLookup, principal: Principal, tags: string[], credentialExpiresAt?: number): void {
    if (this.size === 0 || lookup.generation !== this.generation || !this.events.reliable) return;
    const expiresAt = Math.min(credentialExpiresAt ?? Infinity, Date.now() + this.maxAgeMs);
    this.entries.delete(lookup.key);
    this.entries.set(lookup.key, { principal: frozen(principal), tags, expiresAt });
    while (this.entries.size > this.size) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get count(): number {
    return this.entries.size;
  }

  /** Drops every entry depending on `tag`. A scan: changes are rare next to requests. */
  private drop(tag: string): void {
    this.generation += 1;
    for (const [key, entry] of this.entries) if (entry.tags.includes(tag)) this.entries.delete(key);
  }

  private clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }
}

/** A frozen copy: the caller keeps its own object, the cache's cannot be changed by any request. */
function frozen(principal: Principal): Principal {
  const copy: Principal = { ...principal };
  if (copy.rateLimits) copy.rateLimits = Object.freeze({ ...copy.rateLimits });
  if (copy.run) copy.run = Object.freeze({ ...copy.run });
  return Object.freeze(copy);
}
