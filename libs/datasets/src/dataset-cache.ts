import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents, ChangeInvalidatedCache, Lru, MetadataRecord, TenantContext } from '@omega/core';

/** The change-event topic of datasets; an event's key names one dataset (see `datasetKey`). */
export const DATASETS_TOPIC = 'datasets';
/** Metadata entries a process keeps at most (least recently used go first). */
const MAX_ENTRIES = 10_000;
/** Part lists (one per table version) a process keeps at most. */
const MAX_PART_LISTS = 2_000;
/** Table heads (the first rows of a version, see `head`) a process keeps at most. */
const MAX_HEADS = 500;
/** Bytes of finished answers (see `answer`) a process keeps at most, and at most per answer. */
export const ANSWER_CACHE_BYTES = 32 * 1024 * 1024;
export const ANSWER_MAX_BYTES = 256 * 1024;

/** A finished answer of a small read: its body as sent, with its media type and headers. */
export interface KeptAnswer {
  mediaType: string;
  headers?: Record<string, string>;
  body: Buffer;
}

/** A dataset across processes: tenant, environment, bucket and name. */
export function datasetKey(ctx: TenantContext, name: string): string {
  return `${ctx.tenant}/${ctx.qualifier}/${ctx.bucket}/${name}`;
}

/**
 * The key of a kept answer: the table version (tenant, part set) and its row count, then the format and the
 * read's options and filters as given (another spelling of the same read is kept apart, never confused).
 */
export function answerKey(
  ctx: TenantContext,
  set: string,
  rows: number,
  format: string,
  params: Record<string, unknown>,
): string {
  return `${answerGroup(ctx, set)}/${rows}/${format}/${JSON.stringify(params)}`;
}

/** The group of a table version's kept answers (see `answerKey`), dropped together with the version. */
export function answerGroup(ctx: TenantContext, set: string): string {
  return `${ctx.tenant}/${set}`;
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
  private readonly metadataEntries: ChangeInvalidatedCache<MetadataRecord>;
  private readonly partLists = new Lru<{ rows: number; parts: readonly unknown[] }>(MAX_PART_LISTS);
  private readonly heads = new Lru<{ rows: number; records: readonly unknown[] }>(MAX_HEADS);
  /** Finished answers, bounded by the bytes of their bodies. */
  readonly answers = new Lru<KeptAnswer>(ANSWER_CACHE_BYTES, (answer) => answer.body.length);

  constructor(events: ChangeEvents) {
    this.metadataEntries = new ChangeInvalidatedCache(events, {
      name: DatasetCache.name,
      topic: DATASETS_TOPIC,
      maxEntries: MAX_ENTRIES,
    });
  }

  /**
   * The dataset's Metadata entry, from here when held, else from `read` (kept if nothing changed meanwhile).
   * A copy unless `shared`: then the entry held itself, which the caller must not change.
   */
  async metadata(
    ctx: TenantContext,
    name: string,
    read: () => Promise<MetadataRecord>,
    options: { shared?: boolean } = {},
  ): Promise<MetadataRecord> {
    const lookup = this.metadataEntries.lookup(datasetKey(ctx, name));
    const held = lookup.value;
    // A copy: callers may change what they get, the cache must not see it.
    if (held) return options.shared ? held : structuredClone(held);
    const meta = await read();
    this.metadataEntries.set(lookup, structuredClone(meta));
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

  /**
   * Whether this process holds the part list of a table version with exactly `rows` rows: its parts are
   * all stored and add up to the Metadata's count, so a read of it answers the same until the count changes.
   */
  settled(ctx: TenantContext, set: string, rows: number): boolean {
    return this.partLists.get(`${ctx.tenant}/${set}`)?.rows === rows;
  }

  /**
   * A finished answer of a table version, kept by `answerKey` (version, row count, format and read
   * options): versions only grow by appends, which change the row count, so no event is needed.
   */
  answer(key: string): KeptAnswer | undefined {
    return this.answers.get(key);
  }

  /**
   * Keeps an answer of table version `set` at most ANSWER_MAX_BYTES (a larger one is not kept), in the
   * version's group (`answerGroup`): releasing the version drops its answers and visits no other.
   */
  keepAnswer(ctx: TenantContext, set: string, key: string, answer: KeptAnswer): void {
    if (answer.body.length <= ANSWER_MAX_BYTES) this.answers.set(key, answer, answerGroup(ctx, set));
  }

  /** A table version is gone (replaced or dropped): its part list, head and answers are of no further use. */
  forgetParts(ctx: TenantContext, set: string): void {
    this.partLists.delete(`${ctx.tenant}/${set}`);
    this.heads.delete(`${ctx.tenant}/${set}`);
    this.answers.deleteGroup(answerGroup(ctx, set));
  }

  /**
   * Announces that a dataset changed, once the change is stored; resolves when every process has dropped
   * its entry (see `ChangeInvalidatedCache.announce`).
   */
  changed(ctx: TenantContext, name: string): Promise<void> {
    return this.metadataEntries.announce(datasetKey(ctx, name), `a change of dataset ${name}`);
  }

  onModuleDestroy(): void {
    this.metadataEntries.close();
  }
}
