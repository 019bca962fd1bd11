import { Injectable } from '@nestjs/common';
import type { Model } from 'mongoose';
import { OmegaError, OmegaErrorCode } from '../errors/omega-error';
import { TenantDatabases } from '../mongo/tenant-databases';
import { TenantContext } from '../tenancy/tenant-context';
import { Metadata, MetadataRecord, MetadataSchema } from './metadata.schema';

export interface MetadataListQuery {
  prefix: string;
  pattern?: RegExp;
  /** Names matching this are left out, of the page and of the total. */
  exclude?: RegExp;
  kind?: string;
  skip?: number;
  limit?: number;
  /** Only names sorting after this one (cursor paging); the total still counts every match. */
  after?: string;
}

export type MetadataWrite = Omit<MetadataRecord, 'created' | 'modified' | 'bucket'>;

/**
 * The storage index of a tenant. Every method takes the tenant context and scopes each query to its
 * database and bucket, so no caller can forget either.
 */
@Injectable()
export class MetadataRepository {
  private readonly indexed = new Map<string, Promise<unknown>>();

  constructor(private readonly databases: TenantDatabases) {}

  async find(ctx: TenantContext, prefix: string, name: string): Promise<MetadataRecord | null> {
    const model = this.model(ctx);
    return model.findOne({ bucket: ctx.bucket, prefix, name }, { _id: 0 }).lean<MetadataRecord>().exec();
  }

  async list(
    ctx: TenantContext,
    query: MetadataListQuery,
  ): Promise<{ items: MetadataRecord[]; total: number }> {
    const model = this.model(ctx);
    const filter: Record<string, unknown> = { bucket: ctx.bucket, prefix: query.prefix };
    if (query.pattern) filter.name = { $regex: query.pattern.source };
    if (query.exclude) filter.$nor = [{ name: { $regex: query.exclude.source } }];
    if (query.kind) filter.kind = query.kind;
    // Cursor paging walks the name index from the last name seen, however deep the page.
    const page = query.after === undefined ? filter : { ...filter, $and: [{ name: { $gt: query.after } }] };
    const [items, total] = await Promise.all([
      model
        .find(page, { _id: 0 })
        .sort({ name: 1 })
        .skip(query.skip ?? 0)
        .limit(query.limit ?? 100)
        .lean<MetadataRecord[]>()
        .exec(),
      model.countDocuments(filter).exec(),
    ]);
    return { items, total };
  }

  /** Inserts a new entry; a concurrent insert of the same name loses with ALREADY_EXISTS. */
  async insert(ctx: TenantContext, entry: MetadataWrite): Promise<MetadataRecord> {
    const model = await this.writableModel(ctx);
    const now = new Date();
    const record: MetadataRecord = { ...entry, bucket: ctx.bucket, created: now, modified: now };
    try {
      await model.collection.insertOne({ ...record });
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw new OmegaError(OmegaErrorCode.AlreadyExists, `${entry.prefix}/${entry.name} already exists`);
      }
      throw error;
    }
    return record;
  }

  /** Replaces the mutable part of an entry, keeping its creation time. */
  async update(
    ctx: TenantContext,
    current: MetadataRecord,
    changes: Partial<
      Pick<MetadataRecord, 'kind' | 'attributes' | 'kindMeta' | 'collection' | 'gridFile' | 'uri'>
    >,
  ): Promise<MetadataRecord> {
    const model = await this.writableModel(ctx);
    const modified = new Date();
    const set: Record<string, unknown> = { modified };
    const unset: Record<string, ''> = {};
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) unset[key] = '';
      else set[key] = value;
    }
    const update: Record<string, unknown> = { $set: set };
    if (Object.keys(unset).length > 0) update.$unset = unset;
    await model.collection.updateOne(
      { bucket: ctx.bucket, prefix: current.prefix, name: current.name },
      update,
    );
    const next: MetadataRecord = { ...current, ...changes, modified };
    for (const key of Object.keys(unset)) delete (next as unknown as Record<string, unknown>)[key];
    return next;
  }

  async remove(ctx: TenantContext, prefix: string, name: string): Promise<boolean> {
    const model = await this.writableModel(ctx);
    const result = await model.collection.deleteOne({ bucket: ctx.bucket, prefix, name });
    return result.deletedCount === 1;
  }

  /** Creates the tenant's database (MongoDB makes it with its first index) and the Metadata indexes. */
  async ensureIndexes(ctx: TenantContext): Promise<void> {
    await this.writableModel(ctx);
  }

  /**
   * For reads: touches nothing, so a tenant database that does not exist yet (a new qualifier) reads as
   * empty and stays uncreated.
   */
  private model(ctx: TenantContext): Model<Metadata> {
    const connection = this.databases.connectionFor(ctx);
    return (
      (connection.models[Metadata.name] as Model<Metadata> | undefined) ??
      connection.model<Metadata>(Metadata.name, MetadataSchema)
    );
  }

  /** For writes: the database and its Metadata indexes exist before the first write (once per process). */
  private async writableModel(ctx: TenantContext): Promise<Model<Metadata>> {
    const model = this.model(ctx);
    const database = model.db.name;
    let ready = this.indexed.get(database);
    if (!ready) {
      ready = model.createIndexes().catch((error: unknown) => {
        this.indexed.delete(database);
        throw error;
      });
      this.indexed.set(database, ready);
    }
    await ready;
    return model;
  }
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}
