import type { ModelDescription } from '../engine/model-engine';

/** How a version came to be: uploaded, created from a spec, fitted from another, or promoted. */
export interface ModelLineage {
  source: 'upload' | 'spec' | 'fit' | 'partial_fit' | 'promote';
  /** The version it was fitted from (same model). */
  parent?: number;
  /** Where a promoted version came from: `bucket/name@version`. */
  from?: string;
}

/** One version of a model, as kept in the model's Metadata (`kindMeta.versions`). */
export interface ModelVersion {
  version: number;
  kind: string;
  gridFile: string;
  size: number;
  sha256: string;
  created: Date;
  description: ModelDescription;
  lineage: ModelLineage;
}

/**
 * `kindMeta` of a model entry: every version and the tags pointing at them. The latest version's
 * signature is repeated at the top so listings show it without digging.
 */
export interface ModelKindMeta {
  versions: ModelVersion[];
  /** Tag → version; `latest` always points at the newest version. */
  tags: Record<string, number>;
  latest: number;
  description: ModelDescription;
  [key: string]: unknown;
}

/** What the models service hands the store to add a version. */
export class ModelVersionInput {
  constructor(
    readonly artifact: Buffer,
    readonly description: ModelDescription,
    readonly lineage: ModelLineage,
    /** User tags to point at the new version (`latest` moves by itself). */
    readonly tags: readonly string[] = [],
  ) {}
}

/** What `store.get()` answers for a model: one version and its bytes. */
export interface ModelArtifact {
  version: ModelVersion;
  artifact: Buffer;
}

export const LATEST_TAG = 'latest';
