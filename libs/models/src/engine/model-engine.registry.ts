import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { BlobStore, OmegaError, OmegaErrorCode, PluginRegistry } from '@omega/core';
import { ModelArtifactPlugin } from '../storage/model-artifact.plugin';
import { ModelEngine, ModelEngineContract, ModelSpec } from './model-engine';

export const MODELS_PREFIX = 'models';

/**
 * Collects every `@ModelEngine` provider and registers a versioned storage plugin for each of its kinds
 * in `models/`, so an app gets a model kind by importing the engine's module and nothing else.
 */
@Injectable()
export class ModelEngineRegistry implements OnModuleInit {
  private readonly logger = new Logger(ModelEngineRegistry.name);
  private readonly byKind = new Map<string, ModelEngineContract>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly plugins: PluginRegistry,
    private readonly blobs: BlobStore,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: ModelEngine.KEY })) {
      const options = this.discovery.getMetadataByDecorator(ModelEngine, wrapper);
      if (!options) continue;
      for (const kind of options.kinds) this.register(kind, wrapper.instance as ModelEngineContract);
    }
    this.logger.log(`Model kinds: ${this.kinds().join(', ') || '(none)'}`);
  }

  register(kind: string, engine: ModelEngineContract): void {
    if (this.byKind.has(kind)) {
      throw new OmegaError(OmegaErrorCode.DuplicateKind, `Two model engines claim kind "${kind}"`);
    }
    this.byKind.set(kind, engine);
    this.plugins.register({ kind, prefixes: [MODELS_PREFIX] }, new ModelArtifactPlugin(kind, this.blobs));
  }

  engine(kind: string): ModelEngineContract {
    const engine = this.byKind.get(kind);
    if (!engine) {
      throw new OmegaError(
        OmegaErrorCode.UnknownKind,
        `Unknown model kind "${kind}"; known kinds: ${this.kinds().join(', ') || 'none'}`,
      );
    }
    return engine;
  }

  /** The engine that creates models of `spec.algorithm`, asked in kind order. */
  creatorFor(spec: ModelSpec): ModelEngineContract {
    const creators = [...new Set(this.byKind.values())].filter((engine) => engine.create);
    const engine = creators.find(
      (candidate) =>
        (candidate.algorithms?.().includes(spec.algorithm) ?? false) ||
        this.byKind.get(spec.algorithm) === candidate,
    );
    if (!engine) {
      const known = creators.flatMap((candidate) => candidate.algorithms?.() ?? []).sort();
      throw OmegaError.invalidInput(
        `Unknown algorithm "${spec.algorithm}"; known: ${known.join(', ') || 'none'}`,
      );
    }
    return engine;
  }

  kinds(): string[] {
    return [...this.byKind.keys()].sort();
  }
}
