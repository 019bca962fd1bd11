import { Injectable } from '@nestjs/common';
import { TenantContext, TenantDatabases } from '@omega/core';
import type { JsonSchema } from './json-schema';

/** What a service is backed by: a model runs `predict`/`predict_proba`, a script or a job `run`. */
export type ServiceKind = 'model' | 'script' | 'job';

export const SERVICE_ACTIONS: Record<ServiceKind, readonly string[]> = {
  model: ['predict', 'predict_proba'],
  script: ['run'],
  job: ['run'],
};

/** omega-ml's `link_datatype`: the input (`X`), output (`Y` or `result`) and default action of a service. */
export interface ServiceSignature {
  X?: JsonSchema;
  Y?: JsonSchema;
  result?: JsonSchema;
  /** The action a call without one runs (the first listed); else the kind's default. */
  actions?: string[];
}

interface StoredSignature extends ServiceSignature {
  bucket: string;
  kind: ServiceKind;
  name: string;
  modified: Date;
}

const COLLECTION = 'omega_service_signatures';

/**
 * Service signatures, one per bucket, kind and object name, in the tenant's own database. They are kept
 * apart from the object's Metadata so linking one never races a new version of the object; a signature
 * belongs to the name and applies again to an object put anew under it.
 */
@Injectable()
export class ServiceSignatures {
  constructor(private readonly databases: TenantDatabases) {}

  private collection(ctx: TenantContext) {
    return this.databases.db(ctx).collection<StoredSignature>(COLLECTION);
  }

  async get(ctx: TenantContext, kind: ServiceKind, name: string): Promise<ServiceSignature | undefined> {
    const stored = await this.collection(ctx).findOne(
      { bucket: ctx.bucket, kind, name },
      { projection: { _id: 0, bucket: 0, kind: 0, name: 0, modified: 0 } },
    );
    return stored ?? undefined;
  }

  async set(ctx: TenantContext, kind: ServiceKind, name: string, signature: ServiceSignature): Promise<void> {
    await this.collection(ctx).replaceOne(
      { bucket: ctx.bucket, kind, name },
      { ...signature, bucket: ctx.bucket, kind, name, modified: new Date() },
      { upsert: true },
    );
  }

  async remove(ctx: TenantContext, kind: ServiceKind, name: string): Promise<boolean> {
    const result = await this.collection(ctx).deleteOne({ bucket: ctx.bucket, kind, name });
    return result.deletedCount === 1;
  }
}
