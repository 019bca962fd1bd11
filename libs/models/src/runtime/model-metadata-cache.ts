import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents, ChangeInvalidatedCache, MetadataRecord, TenantContext } from '@omega/core';

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
  private readonly entries: ChangeInvalidatedCache<MetadataRecord>;

  constructor(events: ChangeEvents) {
    this.entries = new ChangeInvalidatedCache(events, {
      name: ModelMetadataCache.name,
      topic: MODELS_TOPIC,
      maxEntries: MAX_ENTRIES,
      maxAgeMs: MAX_AGE_MS,
    });
  }

  /**
   * The model's entry, from here when held, else from `read` (kept if no change arrived meanwhile). The
   * entry is shared by every caller and frozen (plain objects and arrays, deeply), not copied per call: a
   * predict reads it twice on the API and once on the worker, and a copy each time cost more than the
   * rest of the lookup. Callers read it; one that needs to change it copies it first.
   */
  get(ctx: TenantContext, name: string, read: () => Promise<MetadataRecord>): Promise<MetadataRecord> {
    return this.entries.get(modelKey(ctx, name), async () => deepFreeze(await read()));
  }

  /** Announces that a model changed, once the change is stored (see `ChangeInvalidatedCache.announce`). */
  changed(ctx: TenantContext, name: string): Promise<void> {
    return this.entries.announce(modelKey(ctx, name), `a change of model ${name}`);
  }

  onModuleDestroy(): void {
    this.entries.close();
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
