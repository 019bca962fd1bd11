import { Injectable, Module } from '@nestjs/common';
import {
  MetadataRecord,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  StoredPayload,
  TenantContext,
  TenantDatabases,
  storageCollectionName,
} from '@omega/core';

/**
 * The example third-party kind from the README: plain text notes, one document each. Everything a new
 * kind needs is this one decorated provider and the module that declares it.
 */
@Injectable()
@StoragePlugin({ kind: 'text.note', prefixes: ['data'], priority: 5 })
export class TextNotePlugin implements StoragePluginContract<string> {
  constructor(private readonly databases: TenantDatabases) {}

  supports(input: unknown): boolean {
    return typeof input === 'string';
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    const collection = storageCollectionName('note', ctx, target.prefix, target.name);
    await this.databases
      .db(ctx)
      .collection(collection)
      .insertOne({ text: String(input) });
    return { collection, kindMeta: { length: String(input).length } };
  }

  async get(ctx: TenantContext, meta: MetadataRecord): Promise<string> {
    const document = await this.databases
      .db(ctx)
      .collection(meta.collection as string)
      .findOne({});
    return (document?.text as string) ?? '';
  }

  async release(ctx: TenantContext, meta: Pick<MetadataRecord, 'collection'>): Promise<void> {
    if (meta.collection)
      await this.databases
        .db(ctx)
        .collection(meta.collection)
        .drop()
        .catch(() => undefined);
  }
}

@Module({ providers: [TextNotePlugin] })
export class TextNoteModule {}
