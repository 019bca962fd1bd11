import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OmegaError, OmegaErrorCode } from '../errors/omega-error';
import { StoragePlugin, StoragePluginContract, StoragePluginOptions } from './storage-plugin';

export interface RegisteredPlugin {
  options: Required<StoragePluginOptions>;
  plugin: StoragePluginContract;
}

/**
 * Collects every provider marked `@StoragePlugin` in the application. Kind libs never import this
 * module's internals: an app picks its kinds by importing their modules, and they register themselves.
 */
@Injectable()
export class PluginRegistry implements OnModuleInit {
  private readonly logger = new Logger(PluginRegistry.name);
  private readonly byKind = new Map<string, RegisteredPlugin>();
  private readonly byPrefix = new Map<string, RegisteredPlugin[]>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: StoragePlugin.KEY })) {
      const options = this.discovery.getMetadataByDecorator(StoragePlugin, wrapper);
      if (!options) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new OmegaError(
          OmegaErrorCode.DuplicateKind,
          `Storage plugin for kind "${options.kind}" (${wrapper.name}) must not be request-scoped`,
        );
      }
      this.register(options, wrapper.instance as StoragePluginContract);
    }
    this.logger.log(`Storage kinds: ${[...this.byKind.keys()].sort().join(', ') || '(none)'}`);
  }

  register(options: StoragePluginOptions, plugin: StoragePluginContract): void {
    if (this.byKind.has(options.kind)) {
      throw new OmegaError(
        OmegaErrorCode.DuplicateKind,
        `Two storage plugins claim kind "${options.kind}": ${this.byKind.get(options.kind)?.plugin.constructor.name} and ${plugin.constructor.name}`,
      );
    }
    for (const method of ['supports', 'put', 'get', 'release'] as const) {
      if (typeof plugin?.[method] !== 'function') {
        throw new OmegaError(
          OmegaErrorCode.DuplicateKind,
          `Storage plugin for kind "${options.kind}" lacks the method ${method}()`,
        );
      }
    }
    const entry: RegisteredPlugin = { options: { priority: 0, ...options }, plugin };
    this.byKind.set(options.kind, entry);
    for (const prefix of options.prefixes) {
      const list = [...(this.byPrefix.get(prefix) ?? []), entry];
      list.sort(
        (a, b) => b.options.priority - a.options.priority || a.options.kind.localeCompare(b.options.kind),
      );
      this.byPrefix.set(prefix, list);
    }
  }

  /** The plugin that owns `kind`; an unknown kind is the caller's mistake (400). */
  get(kind: string, prefix?: string): StoragePluginContract {
    const entry = this.byKind.get(kind);
    if (!entry || (prefix !== undefined && !entry.options.prefixes.includes(prefix))) {
      const known = this.kinds(prefix).join(', ') || 'none';
      throw new OmegaError(OmegaErrorCode.UnknownKind, `Unknown kind "${kind}"; known kinds: ${known}`);
    }
    return entry.plugin;
  }

  /** The first plugin of `prefix`, by priority then kind name, that supports `input`. */
  select(input: unknown, prefix: string): { kind: string; plugin: StoragePluginContract } {
    for (const entry of this.byPrefix.get(prefix) ?? []) {
      if (entry.plugin.supports(input)) return { kind: entry.options.kind, plugin: entry.plugin };
    }
    throw new OmegaError(
      OmegaErrorCode.UnknownKind,
      `No storage kind for ${prefix}/ supports this input; known kinds: ${this.kinds(prefix).join(', ') || 'none'}`,
    );
  }

  kinds(prefix?: string): string[] {
    return [...this.byKind.values()]
      .filter((entry) => prefix === undefined || entry.options.prefixes.includes(prefix))
      .map((entry) => entry.options.kind)
      .sort();
  }
}
