import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents, MetadataRecord, TenantContext } from '@omega/core';

/** The change-event topic of datasets; an event's key names one dataset (see `datasetKey`). */
export const DATASETS_TOPIC = 'datasets';
/** Metadata entries a process keeps at most (least recently used go first). */
const MAX_ENTRIES = 10_000;
/** Part lists (one per table version) a process keeps at most. */
const MAX_PART_LISTS = 2_000;
/** Table heads (the first rows of a version, see `head`) a process keeps at most. */
const MAX_HEADS = 500;

/** A dataset across processes: tenant, environment, bucket and name. */
export function datasetKey(ctx: TenantContext, name: string): string {
  return `${ctx.tenant}/${ctx.qualifier}/${ctx.bucket}/${name}`;
}

/** Least recently used first: a `Map` keeps insertion order, and a hit moves its entry to the end. */
class Lru<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The hot path of small reads: a dataset's Metadata entry and a columnar table's part list, per process,
 * so reading a small table costs no database round trip. Metadata changes (put, append, replace, convert,
 * drop) are announced on the change-event channel by the code that makes them, and every process drops
 * the entry they name; while events are not reliable (broker connection down) nothing is answered from
 * here, and a reconnect drops everything. Part lists need no events: a table version's parts only grow by
 * appends, which also change the Metadata's row count, so a list is kept by (version, rows) and only when
 * its parts add up to those rows.
 */
@Injectable()
export class DatasetCache implements OnModuleDestroy {
  private readonly logger = new Logger(DatasetCache.name);
  private readonly metadataEntries = new Lru<MetadataRecord>(MAX_ENTRIES);
  private readonly partLists = new Lru<{ rows: number; parts: readonly unknown[] }>(MAX_PART_LISTS);
  private readonly heads = new Lru<{ rows: number; records: readonly unknown[] }>(MAX_HEADS);
  /** Counts events: an entry read from the database while one arrived may be stale and is not kept. */
  private generation = 0;
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly events: ChangeEvents) {
    this.unsubscribe = [
      events.subscribe(DATASETS_TOPIC, (event) => {
        this.generation += 1;
        this.metadataEntries.delete(event.key);
      }),
      events.onReset(() => {
        this.generation += 1;
        this.metadataEntries.clear();
      }),
    ];
  }

  /** The dataset's Metadata entry, from here when held, else from `read` (kept if nothing changed meanwhile). */
  async metadata(
    ctx: TenantContext,
    name: string,
    read: () => Promise<MetadataRecord>,
  ): Promise<MetadataRecord> {
    const key = datasetKey(ctx, name);
    if (this.events.reliable) {
      const held = this.metadataEntries.get(key);
      // A copy: callers may change what they get, the cache must not see it.
      if (held) return structuredClone(held);
    }
    const generation = this.generation;
    const meta = await read();
    if (generation === this.generation && this.events.reliable)
      this.metadataEntries.set(key, structuredClone(meta));
    return meta;
  }

  /**
   * A table version's parts (in row order), from here when held for these rows, else from `read`. The
   * parts' own row counts must add up to `rows`: while an append is being written the index may already
   * hold its parts, and such a list is used once, not kept.
   */
  async parts<P extends { rows: number }>(
    ctx: TenantContext,
    set: string,
    rows: number,
    read: () => Promise<P[]>,
  ): Promise<readonly P[]> {
    const key = `${ctx.tenant}/${set}`;
    const held = this.partLists.get(key);
    if (held && held.rows === rows) return held.parts as readonly P[];
    const parts = await read();
    if (parts.reduce((total, part) => total + part.rows, 0) === rows)
      this.partLists.set(key, { rows, parts: Object.freeze(parts) });
    return parts;
  }

  /**
   * The first rows of a table version (all of a small table), from here when held for these rows, else
   * from `read`. Like part lists they need no events: a version's rows only grow by appends, which change
   * its row count. Callers must not change what they get.
   */
  async head<R>(
    ctx: TenantContext,
    set: string,
    rows: number,
    read: () => Promise<R[]>,
  ): Promise<readonly R[]> {
    const key = `${ctx.tenant}/${set}`;
    const held = this.heads.get(key);
    if (held && held.rows === rows) return held.records as readonly R[];
    const records = await read();
    this.heads.set(key, { rows, records: Object.freeze(records) });
    return records;
  }

  /** A table version is gone (replaced or dropped): its part list and head are of no further use here. */
  forgetParts(ctx: TenantContext, set: string): void {
    this.partLists.delete(`${ctx.tenant}/${set}`);
    this.heads.delete(`${ctx.tenant}/${set}`);
  }

  /**
   * Announces that a dataset changed, once the change is stored; resolves when every process has dropped
   * its entry. A failed announcement is logged, not thrown: the change stands, and a process cut off from
   * the broker answers nothing from its cache until it reconnects and starts afresh.
   */
  async changed(ctx: TenantContext, name: string): Promise<void> {
    await this.events
      .publish({ topic: DATASETS_TOPIC, key: datasetKey(ctx, name) })
      .catch((error: Error) =>
        this.logger.warn(`Could not announce a change of dataset ${name}: ${error.message}`),
      );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }
}
