import { Injectable } from '@nestjs/common';
import {
  BlobStore,
  MetadataRecord,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  StoredPayload,
  TenantContext,
  TenantDatabases,
} from '@omega/core';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Db } from 'mongodb';
import type { Readable } from 'node:stream';
import type { ColumnSchema } from '../table-rows/column-types';
import { TableKindMeta, TableSchema } from '../table-rows/table-schema';
import { isColumns, isRecords, TableSource } from '../table-rows/table-source';
import { ArrowTableSource } from '../table-rows/formats/arrow';
import { CsvTableSource, csvTableSource } from '../table-rows/formats/csv';
import { toSource } from '../table-rows/table-rows.plugin';
import { DatasetCache } from '../dataset-cache';
import { writeCsvParts } from './csv-parts';
import { arrowBatches, csvBatches, recordBatches } from './column-batches';
import { DuckDbEngine } from './duckdb-engine';
import { PartCache } from './part-cache';
import { ParquetUpload } from './parquet-format';
import {
  FilePart,
  OpenPart,
  PART_MAX_CHARS,
  PART_ROWS,
  PartRecord,
  partsFromFile,
  PartUploads,
  storePart,
} from './part-writer';
import { ParquetTable } from './parquet-table';

export const TABLE_PARQUET_KIND = 'table.parquet';
/** The kind a new table gets when no kind is named (PUT without `kind`, uploads, copies). */
export const DEFAULT_TABLE_KIND: string = TABLE_PARQUET_KIND;
/** The part index: one document per Parquet part, in the tenant's database. */
export const PARTS_COLLECTION = 'omega_table_parts';
const COUNTERS = 'omega_part_counters';
/** Part uploads in flight at once while DuckDB writes the next parts. */
const PARALLEL_UPLOADS = 2;

/**
 * Tables stored as immutable Parquet parts in GridFS, plus a part-index document per part. A put writes a
 * new part set, which the store swaps in with the Metadata (a failed put leaves the previous version
 * untouched and removes what it wrote); an append adds parts with row ids reserved atomically, and their
 * index documents appear all at once when every part is stored; drop releases the set.
 */
@Injectable()
@StoragePlugin({
  kind: TABLE_PARQUET_KIND,
  prefixes: ['data'],
  // Above table.rows (10) when it is the default, so records and columns given without a kind land here.
  priority: DEFAULT_TABLE_KIND === TABLE_PARQUET_KIND ? 15 : 5,
})
export class TableParquetPlugin implements StoragePluginContract<ParquetTable> {
  constructor(
    private readonly databases: TenantDatabases,
    private readonly blobs: BlobStore,
    private readonly engine: DuckDbEngine,
    private readonly cache: PartCache,
    private readonly datasetCache: DatasetCache,
  ) {}

