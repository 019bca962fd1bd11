import { Logger } from '@nestjs/common';
import { ChangeEvents } from '../events/change-events';
import { Lru } from './lru';

/** What a change-invalidated cache is told when made. */
export interface ChangeInvalidatedCacheOptions {
  /** Names the cache in its log lines. */
  name: string;
  /** The change-event topic whose events drop entries; an event's key names an entry or a tag of entries. */
  topic: string;
  /** Entries held at most, least recently used going first; 0 holds none. */
  maxEntries: number;
  /** Milliseconds an entry is trusted at most, a safety net (events drop it sooner); no limit if omitted. */
  maxAgeMs?: number;
}

/**
 * A lookup: the entry's key, the value held (undefined on a miss), and the event generation at the time,
 * which a later `set` must still match.
 */
export interface ChangeCacheLookup<V> {
  readonly key: string;
  readonly generation: number;
  value?: V;
}

interface Held<V> {
  value: V;
  /** Milliseconds: the entry is not answered from this moment on. */
  expiresAt: number;
}

/**
 * Values of this process that a change anywhere makes stale, dropped by change events (`ChangeEvents`):
 * the code that changes a thing announces it once stored, and every process drops the entry the event's
 * key names, or every entry tagged with it. While events are not reliable (the broker connection is down
 * or behind) nothing is answered from here or kept, and a reset (events may have been missed) drops
 * everything. A value read while an event arrived may be stale and is not kept (the lookup's generation).
 * Entries go least recently used first beyond `maxEntries`, and after `maxAgeMs` or their own expiry.
 * Values must not be undefined (a miss); null is a value like any other.
 */
export class ChangeInvalidatedCache<V> {
  private readonly logger: Logger;
  private readonly entries: Lru<Held<V>>;
  private readonly maxAgeMs: number;
  /** Counts events and resets: a value read while one arrived may be stale and is not kept. */
  private generation = 0;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly events: ChangeEvents,
    private readonly options: ChangeInvalidatedCacheOptions,
  ) {
    this.logger = new Logger(options.name);
    this.entries = new Lru<Held<V>>(options.maxEntries);
    this.maxAgeMs = options.maxAgeMs ?? Infinity;
    this.unsubscribe = [
      events.subscribe(options.topic, (event) => this.drop(event.key)),
      events.onReset(() => this.clear()),
    ];
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The value held for `key` if it may be trusted, else undefined; no load, no allocation. */
  peek(key: string): V | undefined {
    if (!this.events.reliable) return undefined;
    const held = this.entries.get(key);
    if (held === undefined) return undefined;
    if (held.expiresAt > Date.now()) return held.value;
    this.entries.delete(key);
    return undefined;
  }

  /** The value held for `key`, with what a `set` after a load needs (see `set`). */
  lookup(key: string): ChangeCacheLookup<V> {
    return { key, generation: this.generation, value: this.peek(key) };
  }

  /**
   * Keeps a value just loaded for `lookup.key`, unless an event or reset came since the lookup (it may
   * concern what was loaded) or events are not reliable; answers whether it was kept. `expiresAt`: the
   * value's own expiry (milliseconds), if sooner than the max age. `tags`: what else the value depends on,
   * an event naming one drops it.
   */
  set(
    lookup: Pick<ChangeCacheLookup<V>, 'key' | 'generation'>,
    value: V,
    options: { expiresAt?: number; tags?: readonly string[] } = {},
  ): boolean {
    if (lookup.generation !== this.generation || !this.events.reliable) return false;
    const expiresAt = Math.min(options.expiresAt ?? Infinity, Date.now() + this.maxAgeMs);
    this.entries.set(lookup.key, { value, expiresAt }, options.tags);
    return true;
  }

  /** The value of `key`, from here when held, else from `load` (kept if nothing changed meanwhile). */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const lookup = this.lookup(key);
    if (lookup.value !== undefined) return lookup.value;
    const value = await load();
    this.set(lookup, value);
    return value;
  }

  /**
   * Announces that what `key` names changed, once the change is stored; resolves when every process has
   * dropped its entries. A failed announcement is logged (`Could not announce <what>: …`), not thrown:
   * the change stands, processes cut off from the broker answer nothing from their caches and drop them
   * on reconnect, and entries expire after the max age in any case.
   */
  async announce(key: string, what: string): Promise<void> {
    await this.events
      .publish({ topic: this.options.topic, key })
      .catch((error: Error) => this.logger.warn(`Could not announce ${what}: ${error.message}`));
  }

  /** Stops listening to events (the owner's `onModuleDestroy`). */
  close(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  /** An event: drops the entry it names and those tagged with it. */
  private drop(key: string): void {
    this.generation += 1;
    this.entries.delete(key);
    this.entries.deleteGroup(key);
  }

  private clear(): void {
    this.generation += 1;
    this.entries.clear();
  }
}
