import { Injectable } from '@nestjs/common';
import {
  MetadataRecord,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  storageCollectionName,
  StoredPayload,
  TenantContext,
  TenantDatabases,
} from '@omega/core';
import type { ExperimentDocument } from './experiment-records';
import { ExperimentTable } from './experiment-table';

export const EXPERIMENT_KIND = 'experiment.tracker';
export const EXPERIMENTS_PREFIX = 'experiments';

/** What the store is handed to create an experiment: nothing but the intent (its data is logged later). */
export class NewExperiment {
  constructor(readonly description = '') {}
}

export interface ExperimentKindMeta {
  description: string;
  [key: string]: unknown;
}

/**
 * omega-ml's `experiment.tracker`: an experiment is a Metadata entry in `experiments/` and one collection
 * in the tenant's database holding its runs and everything they logged (see experiment-records.ts).
 * `get` answers the experiment as a table reader.
 */
@Injectable()
@StoragePlugin({ kind: EXPERIMENT_KIND, prefixes: [EXPERIMENTS_PREFIX] })
export class ExperimentTrackerPlugin implements StoragePluginContract<ExperimentTable> {
  constructor(private readonly databases: TenantDatabases) {}

  supports(input: unknown): boolean {
    return input instanceof NewExperiment;
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    const description = input instanceof NewExperiment ? input.description : '';
    // An experiment is never replaced by a put (that would drop its runs): the service refuses existing
    // names, and a second put of the same name keeps the data it has.
    if (target.existing?.collection) {
      return {
        collection: target.existing.collection,
        kindMeta: { ...target.existing.kindMeta, description },
      };
    }
    const name = storageCollectionName('exp', ctx, target.prefix, target.name);
    const collection = this.databases.db(ctx).collection(name);
    try {
      await collection.createIndex({ type: 1, run: 1 });
      await collection.createIndex({ run: 1, dt: 1 });
    } catch (error) {
      await collection.drop().catch(() => undefined);
      throw error;
    }
    const kindMeta: ExperimentKindMeta = { description };
    return { collection: name, kindMeta };
  }

  async get(ctx: TenantContext, meta: MetadataRecord): Promise<ExperimentTable> {
    return new ExperimentTable(this.collection(ctx, meta));
  }

  collection(ctx: TenantContext, meta: Pick<MetadataRecord, 'collection'>) {
    return this.databases.db(ctx).collection<ExperimentDocument>(meta.collection as string);
  }

  async release(ctx: TenantContext, meta: Pick<MetadataRecord, 'collection'>): Promise<void> {
    if (!meta.collection) return;
    await this.databases
      .db(ctx)
      .collection(meta.collection)
      .drop()
      .catch(() => undefined);
  }
}
