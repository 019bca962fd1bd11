import { Logger } from '@nestjs/common';
import { OmegaError, OmegaErrorCode } from '../errors/omega-error';
import { MetadataRepository } from '../metadata/metadata.repository';
import type { MetadataRecord } from '../metadata/metadata.schema';
import { assertValidName, globToRegExp } from '../naming/object-names';
import { assertSafeAttributes } from '../naming/attributes';
import { PluginRegistry } from '../plugins/plugin-registry';
import type { TenantContext } from '../tenancy/tenant-context';

export interface PutOptions {
  /** Force a kind instead of letting the registry select one by input. */
  kind?: string;
  /** Absent keeps the current attributes, `{}` resets them, `{k: v}` merges. */
  attributes?: Record<string, unknown>;
  append?: boolean;
  /** Kind-specific options (dtypes, content type, …), passed to the plugin untouched. */
  options?: Record<string, unknown>;
}

export interface ListOptions {
  pattern?: string;
  kind?: string;
  skip?: number;
  limit?: number;
  /** Cursor paging: only names after this one (the last name of the previous page); `total` ignores it. */
  after?: string;
}

/**
 * The generic store for one prefix (`data/`, `models/`, …): it keeps the Metadata index and lets the
 * plugin of each kind handle the bytes. All calls take the tenant context.
 */
export class OmegaStore {
  private readonly logger: Logger;

  constructor(
    readonly prefix: string,
    private readonly metadataRepository: MetadataRepository,
    private readonly registry: PluginRegistry,
  ) {
    this.logger = new Logger(`OmegaStore(${prefix})`);
  }

  async put(
    ctx: TenantContext,
    name: string,
    input: unknown,
    options: PutOptions = {},
  ): Promise<MetadataRecord> {
    assertValidName(name);
    if (options.attributes !== undefined) assertSafeAttributes(options.attributes);
    const existing = (await this.metadataRepository.find(ctx, this.prefix, name)) ?? undefined;
    const append = options.append === true && existing !== undefined;
    if (append && options.kind && options.kind !== existing.kind) {
      throw new OmegaError(
        OmegaErrorCode.Conflict,
        `Cannot append kind ${options.kind} to ${name}, which is ${existing.kind}`,
      );
    }
    const { kind, plugin } = append
      ? { kind: existing.kind, plugin: this.registry.get(existing.kind, this.prefix) }
      : options.kind
        ? { kind: options.kind, plugin: this.registry.get(options.kind, this.prefix) }
        : this.registry.select(input, this.prefix);

    const payload = await plugin.put(ctx, input, {
      name,
      prefix: this.prefix,
      existing,
      append,
      options: options.options ?? {},
    });

    if (!existing) {
      try {
        return await this.metadataRepository.insert(ctx, {
          name,
          prefix: this.prefix,
          kind,
          attributes: options.attributes ?? {},
          ...payload,
        });
      } catch (error) {
        await plugin.release(ctx, payload);
        throw error;
      }
    }

    const attributes = mergeAttributes(existing.attributes, options.attributes);
    const updated = await this.metadataRepository.update(ctx, existing, {
      kind,
      attributes,
      kindMeta: payload.kindMeta,
      collection: payload.collection,
      gridFile: payload.gridFile,
      uri: payload.uri,
    });
    const movedStorage = existing.collection !== payload.collection || existing.gridFile !== payload.gridFile;
    if (!append && movedStorage) await this.releaseQuietly(ctx, existing);
    return updated;
  }

  async get<T = unknown>(
    ctx: TenantContext,
    name: string,
    options: Record<string, unknown> = {},
  ): Promise<T> {
    const meta = await this.metadata(ctx, name);
    return (await this.registry.get(meta.kind, this.prefix).get(ctx, meta, options)) as T;
  }

  async metadata(ctx: TenantContext, name: string): Promise<MetadataRecord> {
    assertValidName(name);
    const meta = await this.metadataRepository.find(ctx, this.prefix, name);
    if (!meta) throw OmegaError.notFound(`${this.prefix}/${name}`);
    return meta;
  }

  async exists(ctx: TenantContext, name: string): Promise<boolean> {
    assertValidName(name);
    return (await this.metadataRepository.find(ctx, this.prefix, name)) !== null;
  }

  async list(
    ctx: TenantContext,
    options: ListOptions = {},
  ): Promise<{ items: MetadataRecord[]; total: number }> {
    return this.metadataRepository.list(ctx, {
      prefix: this.prefix,
      pattern: options.pattern ? globToRegExp(options.pattern) : undefined,
      kind: options.kind,
      skip: options.skip,
      limit: options.limit,
      after: options.after,
    });
  }

  /** Removes the entry first, then its data: a crash in between leaves unreachable bytes, never a dangling entry. */
  async drop(ctx: TenantContext, name: string, options: { force?: boolean } = {}): Promise<boolean> {
    assertValidName(name);
    const meta = await this.metadataRepository.find(ctx, this.prefix, name);
    if (!meta) {
      if (options.force) return false;
      throw OmegaError.notFound(`${this.prefix}/${name}`);
    }
    await this.metadataRepository.remove(ctx, this.prefix, name);
    await this.releaseQuietly(ctx, meta);
    return true;
  }

  async setAttributes(
    ctx: TenantContext,
    name: string,
    attributes: Record<string, unknown>,
  ): Promise<MetadataRecord> {
    assertSafeAttributes(attributes);
    const meta = await this.metadata(ctx, name);
    return this.metadataRepository.update(ctx, meta, {
      attributes: mergeAttributes(meta.attributes, attributes),
    });
  }

  private async releaseQuietly(ctx: TenantContext, meta: MetadataRecord): Promise<void> {
    try {
      await this.registry.get(meta.kind, this.prefix).release(ctx, meta);
    } catch (error) {
      this.logger.warn(
        `Could not release storage of ${meta.prefix}/${meta.name}: ${(error as Error).message}`,
      );
    }
  }
}

/** Absent keeps, `{}` resets, `{k: v}` merges. */
export function mergeAttributes(
  current: Record<string, unknown> | undefined,
  update: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (update === undefined) return current ?? {};
  if (Object.keys(update).length === 0) return {};
  return { ...(current ?? {}), ...update };
}