  supports(input: unknown): boolean {
    return input instanceof TableSource || isRecords(input) || isColumns(input);
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    const declared = target.options.dtypes as Record<string, unknown> | undefined;
    if (input instanceof ParquetUpload && Object.keys(declared ?? {}).length === 0) {
      // A Parquet body goes into parts file to file; only an append whose columns differ from the table's
      // (new, reordered or widened columns) takes the record path below, from the same spooled file.
      const stored = await this.putFile(ctx, input, target).catch(async (error: unknown) => {
        await input.dispose();
        throw error;
      });
      if (stored) {
        await input.dispose();
        return stored;
      }
    }
    let data = input;
    if (
      input instanceof CsvTableSource &&
      input.body &&
      !target.append &&
      Object.keys(declared ?? {}).length === 0 &&
      Object.keys(input.dtypes).length === 0
    ) {
      // A large CSV body is parsed by DuckDB; one it cannot read exactly as the JavaScript parser comes
      // back whole, for the path below.
      const written = await this.putCsv(ctx, input.body);
      if (!('replay' in written)) return written;
      data = csvTableSource(written.replay);
    }
    const source = toSource(data, target.options.dtypes);
    const db = this.databases.db(ctx);
    const previous = target.append ? (target.existing?.kindMeta as TableKindMeta | undefined) : undefined;
    const set = previous
      ? (target.existing?.collection as string)
      : `parts_${randomBytes(12).toString('hex')}`;
    const schema = new TableSchema(previous?.columns, source.dtypes, previous?.sparse);
    const parts: PartRecord[] = [];
    const scratch: string[] = [];
    let open: OpenPart | undefined;
    let written = 0;
    // Parts are written out by DuckDB and uploaded while the next one fills: DuckDB, Node and the
    // database work side by side, and at most PARALLEL_UPLOADS + 1 parts are held at once.
    const uploads = new PartUploads(PARALLEL_UPLOADS);
    const close = async () => {
      if (!open || open.rows === 0) {
        open?.close();
        open = undefined;
        return;
      }
      const part = open;
      open = undefined;
      try {
        await uploads.add(async () => {
          const finished = await part.finish(this.engine);
          scratch.push(finished.file);
          const blob = await storePart(ctx, this.blobs, this.cache, finished);
          parts.push(
            indexEntry(set, { ...finished, first: part.first, rows: part.rows, types: part.types }, blob),
          );
        });
      } catch (error) {
        part.close();
        throw error;
      }
    };
    // Arrow and CSV bodies without declared types are written a column at a time; any other input a
    // record at a time.
    const undeclared = Object.keys(declared ?? {}).length === 0;
    const batches =
      data instanceof ArrowTableSource && undeclared
        ? arrowBatches(data.batches)
        : data instanceof CsvTableSource && undeclared && Object.keys(data.dtypes).length === 0
          ? csvBatches(data.columns)
          : recordBatches(source.chunks);
    try {
      for await (const batch of batches) {
        let offset = 0;
        while (offset < batch.rows) {
          const count = Math.min(PART_ROWS - (open?.rows ?? 0), batch.rows - offset);
          const firstRowId = previous ? await reserveRowIds(db, set, count) : written;
          const signature = schema.columns.map((column) => column.type).join();
          const rows = batch.take(schema, offset, count, firstRowId);
          const changed = schema.columns.map((column) => column.type).join() !== signature;
          if (open && (changed || open.first + open.rows !== firstRowId || open.chars >= PART_MAX_CHARS))
            await close();
          open ??= await OpenPart.open(this.engine, schema.columns, firstRowId);
          rows(open);
          written += count;
          offset += count;
          if (open.rows >= PART_ROWS) await close();
        }
      }
      await close();
      await uploads.drain();
      if (parts.length > 0) await db.collection<PartRecord>(PARTS_COLLECTION).insertMany(parts);
      if (!previous)
        await db.collection<{ _id: string; next: number }>(COUNTERS).insertOne({ _id: set, next: written });
    } catch (error) {
      open?.close();
      await uploads.settle();
      await this.discard(ctx, set, parts);
      throw error;
    } finally {
      await Promise.all(scratch.map((file) => rm(file, { force: true })));
    }
    const kindMeta: TableKindMeta = {
      columns: schema.columns,
      rows: (previous?.rows ?? 0) + written,
      sparse: schema.sparse,
    };
    return { collection: set, kindMeta };
  }

  /**
   * A new table from a CSV body parsed by DuckDB (see `writeCsvParts`), its parts uploaded a few at a
   * time while the next are written; answers the body again, having kept nothing, when DuckDB is not sure
   * to read it as the JavaScript parser does (a bad row among them: that parser answers the 400).
   */
  private async putCsv(ctx: TenantContext, body: Readable): Promise<StoredPayload | { replay: Readable }> {
    const db = this.databases.db(ctx);
    const set = `parts_${randomBytes(12).toString('hex')}`;
    const parts: PartRecord[] = [];
    const uploads = new PartUploads(PARALLEL_UPLOADS);
    const store = async (part: FilePart) => {
      try {
        await uploads.add(async () => {
          const blob = await storePart(ctx, this.blobs, this.cache, part);
          parts.push(indexEntry(set, part, blob));
        });
      } catch (error) {
        await rm(part.file, { force: true });
        throw error;
      }
    };
    try {
      const outcome = await writeCsvParts(this.engine, body, store);
      await uploads.drain();
      if (!outcome.written) {
        await this.discard(ctx, set, parts);
        return { replay: outcome.replay };
      }
      if (parts.length > 0) await db.collection<PartRecord>(PARTS_COLLECTION).insertMany(parts);
      await db
        .collection<{ _id: string; next: number }>(COUNTERS)
        .insertOne({ _id: set, next: outcome.rows });
      const kindMeta: TableKindMeta = { columns: outcome.columns, rows: outcome.rows, sparse: false };
      return { collection: set, kindMeta };
    } catch (error) {
      await uploads.settle();
      await this.discard(ctx, set, parts);
      throw error;
    }
  }

