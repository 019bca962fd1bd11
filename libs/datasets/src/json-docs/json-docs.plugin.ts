import { Injectable } from '@nestjs/common';
import {
  MetadataRecord,
  OmegaError,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  storageCollectionName,
  StoredPayload,
  TenantContext,
  TenantDatabases,
} from '@omega/core';
import { decodeJson, encodeJson } from './json-codec';

export const JSON_DOCS_KIND = 'json.docs';
const ORDER_KEY = '~i';
const VALUE_KEY = 'v';

interface JsonDocsKindMeta {
  /** `list`: a JSON array stored one element per document; `value`: any other JSON value. */
  shape: 'list' | 'value';
  count: number;
  [key: string]: unknown;
}

/**
 * Any JSON value (omega-ml's `python.data`): arrays are stored one document per element so appends are
 * cheap; everything else as one document. The catch-all of `data/`, asked after the table kinds.
 */
@Injectable()
@StoragePlugin({ kind: JSON_DOCS_KIND, prefixes: ['data'], priority: -10 })
export class JsonDocsPlugin implements StoragePluginContract<unknown> {
  constructor(private readonly databases: TenantDatabases) {}

  supports(input: unknown): boolean {
    return (
      input !== undefined &&
      typeof input !== 'function' &&
      typeof input !== 'symbol' &&
      !Buffer.isBuffer(input) &&
      !isStream(input)
    );
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    const previous = target.append ? (target.existing?.kindMeta as JsonDocsKindMeta | undefined) : undefined;
    if (previous && previous.shape !== 'list') {
      throw OmegaError.invalidInput(
        `${target.name} holds a single JSON value; only lists can be appended to`,
      );
    }
    const shape = previous ? 'list' : Array.isArray(input) ? 'list' : 'value';
    const items = shape === 'list' ? (Array.isArray(input) ? input : [input]) : [input];
    const first = previous?.count ?? 0;
    const documents = items.map((item, index) => ({
      [ORDER_KEY]: first + index,
      [VALUE_KEY]: encodeJson(item),
    }));
    const db = this.databases.db(ctx);
    const collectionName = previous
      ? (target.existing?.collection as string)
      : storageCollectionName('docs', ctx, target.prefix, target.name);
    const collection = db.collection(collectionName);
    try {
      if (documents.length > 0) await collection.insertMany(documents, { ordered: true });
      if (!previous) await collection.createIndex({ [ORDER_KEY]: 1 });
    } catch (error) {
      if (!previous) await collection.drop().catch(() => undefined);
      else await collection.deleteMany({ [ORDER_KEY]: { $gte: first } }).catch(() => undefined);
      throw error;
    }
    const kindMeta: JsonDocsKindMeta = { shape, count: first + documents.length };
    return { collection: collectionName, kindMeta };
  }

  async get(ctx: TenantContext, meta: MetadataRecord): Promise<unknown> {
    const documents = await this.databases
      .db(ctx)
      .collection(meta.collection as string)
      .find({}, { projection: { _id: 0 } })
      .sort({ [ORDER_KEY]: 1 })
      .toArray();
    const values = documents.map((document) => decodeJson(document[VALUE_KEY]));
    return (meta.kindMeta as JsonDocsKindMeta).shape === 'list' ? values : (values[0] ?? null);
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

function isStream(input: unknown): boolean {
  return typeof (input as { pipe?: unknown })?.pipe === 'function';
}
