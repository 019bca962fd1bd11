import { Injectable } from '@nestjs/common';
import {
  MetadataRecord,
  OmegaError,
  OmegaErrorCode,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  storageCollectionName,
  StoredPayload,
  TenantContext,
  TenantDatabases,
} from '@omega/core';
import type { Collection, Db } from 'mongodb';
import { parseDtypes } from './column-types';
import { TableKindMeta, TableSchema } from './table-schema';
import { isColumns, isRecords, TableSource } from './table-source';
import { TableView } from './table-view';

export const TABLE_ROWS_KIND = 'table.rows';
const COUNTERS = 'omega_row_counters';

/**
 * Tables stored one document per row in a collection of their own. A replacement is written to a new
 * collection and swapped in by the store, so a failed replace leaves the old table readable; an append
 * reserves row ids atomically and removes its own rows if it fails.
 */
@Injectable()
@StoragePlugin({ kind: TABLE_ROWS_KIND, prefixes: ['data'], priority: 10 })
export class TableRowsPlugin implements StoragePluginContract<TableView> {
  constructor(private readonly databases: TenantDatabases) {}

  supports(input: unknown): boolean {
    return input instanceof TableSource || isRecords(input) || isColumns(input);
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    const source = toSource(input, target.options.dtypes);
    const db = this.databases.db(ctx);
    const previous = target.append ? (target.existing?.kindMeta as TableKindMeta | undefined) : undefined;
    const collectionName = previous
      ? (target.existing?.collection as string)
      : storageCollectionName('rows', ctx, target.prefix, target.name);
    const collection = db.collection(collectionName);
    const schema = new TableSchema(previous?.columns, source.dtypes, previous?.sparse);
    const reserved: number[] = [];
    let written = 0;
    let firstWritten: number | undefined;
    // One insert in flight while the next chunk is converted: the server and Node work side by side.
    let inFlight: Promise<unknown> = Promise.resolve();
    try {
      for await (const chunk of source.chunks) {
        if (chunk.length === 0) continue;
        const firstRowId = previous ? await reserveRowIds(db, collectionName, chunk.length) : written;
        if (previous) reserved.push(firstRowId, firstRowId + chunk.length);
        const documents = schema.toDocuments(chunk, firstRowId);
        firstWritten ??= firstRowId;
        written += chunk.length;
        await inFlight;
        inFlight = collection.insertMany(documents, { ordered: false });
        // Marked handled now; the error is still raised where `inFlight` is awaited.
        inFlight.catch(() => undefined);
      }
      await inFlight;
      await assertStillThere(db.collection<{ _id: number }>(collectionName), firstWritten);
      if (!previous) {
        await db
          .collection<{ _id: string; next: number }>(COUNTERS)
          .insertOne({ _id: collectionName, next: written });
      }
    } catch (error) {
      await inFlight.catch(() => undefined);
      if (!previous) await collection.drop().catch(() => undefined);
      else await removeRanges(db, collectionName, reserved);
      throw error;
    }
    const kindMeta: TableKindMeta = {
      columns: schema.columns,
      rows: (previous?.rows ?? 0) + written,
      sparse: schema.sparse,
    };
    return { collection: collectionName, kindMeta };
  }

  async get(ctx: TenantContext, meta: MetadataRecord): Promise<TableView> {
    const collection = this.databases.db(ctx).collection(meta.collection as string);
    return new TableView(collection, meta.kindMeta as TableKindMeta);
  }

  async release(ctx: TenantContext, meta: Pick<MetadataRecord, 'collection'>): Promise<void> {
    if (!meta.collection) return;
    const db = this.databases.db(ctx);
    await db
      .collection(meta.collection)
      .drop()
      .catch(() => undefined);
    await db.collection<{ _id: string }>(COUNTERS).deleteOne({ _id: meta.collection });
  }
}

export function toSource(input: unknown, dtypes: unknown): TableSource {
  if (input instanceof TableSource) {
    return Object.keys(input.dtypes).length > 0 || !dtypes
      ? input
      : new TableSource(input.chunks, parseDtypes(dtypes));
  }
  const declared = parseDtypes(dtypes);
  if (isRecords(input)) return TableSource.fromRecords(input, declared);
  return TableSource.fromColumns(input as Record<string, unknown[]>, declared);
}

/**
 * A MongoDB-wire server recreates a dropped collection on the next insert without an error, so a drop of
 * the collection (or its database) while a put runs would leave only the rows written after it and a
 * table that silently reads short. The first row this put wrote must still be there; a point lookup by
 * `_id` costs a millisecond where counting the rows costs seconds on FerretDB.
 */
async function assertStillThere(
  collection: Collection<{ _id: number }>,
  firstRowId: number | undefined,
): Promise<void> {
  if (firstRowId === undefined) return;
  // The row id is `_id` (ROW_ID_KEY).
  const first = await collection.findOne({ _id: firstRowId }, { projection: { _id: 1 } });
  if (!first) {
    throw new OmegaError(
      OmegaErrorCode.Conflict,
      "the table's rows were removed while it was being written; nothing was stored",
    );
  }
}

async function reserveRowIds(db: Db, collectionName: string, count: number): Promise<number> {
  const before = await db
    .collection<{ _id: string; next: number }>(COUNTERS)
    .findOneAndUpdate(
      { _id: collectionName },
      { $inc: { next: count } },
      { upsert: true, returnDocument: 'before' },
    );
  return before?.next ?? 0;
}

async function removeRanges(db: Db, collectionName: string, bounds: number[]): Promise<void> {
  if (bounds.length === 0) return;
  const ranges = [];
  for (let index = 0; index < bounds.length; index += 2) {
    ranges.push({ _id: { $gte: bounds[index], $lt: bounds[index + 1] } });
  }
  await db
    .collection<{ _id: number }>(collectionName)
    .deleteMany({ $or: ranges })
    .catch(() => undefined);
}
