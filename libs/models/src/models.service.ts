import { Injectable } from '@nestjs/common';
import {
  assertValidBucket,
  MetadataRecord,
  OmegaError,
  OmegaStore,
  OmegaStores,
  TenantContext,
} from '@omega/core';
import { FittedArtifact, LoadedModel, ModelSpec } from './engine/model-engine';
import { MODELS_PREFIX, ModelEngineRegistry } from './engine/model-engine.registry';
import { ModelCache } from './runtime/model-cache';
import { ModelMetadataCache, modelKey } from './runtime/model-metadata-cache';
import { assertValidTag, parseModelRef, selectVersion } from './storage/model-ref';
import {
  LATEST_TAG,
  ModelArtifact,
  ModelKindMeta,
  ModelLineage,
  ModelVersion,
  ModelVersionInput,
} from './storage/model-version';

export interface ModelPutOptions {
  attributes?: Record<string, unknown>;
  tags?: string[];
}

/** A model version loaded and ready to run, with what it was loaded from. */
export interface RunnableModel {
  meta: MetadataRecord;
  version: ModelVersion;
  model: LoadedModel;
}

/**
 * Models: uploads and specs become versions, references (`name@tag`, `name^`) resolve to one version,
 * fitted results are stored as new versions with their lineage, and promotion copies a model's history
 * to another bucket. Bytes and versions are the storage plugin's; running is the engines'.
 */
@Injectable()
export class ModelsService {
  constructor(
    private readonly stores: OmegaStores,
    private readonly engines: ModelEngineRegistry,
    private readonly cache: ModelCache,
    private readonly metadataCache: ModelMetadataCache,
  ) {}

  private get store(): OmegaStore {
    return this.stores.for(MODELS_PREFIX);
  }

  list(ctx: TenantContext, query: { pattern?: string; kind?: string; skip?: number; limit?: number }) {
    return this.store.list(ctx, query);
  }

  /** The model's entry; a reference with a selector must point at an existing version. */
  async metadata(ctx: TenantContext, reference: string): Promise<MetadataRecord> {
    const ref = parseModelRef(reference);
    return this.metadataCache.get(ctx, ref.name, () => this.store.metadata(ctx, ref.name));
  }

  /** Stores an uploaded artifact (e.g. an `.onnx` file) as a new version, after its engine validated it. */
  async putArtifact(
    ctx: TenantContext,
    name: string,
    kind: string,
    artifact: Buffer,
    options: ModelPutOptions = {},
  ): Promise<MetadataRecord> {
    const description = await this.engines.engine(kind).describe(kind, artifact);
    return this.addVersion(
      ctx,
      name,
      kind,
      new ModelVersionInput(artifact, description, { source: 'upload' }, this.tags(options)),
      options,
    );
  }

  /** Creates an unfitted model from a spec (algorithm + hyper-parameters) as a new version. */
  async create(
    ctx: TenantContext,
    name: string,
    spec: ModelSpec,
    options: ModelPutOptions = {},
  ): Promise<MetadataRecord> {
    const created = await this.engines.creatorFor(spec).create!(spec);
    return this.addVersion(
      ctx,
      name,
      created.kind,
      new ModelVersionInput(created.artifact, created.description, { source: 'spec' }, this.tags(options)),
      options,
    );
  }

  /** Stores what a fit produced as the model's newest version, recording which version it came from. */
  async storeFitted(
    ctx: TenantContext,
    runnable: RunnableModel,
    fitted: FittedArtifact,
    source: 'fit' | 'partial_fit',
  ): Promise<MetadataRecord> {
    const lineage: ModelLineage = { source, parent: runnable.version.version };
    return this.addVersion(
      ctx,
      runnable.meta.name,
      runnable.version.kind,
      new ModelVersionInput(fitted.artifact, fitted.description, lineage),
    );
  }

  async versions(
    ctx: TenantContext,
    name: string,
  ): Promise<{ name: string; tags: Record<string, number>; versions: ModelVersion[] }> {
    const meta = await this.store.metadata(ctx, parseModelRef(name).name);
    const kindMeta = meta.kindMeta as ModelKindMeta;
    return {
      name: meta.name,
      tags: kindMeta.tags,
      versions: [...kindMeta.versions].sort((a, b) => b.version - a.version),
    };
  }

