import {
  BlobStore,
  MetadataRecord,
  OmegaError,
  PutTarget,
  StoragePluginContract,
  StoredPayload,
  TenantContext,
} from '@omega/core';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { LATEST_TAG, ModelArtifact, ModelKindMeta, ModelVersion, ModelVersionInput } from './model-version';
import { parseModelRef, selectVersion } from './model-ref';

/**
 * Storage of one model kind: each put adds a version (its artifact in GridFS) to the model's entry, so
 * nothing a put replaces is lost. The entry itself has no top-level `gridFile`: the store never frees a
 * version when a new one arrives; dropping the model frees them all. The registry creates one instance
 * per engine kind.
 */
export class ModelArtifactPlugin implements StoragePluginContract<ModelArtifact> {
  constructor(
    readonly kind: string,
    private readonly blobs: BlobStore,
  ) {}

  /** Never picked by input: a model's kind is always known (from the engine that described it). */
  supports(): boolean {
    return false;
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    if (!(input instanceof ModelVersionInput)) {
      throw OmegaError.invalidInput(`A ${this.kind} model is stored from a model file or a spec`);
    }
    const previous = target.existing?.kindMeta as ModelKindMeta | undefined;
    const versions = previous?.versions ?? [];
    const number = versions.reduce((max, entry) => Math.max(max, entry.version), 0) + 1;
    const blob = await this.blobs.upload(ctx, Readable.from([input.artifact]), {
      filename: `${target.prefix}/${target.name}@${number}`,
      contentType: 'application/octet-stream',
    });
    const version: ModelVersion = {
      version: number,
      kind: this.kind,
      gridFile: blob.id,
      size: blob.length,
      sha256: createHash('sha256').update(input.artifact).digest('hex'),
      created: new Date(),
      description: input.description,
      lineage: input.lineage,
    };
    const tags: Record<string, number> = { ...(previous?.tags ?? {}), [LATEST_TAG]: number };
    for (const tag of input.tags) tags[tag] = number;
    const kindMeta: ModelKindMeta = {
      versions: [...versions, version],
      tags,
      latest: number,
      description: input.description,
    };
    return { kindMeta };
  }

  /** One version's artifact; `options.ref` picks it (`name@tag`, `name^`, …), latest by default. */
  async get(
    ctx: TenantContext,
    meta: MetadataRecord,
    options: Record<string, unknown>,
  ): Promise<ModelArtifact> {
    const kindMeta = meta.kindMeta as ModelKindMeta;
    const ref = typeof options.ref === 'string' ? parseModelRef(options.ref) : { name: meta.name };
    const version = selectVersion(ref, kindMeta);
    const chunks: Buffer[] = [];
    for await (const chunk of this.blobs.download(ctx, version.gridFile)) chunks.push(chunk as Buffer);
    return { version, artifact: Buffer.concat(chunks) };
  }

  /** Frees every version: on drop, or the new version's blob when its Metadata write failed. */
  async release(ctx: TenantContext, meta: Pick<MetadataRecord, 'kindMeta'>): Promise<void> {
    const kindMeta = meta.kindMeta as Partial<ModelKindMeta> | undefined;
    for (const version of kindMeta?.versions ?? []) await this.blobs.remove(ctx, version.gridFile);
  }
}
