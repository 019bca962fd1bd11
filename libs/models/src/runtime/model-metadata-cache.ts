import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents, MetadataRecord, TenantContext } from '@omega/core';

/** The change-event topic of models; an event's key names one model (see `modelKey`). */
export const MODELS_TOPIC = 'models';
/** Models whose entry a process keeps at most (least recently used go first). */
const MAX_ENTRIES = 1_000;
/** A safety net only: events drop an entry as soon as its model changes anywhere. */
const MAX_AGE_MS = 60_000;

/** A model across processes: tenant, its environment, bucket and name. */
export function modelKey(ctx: TenantContext, name: string): string {
  return `${ctx.tenant}/${ctx.qualifier}/${ctx.bucket}/${name}`;
}

/**
 * Model entries (metadata with their versions) of this process, by model, so a predict reads no metadata:
 * on the API to pick the worker label, on the worker to pick the version to load. Every change to a model
 * (a new version, a promotion into its bucket, a drop) publishes a change event, and every process drops
 * the entry it names. While events are not reliable (the broker connection is down) nothing is answered
 * from here, and after a reconnect everything is dropped (events may have been missed).
 */
@Injectable()
export class ModelMetadataCache implements OnModuleDestroy {
  private readonly logger = new Logger(ModelMetadataCache.name);
  private readonly entries = new Map<string, { meta: MetadataRecord; expires: number }>();
  /** Counts events: an entry read from the database while one arrived may be stale and is not kept. */
  private generation = 0;
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly events: ChangeEvents) {
    this.unsubscribe = [
      events.subscribe(MODELS_TOPIC, (event) => this.drop(event.key)),
      events.onReset(() => this.clear()),
    ];
  }

  /**
   * The model's entry, from here when held, else from `read` (kept if no change arrived meanwhile). The
   * entry is shared by every caller and frozen (plain objects and arrays, deeply), not copied per call: a
   * predict reads it twice on the API and once on the worker, and a copy each time cost more than the
   * rest of the lookup. Callers read it; one that needs to change it copies it first.
   */
  async get(ctx: TenantContext, name: string, read: () => Promise<MetadataRecord>): Promise<MetadataRecord> {
    const key = modelKey(ctx, name);
    if (this.events.reliable) {
      const entry = this.entries.get(key);
      if (entry && entry.expires > Date.now()) {
        // Map order is insertion order: moving the entry to the end makes the first the least recently used.
        this.entries.delete(key);
        this.entries.set(key, entry);
        return entry.meta;
      }
      this.entries.delete(key);
    }
    const generation = this.generation;
    const meta = deepFreeze(await read());
    if (generation === this.generation && this.events.reliable) {
      this.entries.set(key, { meta, expires: Date.now() + MAX_AGE_MS });
      while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    }
    return meta;
  }

  /**
   * Announces that a model changed, once the change is stored. A failed announcement is logged, not
   * thrown: the change stands, the other processes are then cut off from the broker themselves (so they
   * bypass their caches and drop them on reconnect), and entries expire after MAX_AGE_MS in any case.
   */
  async changed(ctx: TenantContext, name: string): Promise<void> {
    await this.events
      .publish({ topic: MODELS_TOPIC, key: modelKey(ctx, name) })
      .catch((error: Error) =>
        this.logger.warn(`Could not announce a change of model ${name}: ${error.message}`),
      );
  }

  private drop(key: string): void {
    this.generation += 1;
    this.entries.delete(key);
  }

  private clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }
}

/** Freezes plain objects and arrays all the way down; other values (dates, ids, buffers) stay as they are. */
function deepFreeze<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
    Object.freeze(value);
  } else if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