  /** Loads the version a reference points at, from this process's cache when it is there. */
  async load(ctx: TenantContext, reference: string): Promise<RunnableModel> {
    const ref = parseModelRef(reference);
    const meta = await this.metadata(ctx, reference);
    const kindMeta = meta.kindMeta as ModelKindMeta;
    const version = selectVersion(ref, kindMeta);
    const model = await this.cache.get(
      {
        model: modelKey(ctx, meta.name),
        version: version.version,
        gridFile: version.gridFile,
        latest: kindMeta.latest,
      },
      async () => {
        const { artifact } = await this.store.get<ModelArtifact>(ctx, meta.name, {
          ref: `${meta.name}@${version.version}`,
        });
        return this.engines.engine(version.kind).load(version.kind, artifact);
      },
    );
    return { meta, version, model };
  }

  /**
   * Copies a model with every version, in order, to another bucket of the same tenant. Each copy records
   * where it came from (`bucket/name@version`); tags follow their versions.
   */
  async promote(ctx: TenantContext, name: string, targetBucket: string): Promise<MetadataRecord> {
    assertValidBucket(targetBucket);
    if (targetBucket === ctx.bucket) throw OmegaError.invalidInput('A model is promoted to another bucket');
    const meta = await this.store.metadata(ctx, parseModelRef(name).name);
    const kindMeta = meta.kindMeta as ModelKindMeta;
    const target = ctx.withBucket(targetBucket);
    const tagsByVersion = new Map<number, string[]>();
    for (const [tag, version] of Object.entries(kindMeta.tags)) {
      if (tag !== LATEST_TAG) tagsByVersion.set(version, [...(tagsByVersion.get(version) ?? []), tag]);
    }
    let promoted: MetadataRecord | undefined;
    try {
      promoted = await this.copyVersions(ctx, target, meta, tagsByVersion);
    } finally {
      // Announced even after a partial copy: whatever landed in the target bucket changed it.
      await this.metadataCache.changed(target, meta.name);
    }
    return promoted as MetadataRecord;
  }

  private async copyVersions(
    ctx: TenantContext,
    target: TenantContext,
    meta: MetadataRecord,
    tagsByVersion: Map<number, string[]>,
  ): Promise<MetadataRecord | undefined> {
    const kindMeta = meta.kindMeta as ModelKindMeta;
    let promoted: MetadataRecord | undefined;
    for (const version of [...kindMeta.versions].sort((a, b) => a.version - b.version)) {
      const { artifact } = await this.store.get<ModelArtifact>(ctx, meta.name, {
        ref: `${meta.name}@${version.version}`,
      });
      const lineage: ModelLineage = {
        source: 'promote',
        from: `${ctx.bucket}/${meta.name}@${version.version}`,
      };
      promoted = await this.store.put(
        target,
        meta.name,
        new ModelVersionInput(
          artifact,
          version.description,
          lineage,
          tagsByVersion.get(version.version) ?? [],
        ),
        {
          kind: version.kind,
          attributes: { ...meta.attributes, promotedFrom: `${ctx.bucket}/${meta.name}` },
        },
      );
    }
    return promoted;
  }

  async drop(ctx: TenantContext, name: string): Promise<boolean> {
    const modelName = parseModelRef(name).name;
    const dropped = await this.store.drop(ctx, modelName);
    await this.metadataCache.changed(ctx, modelName);
    return dropped;
  }

  private async addVersion(
    ctx: TenantContext,
    name: string,
    kind: string,
    input: ModelVersionInput,
    options: ModelPutOptions = {},
  ): Promise<MetadataRecord> {
    const meta = await this.store.put(ctx, name, input, { kind, attributes: options.attributes });
    await this.metadataCache.changed(ctx, name);
    return meta;
  }

  private tags(options: ModelPutOptions): string[] {
    const tags = options.tags ?? [];
    for (const tag of tags) {
      assertValidTag(tag);
      if (tag === LATEST_TAG)
        throw OmegaError.invalidInput('latest always points at the newest version; it cannot be set');
    }
    return tags;
  }
}
