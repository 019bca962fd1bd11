import type { DuckDBDataChunk, DuckDBDoubleVector, DuckDBResult } from '@duckdb/node-api';
import { MetadataRecord, OmegaError, OmegaErrorCode, OmegaStores, TenantContext } from '@omega/core';
import {
  ParquetTable,
  rawOutput,
  TABLE_PARQUET_KIND,
  TABLE_ROWS_KIND,
  TableQuery,
  TableView,
} from '@omega/datasets';
import type { ActionParams, DenseFeatures, LoadedModel } from '../engine/model-engine';
import { FeatureBatch, Prediction, recordBatches, RowRange } from './batch-predict';

/** One batch of features packed row-major in one array, and where it starts in the input. */
export interface DenseBatch extends DenseFeatures, RowRange {
  columns: string[];
}

/** Rows `skip … skip + limit` of a table: the one batch a `model.batch_predict_rows` task reads. */
export type RowWindow = Required<Pick<TableQuery, 'skip' | 'limit'>>;

/** Column types a model reads as numbers: booleans count 0/1, as a record's would. */
const NUMERIC = new Set(['number', 'integer', 'boolean']);

/**
 * Whether a stored table's batches can be read column by column: a Parquet table whose columns are all
 * numbers or booleans. Any other (row documents, a text or date column) is read as records, which name
 * the row and value a model cannot take.
 */
export function columnarTable(view: unknown): view is ParquetTable {
  return (
    view instanceof ParquetTable &&
    view.columns.length > 0 &&
    view.columns.every((column) => NUMERIC.has(column.type))
  );
}

/**
 * The table as feature batches of `batchRows` rows, read from DuckDB as double vectors straight into one
 * row-major Float64Array per batch: no record and no row array is made. A missing value (null, NaN,
 * ±Infinity) is refused with its row and column, as the record path refuses it. Only one batch is held.
 */
export async function* denseBatches(
  table: ParquetTable,
  batchRows: number,
  what: string,
  window?: RowWindow,
): AsyncGenerator<DenseBatch> {
  const columns = table.columns.map((column) => column.name);
  const width = columns.length;
  const start = window?.skip ?? 0;
  let data = new Float64Array(batchRows * width);
  let filled = 0;
  let first = start;
  for await (const chunk of duckdbChunks(table, width, window ?? {})) {
    const count = chunk.rowCount;
    let offset = 0;
    while (offset < count) {
      const take = Math.min(count - offset, batchRows - filled);
      for (let j = 0; j < width; j++) {
        const vector = chunk.getColumnVector(j) as DuckDBDoubleVector;
        for (let r = 0; r < take; r++) {
          // Never null: the query reads a missing value as NaN.
          const value = vector.getItem(offset + r) as number;
          // NaN for null (see duckdbChunks), NaN or ±Infinity as stored: none is a finite number.
          if (value - value !== 0)
            throw OmegaError.invalidInput(
              `${what}, row ${first + filled + r}, column ${columns[j]}: null is not a finite number`,
            );
          data[(filled + r) * width + j] = value;
        }
      }
      filled += take;
      offset += take;
      if (filled === batchRows) {
        yield { columns: [...columns], data, rowCount: filled, width, first };
        first += filled;
        filled = 0;
        data = new Float64Array(batchRows * width);
      }
    }
  }
  if (filled === 0 && first === start) throw OmegaError.invalidInput(`${what} has no rows`);
  if (filled > 0)
    yield { columns: [...columns], data: data.subarray(0, filled * width), rowCount: filled, width, first };
}

/**
 * The table's rows as DuckDB data chunks of `width` DOUBLE columns (nulls as NaN), in the order a record
 * read answers them. The parts stay pinned and the connection open until the reader stops.
 */
async function* duckdbChunks(
  table: ParquetTable,
  width: number,
  query: TableQuery,
): AsyncGenerator<DuckDBDataChunk> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let opened!: (result: DuckDBResult) => void;
  const result = new Promise<DuckDBResult>((resolve) => (opened = resolve));
  const reading = table.withParts(query, async (connection, { parts, paths, skip }) => {
    const { sql, params } = table.selectSql(query, parts, paths, skip, true);
    const doubles = Array.from(
      { length: width },
      (_, j) => `COALESCE(CAST(${rawOutput(j)} AS DOUBLE), 'NaN'::DOUBLE)`,
    ).join(', ');
    opened(await connection.stream(`SELECT ${doubles} FROM (${sql})`, params));
    await stopped;
  });
  try {
    const streamed = await Promise.race([result, reading.then(() => undefined)]);
    if (!streamed) return;
    for (;;) {
      const chunk = await streamed.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      yield chunk;
    }
  } finally {
    stop();
    await reading;
  }
}

/** A stored table by name, checked to be a table (either kind): what batch predictions read. */
export async function batchTable(
  stores: OmegaStores,
  ctx: TenantContext,
  name: string,
): Promise<TableView | ParquetTable> {
  await tableMetadata(stores, ctx, name);
  return stores.datasets.get<TableView | ParquetTable>(ctx, name);
}

/**
 * One version of a stored table: its storage (a part set, or the collection of row documents), its rows
 * and column names when resolved. Appends keep the storage and only add rows after these; a replace moves
 * the table to new storage and releases this one.
 */
export interface TableVersion {
  collection: string;
  rows: number;
  columns: string[];
}

