import { OmegaError } from '@omega/core';
import type { Collection, Document, FindCursor } from 'mongodb';
import type { ColumnSchema } from './column-types';
import { Condition, SortKey, toMongoFilter, toMongoSort } from './table-filter';
import { columnsArePlain, documentReader, ROW_ID_KEY, TableKindMeta } from './table-schema';
import type { TableReader } from './table-reader';
import type { TableRecord } from './table-source';

export interface TableQuery {
  conditions?: readonly Condition[];
  /** A subset of columns, in the order wanted; all columns when absent. */
  columns?: readonly ColumnSchema[];
  sort?: readonly SortKey[];
  skip?: number;
  limit?: number;
}

export const AGGREGATES = ['count', 'sum', 'mean', 'min', 'max'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface AggregateSpec {
  conditions?: readonly Condition[];
  groupby: readonly ColumnSchema[];
  aggregates: readonly { column: ColumnSchema; fn: Aggregate }[];
}

/** Rows handed out per chunk when reading: one cursor batch, bounded memory. */
export const READ_CHUNK_ROWS = 5000;
/** Groups an aggregation may answer; min/max issue one indexed query per group. */
export const MAX_GROUPS = 10_000;

/**
 * A read handle on one stored table: what `store.get()` answers for `table.rows`. Nothing is read until
 * a method is called; every method pushes filters, projection, sort and paging down to MongoDB.
 */
export class TableView implements TableReader {
  readonly columns: readonly ColumnSchema[];
  readonly rows: number;

  constructor(
    private readonly collection: Collection,
    private readonly meta: TableKindMeta,
  ) {
    this.columns = meta.columns;
    this.rows = meta.rows;
  }

  /** Records in chunks, with the user's column names, in the requested column order. */
  async *chunks(query: TableQuery = {}, chunkRows = READ_CHUNK_ROWS): AsyncGenerator<TableRecord[]> {
    const selected = query.columns ?? this.columns;
    const subset = query.columns !== undefined;
    const read = documentReader(selected, {
      plain: !subset && columnsArePlain(this.columns),
      sparse: this.meta.sparse,
    });
    const projection: Document = subset
      ? Object.fromEntries([['_id', 0], ...selected.map((column) => [column.key, 1])])
      : { [ROW_ID_KEY]: 0 };
    const cursor = this.cursor(query, projection, chunkRows);
    yield* batches(cursor, chunkRows, read);
  }

  /** All matching records at once: for small results only. */
  async toRecords(query: TableQuery = {}): Promise<TableRecord[]> {
    const records: TableRecord[] = [];
    for await (const chunk of this.chunks(query)) records.push(...chunk);
    return records;
  }

  /** Row ids of the matching rows, in query order (the index of the `dict` orientation). */
  async *rowIds(query: TableQuery = {}): AsyncGenerator<number[]> {
    const cursor = this.cursor(query, { [ROW_ID_KEY]: 1 }, READ_CHUNK_ROWS);
    yield* batches(cursor, READ_CHUNK_ROWS, (document) => document[ROW_ID_KEY] as number);
  }

  /** One column's `[rowId, value]` pairs, in query order: lets column-major output stream. */
  async *columnValues(query: TableQuery, column: ColumnSchema): AsyncGenerator<[number, unknown][]> {
    const cursor = this.cursor(query, { [ROW_ID_KEY]: 1, [column.key]: 1 }, READ_CHUNK_ROWS);
    yield* batches(cursor, READ_CHUNK_ROWS, (document) => [
      document[ROW_ID_KEY] as number,
      document[column.key] ?? null,
    ]);
  }

  async count(conditions: readonly Condition[] = []): Promise<number> {
    if (conditions.length === 0) return this.rows;
    return this.collection.countDocuments(toMongoFilter(conditions));
  }

  /**
   * Grouped aggregates, computed by MongoDB. Sums and counts come from one `$group` per column; means are
   * sum / count of non-null values; min and max are an indexed sort-and-limit per group, which works on
   * every MongoDB-wire server (FerretDB has no `$min`/`$max`/`$avg` accumulators).
   */
  async aggregate(spec: AggregateSpec): Promise<TableRecord[]> {
    const base = toMongoFilter(spec.conditions ?? []);
    const groupId = Object.fromEntries(spec.groupby.map((column, index) => [`g${index}`, `$${column.key}`]));
    const groups = new Map<string, TableRecord>();
    const keyOf = (id: Record<string, unknown> | null) =>
      JSON.stringify(spec.groupby.map((_c, index) => id?.[`g${index}`] ?? null));
    const groupRow = (id: Record<string, unknown> | null): TableRecord => {
      const key = keyOf(id);
      let row = groups.get(key);
      if (!row) {
        row = Object.fromEntries(
          spec.groupby.map((column, index) => [column.name, id?.[`g${index}`] ?? null]),
        );
        groups.set(key, row);
        if (groups.size > MAX_GROUPS)
          throw OmegaError.invalidInput(`aggregation has more than ${MAX_GROUPS} groups`);
      }
      return row;
    };

    // Every group present in the filtered rows, even where an aggregated column is all null.
    const allGroups = await this.collection
      .aggregate<{ _id: Record<string, unknown> | null; n: number }>([
        { $match: base },
        { $group: { _id: spec.groupby.length ? groupId : null, n: { $count: {} } } },
      ])
      .toArray();
    for (const group of allGroups) groupRow(group._id);

    const byColumn = new Map<string, { column: ColumnSchema; fns: Set<Aggregate> }>();
    for (const { column, fn } of spec.aggregates) {
      if (
        fn !== 'count' &&
        column.type !== 'number' &&
        column.type !== 'integer' &&
        !(fn === 'min' || fn === 'max')
      ) {
        throw OmegaError.invalidInput(`${fn} needs a numeric column; ${column.name} is ${column.type}`);
      }
      const entry = byColumn.get(column.name) ?? { column, fns: new Set<Aggregate>() };
      entry.fns.add(fn);
      byColumn.set(column.name, entry);
    }

    for (const { column, fns } of byColumn.values()) {
      const nonNull = mergeFilter(base, { [column.key]: { $ne: null } });
      if (fns.has('count') || fns.has('sum') || fns.has('mean')) {
        const numeric = column.type === 'number' || column.type === 'integer';
        const counts = await this.groupTotals(
          nonNull,
          groupId,
          spec.groupby.length > 0,
          { $count: {} },
          keyOf,
        );
        const sums = numeric
          ? await this.groupTotals(
              nonNull,
              groupId,
              spec.groupby.length > 0,
              { $sum: `$${column.key}` },
              keyOf,
            )
          : new Map<string, number>();
        for (const [key, row] of groups) {
          const n = counts.get(key) ?? 0;
          const sum = sums.get(key) ?? 0;
          if (fns.has('count')) row[`${column.name}_count`] = n;
          if (fns.has('sum')) row[`${column.name}_sum`] = numeric ? sum : null;
          if (fns.has('mean')) row[`${column.name}_mean`] = numeric && n > 0 ? sum / n : null;
        }
      }
      for (const fn of ['min', 'max'] as const) {
        if (!fns.has(fn)) continue;
        for (const [key, row] of groups) {
          const values = JSON.parse(key) as unknown[];
          const groupFilter = Object.fromEntries(
            spec.groupby.map((group, index) => [group.key, { $eq: values[index] }]),
          );
          const [first] = await this.collection
            .find(mergeFilter(nonNull, groupFilter), { projection: { _id: 0, [column.key]: 1 } })
            .sort({ [column.key]: fn === 'min' ? 1 : -1 })
            .limit(1)
            .toArray();
          row[`${column.name}_${fn}`] = first ? (first[column.key] ?? null) : null;
        }
      }
    }
    return [...groups.values()].sort((a, b) => compareGroups(a, b, spec.groupby));
  }

  /**
   * One accumulator per `$group`: FerretDB 1.24 computes only the first accumulator of a stage correctly
   * (the others come back as 0), so counts and sums are asked for separately.
   */
  private async groupTotals(
    match: Record<string, unknown>,
    groupId: Record<string, string>,
    grouped: boolean,
    accumulator: Record<string, unknown>,
    keyOf: (id: Record<string, unknown> | null) => string,
  ): Promise<Map<string, number>> {
    const totals = await this.collection
      .aggregate<{ _id: Record<string, unknown> | null; v: number }>([
        { $match: match },
        { $group: { _id: grouped ? groupId : null, v: accumulator } },
      ])
      .toArray();
    return new Map(totals.map((entry) => [keyOf(entry._id), entry.v]));
  }

  private cursor(query: TableQuery, projection: Document, batchSize: number): FindCursor<Document> {
    let cursor = this.collection
      .find(toMongoFilter(query.conditions ?? []), { projection, batchSize })
      .sort(toMongoSort(query.sort ?? []));
    if (query.skip) cursor = cursor.skip(query.skip);
    if (query.limit !== undefined) cursor = cursor.limit(query.limit);
    return cursor;
  }
}

async function* batches<T>(
  cursor: FindCursor<Document>,
  size: number,
  convert: (document: Record<string, unknown>) => T,
): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  try {
    for await (const document of cursor) {
      chunk.push(convert(document));
      if (chunk.length >= size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  } finally {
    await cursor.close();
  }
}

function mergeFilter(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  if (Object.keys(a).length === 0) return b;
  return { $and: [a, b] };
}

function compareGroups(a: TableRecord, b: TableRecord, groupby: readonly ColumnSchema[]): number {
  for (const column of groupby) {
    const x = a[column.name] as never;
    const y = b[column.name] as never;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
