import { DiscoveryService } from '@nestjs/core';
import type { MetadataRecord } from '../metadata/metadata.schema';
import type { TenantContext } from '../tenancy/tenant-context';

export interface StoragePluginOptions {
  /** The kind this plugin owns, e.g. `table.rows`. Unique across the process. */
  kind: string;
  /** The store prefixes it serves, e.g. `['data']`. */
  prefixes: readonly string[];
  /**
   * Order in which `select()` asks plugins of a prefix whether they support an input: higher first, then
   * by kind name. Specific kinds go high; catch-alls (any JSON) go low.
   */
  priority?: number;
}

/** Marks a provider as the storage plugin for a kind; `PluginRegistry` finds it at module init. */
export const StoragePlugin = DiscoveryService.createDecorator<StoragePluginOptions>();

/** Where a put writes to, as the store hands it to a plugin. */
export interface PutTarget {
  name: string;
  prefix: string;
  /** The current entry when the name exists; plugins append to it or write a replacement beside it. */
  existing?: MetadataRecord;
  append: boolean;
  options: Record<string, unknown>;
}

/** What a plugin wrote; the store turns it into the Metadata entry. */
export interface StoredPayload {
  kindMeta: Record<string, unknown>;
  collection?: string;
  gridFile?: string;
  uri?: string;
}

/**
 * What every storage plugin does. The store owns Metadata: a plugin writes bytes, answers where they are,
 * and releases them when asked. A replacement is always written beside the old data and swapped in by the
 * store, so a failed put leaves the old object intact.
 */
export interface StoragePluginContract<TGet = unknown> {
  supports(input: unknown): boolean;
  put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload>;
  get(ctx: TenantContext, meta: MetadataRecord, options: Record<string, unknown>): Promise<TGet>;
  /**
   * `kindMeta` as clients may see it. Plugins that keep private facts there (encrypted secrets) leave them
   * out; without this method the whole `kindMeta` is public.
   */
  publicKindMeta?(meta: MetadataRecord): Record<string, unknown>;
  /** Frees the storage an entry points to (collections, GridFS files). Must tolerate missing data. */
  release(
    ctx: TenantContext,
    meta: Pick<MetadataRecord, 'collection' | 'gridFile' | 'kindMeta'>,
  ): Promise<void>;
}