/** The table's current version, resolved once: what every batch of a streamed prediction reads. */
export async function tableVersion(
  stores: OmegaStores,
  ctx: TenantContext,
  name: string,
): Promise<TableVersion> {
  return versionOf(await tableMetadata(stores, ctx, name));
}

/**
 * The table `name` at `version`: refused with 409 when the table has moved on (replaced, or columns
 * added) since the version was resolved. Reads of rows below `version.rows` then answer that version's
 * rows, whatever was appended since.
 */
export async function pinnedTable(
  stores: OmegaStores,
  ctx: TenantContext,
  name: string,
  version: TableVersion,
): Promise<TableView | ParquetTable> {
  await currentVersion(stores, ctx, name, version);
  const table = await stores.datasets.get<TableView | ParquetTable>(ctx, name);
  // Storage names are never reused: the same storage before and after the read means `get` read it too.
  await currentVersion(stores, ctx, name, version);
  if (table instanceof ParquetTable && table.set !== version.collection) throw tableChanged(name);
  return table;
}

/** Whether `value` is a TableVersion as a task carries it. */
export function isTableVersion(value: unknown): value is TableVersion {
  const version = value as TableVersion | undefined;
  return (
    typeof version?.collection === 'string' &&
    Number.isInteger(version.rows) &&
    Array.isArray(version.columns) &&
    version.columns.every((column) => typeof column === 'string')
  );
}

/** Fails with 409 unless the table is still at `version` (or that version with rows appended). */
export async function currentVersion(
  stores: OmegaStores,
  ctx: TenantContext,
  name: string,
  version: TableVersion,
): Promise<void> {
  const meta = await stores.datasets.metadata(ctx, name).catch((error: unknown) => {
    if (error instanceof OmegaError && error.code === OmegaErrorCode.NotFound) throw tableChanged(name);
    throw error;
  });
  const now = versionOf(meta);
  if (
    now.collection !== version.collection ||
    now.rows < version.rows ||
    now.columns.length !== version.columns.length ||
    now.columns.some((column, j) => column !== version.columns[j])
  )
    throw tableChanged(name);
}

/** The refusal of a batch whose table version is gone. */
export function tableChanged(name: string): OmegaError {
  return new OmegaError(
    OmegaErrorCode.Conflict,
    `Dataset ${name}: the table changed while it was being scored; predict again`,
  );
}

async function tableMetadata(stores: OmegaStores, ctx: TenantContext, name: string): Promise<MetadataRecord> {
  const meta = await stores.datasets.metadata(ctx, name);
  if (meta.kind !== TABLE_ROWS_KIND && meta.kind !== TABLE_PARQUET_KIND)
    throw OmegaError.invalidInput(`Dataset ${name} is ${meta.kind}; batch predictions read a table`);
  return meta;
}

function versionOf(meta: MetadataRecord): TableVersion {
  const table = meta.kindMeta as { rows?: number; columns?: { name: string }[] } | undefined;
  return {
    collection: String(meta.collection),
    rows: table?.rows ?? 0,
    columns: (table?.columns ?? []).map((column) => column.name),
  };
}

/**
 * A stored table (or the rows of `window`) as dense batches: column by column where the table allows,
 * else record by record, packed the same way.
 */
export async function* tableBatches(
  table: TableView | ParquetTable,
  name: string,
  batchRows: number,
  window?: RowWindow,
): AsyncGenerator<DenseBatch> {
  const what = `Dataset ${name}`;
  if (columnarTable(table)) {
    yield* denseBatches(table, batchRows, what, window);
    return;
  }
  const columns = table.columns.map((column) => column.name);
  const chunks = table.chunks(window ?? {}, batchRows);
  for await (const batch of recordBatches(chunks, columns, batchRows, what, window?.skip ?? 0))
    yield packed(batch, columns);
}

/** Row arrays packed into one array. */
function packed(batch: FeatureBatch, columns: string[]): DenseBatch {
  const width = columns.length;
  const data = new Float64Array(batch.rows.length * width);
  batch.rows.forEach((row, r) => data.set(row, r * width));
  return { columns, data, width, first: batch.first, rowCount: batch.rows.length };
}

/** The batch as the rows a model call takes. */
export function denseRows(batch: DenseBatch): number[][] {
  const { data, width } = batch;
  const rows = new Array<number[]>(batch.rowCount);
  for (let r = 0, k = 0; r < rows.length; r++) {
    const row = new Array<number>(width);
    for (let j = 0; j < width; j++) row[j] = data[k++];
    rows[r] = row;
  }
  return rows;
}

/** `predict` of a loaded model on one batch: packed as it is where the engine takes it, else as rows. */
export function predictDense(
  model: LoadedModel,
  batch: DenseBatch,
  params: ActionParams,
): Promise<Prediction[]> {
  if (model.predictDense) return model.predictDense(batch, params);
  return model.predict!({ columns: batch.columns, rows: denseRows(batch) }, params);
}

/** Row windows of `batchRows` over a table of `rows` rows (a table without rows is refused). */
export async function* rowRanges(rows: number, batchRows: number, what: string): AsyncGenerator<RowRange> {
  if (rows === 0) throw OmegaError.invalidInput(`${what} has no rows`);
  for (let first = 0; first < rows; first += batchRows)
    yield { first, rowCount: Math.min(batchRows, rows - first) };
}