  /**
   * Writes a spooled Parquet upload as parts with DuckDB alone (see `partsFromFile`); answers undefined,
   * having written nothing, for an append whose columns are not exactly the table's.
   */
  private async putFile(
    ctx: TenantContext,
    upload: ParquetUpload,
    target: PutTarget,
  ): Promise<StoredPayload | undefined> {
    const spooled = await upload.spool();
    const { file, names, rows } = spooled;
    const types = spooled.types.map((type, index) => (spooled.beyondInt64[index] ? 'number' : type));
    const previous = target.append ? (target.existing?.kindMeta as TableKindMeta | undefined) : undefined;
    const columns = previous
      ? previous.columns
      : // Names are checked and keyed as for any new column.
        new TableSchema(names.map((name, index) => ({ name, type: types[index] }) as ColumnSchema)).columns;
    const same =
      columns.length === names.length &&
      columns.every((column, index) => column.name === names[index] && column.type === types[index]);
    if (!same) return undefined;
    const db = this.databases.db(ctx);
    const set = previous
      ? (target.existing?.collection as string)
      : `parts_${randomBytes(12).toString('hex')}`;
    const first = previous ? await reserveRowIds(db, set, rows) : 0;
    const parts: PartRecord[] = [];
    const scratch: string[] = [];
    const uploads = new PartUploads(PARALLEL_UPLOADS);
    try {
      for await (const part of partsFromFile(this.engine, file, columns, first)) {
        scratch.push(part.file);
        // Part uploads in flight while DuckDB writes the next.
        await uploads.add(async () => {
          const blob = await storePart(ctx, this.blobs, this.cache, part);
          parts.push(indexEntry(set, part, blob));
        });
      }
      await uploads.drain();
      if (parts.length > 0) await db.collection<PartRecord>(PARTS_COLLECTION).insertMany(parts);
      if (!previous)
        await db.collection<{ _id: string; next: number }>(COUNTERS).insertOne({ _id: set, next: rows });
    } catch (error) {
      await uploads.settle();
      await this.discard(ctx, set, parts);
      throw error;
    } finally {
      await Promise.all(scratch.map((path) => rm(path, { force: true })));
    }
    const kindMeta: TableKindMeta = {
      columns,
      rows: (previous?.rows ?? 0) + rows,
      sparse: previous?.sparse ?? false,
    };
    return { collection: set, kindMeta };
  }

  /** Removes what a failed put stored: its parts' blobs and index documents. */
  private async discard(ctx: TenantContext, set: string, parts: readonly PartRecord[]): Promise<void> {
    await Promise.all(parts.map((part) => this.blobs.remove(ctx, part.blob).catch(() => undefined)));
    await this.databases
      .db(ctx)
      .collection<PartRecord>(PARTS_COLLECTION)
      .deleteMany({ set, blob: { $in: parts.map((part) => part.blob) } })
      .catch(() => undefined);
  }

  async get(ctx: TenantContext, meta: MetadataRecord): Promise<ParquetTable> {
    const index = this.databases.db(ctx).collection<PartRecord>(PARTS_COLLECTION);
    return new ParquetTable(
      ctx,
      this.engine,
      this.cache,
      index,
      this.datasetCache,
      meta.collection as string,
      meta.kindMeta as TableKindMeta,
      meta.name,
    );
  }

  async release(ctx: TenantContext, meta: Pick<MetadataRecord, 'collection'>): Promise<void> {
    if (!meta.collection) return;
    this.datasetCache.forgetParts(ctx, meta.collection);
    const db = this.databases.db(ctx);
    const index = db.collection<PartRecord>(PARTS_COLLECTION);
    const parts = await index.find({ set: meta.collection }, { projection: { blob: 1 } }).toArray();
    for (const part of parts) await this.blobs.remove(ctx, part.blob);
    await index.deleteMany({ set: meta.collection });
    await db.collection<{ _id: string }>(COUNTERS).deleteOne({ _id: meta.collection });
  }
}

/** The part-index document of a part stored as `blob`. */
function indexEntry(set: string, part: FilePart, blob: string): PartRecord {
  const { first, rows, bytes, sha256, types, stats } = part;
  return { set, first, rows, bytes, sha256, blob, types, stats, created: new Date() };
}

async function reserveRowIds(db: Db, set: string, count: number): Promise<number> {
  const before = await db
    .collection<{ _id: string; next: number }>(COUNTERS)
    .findOneAndUpdate({ _id: set }, { $inc: { next: count } }, { upsert: true, returnDocument: 'before' });
  return before?.next ?? 0;
}
