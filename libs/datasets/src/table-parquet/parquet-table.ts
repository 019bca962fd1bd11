import type { DuckDBConnection, DuckDBResult, DuckDBValue } from '@duckdb/node-api';
import { OmegaError, TenantContext } from '@omega/core';
import type { Collection } from 'mongodb';
import type { ColumnSchema } from '../table-rows/column-types';
import { type ColumnChunk, RECORD_ROW_ID, type TableReader } from '../table-rows/table-reader';
import type { TableKindMeta } from '../table-rows/table-schema';
import type { TableRecord } from '../table-rows/table-source';
import { AggregateSpec, MAX_GROUPS, READ_CHUNK_ROWS, TableQuery } from '../table-rows/table-view';
import { DuckDbEngine, sqlString } from './duckdb-engine';
import { type ColumnKind, duckdbColumns, duckdbRecords } from './duckdb-records';
import { PartCache } from './part-cache';
import type { DatasetCache } from '../dataset-cache';
import { orderClause, partMayMatch, SqlParams, whereClause } from './parquet-sql';
import { duckType, partColumn, PartRecord } from './part-writer';

/** A query ready to run over local part files: its SQL, parameters, and the parts it holds. */
/** Rows of a version a process keeps to answer reads of the first rows (and small tables whole). */
const HEAD_ROWS = 1000;

export interface PreparedRead {
  sql: string;
  params: DuckDBValue[];
  parts: PartRecord[];
}

/**
 * A read handle on one `table.parquet` version: what `store.get()` answers. Each read asks the part index
 * for the parts its filters may match (pruned by min/max in the index query), makes them local through
 * the cache, and runs one DuckDB query over them with every user value bound as a parameter.
 */
export class ParquetTable implements TableReader {
  readonly columns: readonly ColumnSchema[];
  private readonly positions: Map<ColumnSchema, number>;

  constructor(
    private readonly ctx: TenantContext,
    private readonly engine: DuckDbEngine,
    private readonly cache: PartCache,
    private readonly index: Collection<PartRecord>,
    private readonly datasetCache: DatasetCache,
    readonly set: string,
    readonly meta: TableKindMeta,
    /** The dataset's name: what SQL calls the table. */
    readonly name: string,
  ) {
    this.columns = meta.columns;
    this.positions = new Map(meta.columns.map((column, position) => [column, position]));
  }

  /** Rows as the Metadata counts them (what a summary shows). */
  get rows(): number {
    return this.meta.rows;
  }

  /** All matching records at once: for small results only (previews, model inputs). */
  async toRecords(query: TableQuery = {}): Promise<TableRecord[]> {
    const records: TableRecord[] = [];
    for await (const chunk of this.chunks(query)) records.push(...chunk);
    return records;
  }

  /**
   * Parts that may hold rows matching the conditions, in row order: the version's part list (from the
   * process's cache after the first read) pruned by each part's statistics.
   */
  async parts(query: Pick<TableQuery, 'conditions'> = {}): Promise<PartRecord[]> {
    const all = await this.datasetCache.parts(this.ctx, this.set, this.meta.rows, () =>
      this.index.find({ set: this.set }).sort({ first: 1 }).toArray(),
    );
    const conditions = query.conditions ?? [];
    return all.filter((part) => partMayMatch(part, conditions, this.indexOf));
  }

  /**
   * The parts a query needs: without filters or sort, only those covering `skip … skip + limit` (so
   * `limit=10` reads one part), with the offset into the first of them.
   */
  private async partsFor(query: TableQuery): Promise<{ parts: PartRecord[]; skip: number }> {
    const parts = await this.parts(query);
    const positional = (query.conditions ?? []).length === 0 && (query.sort ?? []).length === 0;
    if (!positional || (query.limit === undefined && !query.skip)) return { parts, skip: query.skip ?? 0 };
    let skip = query.skip ?? 0;
    const wanted: PartRecord[] = [];
    let rows = 0;
    for (const part of parts) {
      if (wanted.length === 0 && skip >= part.rows) {
        skip -= part.rows;
        continue;
      }
      if (query.limit !== undefined && rows >= skip + query.limit) break;
      wanted.push(part);
      rows += part.rows;
    }
    return { parts: wanted, skip };
  }

  private readonly indexOf = (column: ColumnSchema): number => {
    const position = this.positions.get(column) ?? this.columns.findIndex((c) => c.name === column.name);
    if (position < 0) throw OmegaError.invalidInput(`unknown column ${JSON.stringify(column.name)}`);
    return position;
  };

  /**
   * All parts as one relation with the table's current column types; columns a part lacks are null. Parts
   * stored with the same types are read by one scan, consecutive ones only: the relation holds the rows in
   * part order, which a read without a sort answers as it is.
   */
  relationOf(parts: readonly PartRecord[], paths: readonly string[]): string {
    const groups: [string, string[]][] = [];
    parts.forEach((part, index) => {
      const key = part.types.join();
      const last = groups[groups.length - 1];
      if (last?.[0] === key) last[1].push(paths[index]);
      else groups.push([key, [paths[index]]]);
    });
    const selects = groups.map(([key, files]) => {
      const types = key === '' ? [] : key.split(',');
      const columns = this.columns.map((column, position) => {
        const type = duckType(column.type);
        // A column stored as the table's type is read as it is: filters reach the Parquet reader.
        if (types[position] === type) return partColumn(position);
        const source = position < types.length ? partColumn(position) : 'NULL';
        return `CAST(${source} AS ${type}) AS ${partColumn(position)}`;
      });
      return `SELECT _r${columns.map((c) => `, ${c}`).join('')} FROM read_parquet([${files.map(sqlString).join(', ')}])`;
    });
    if (selects.length === 0) {
      const columns = this.columns.map(
        (column, position) => `CAST(NULL AS ${duckType(column.type)}) AS ${partColumn(position)}`,
      );
      return `SELECT CAST(NULL AS BIGINT) AS _r${columns.map((c) => `, ${c}`).join('')} WHERE FALSE`;
    }
    return selects.join(' UNION ALL ');
  }

  /** The output expression of a column: numbers and dates come out as doubles, which JavaScript reads fast. */
  private output(column: ColumnSchema): string {
    const c = partColumn(this.indexOf(column));
    if (column.type === 'integer') return `CAST(${c} AS DOUBLE)`;
    if (column.type === 'datetime') return `CAST(epoch_ms(${c}) AS DOUBLE)`;
    return c;
  }

  /**
   * The SELECT of a read: selected columns (as part columns), filter, order, paging. Outputs: `records`
   * (row id first, numbers and dates as doubles), `raw` (stored types, named `o0`, `o1`, … by position) or
   * `columns` (no row id, integers as BIGINT, dates as epoch-millisecond BIGINTs); `true` is `raw`.
   */
  selectSql(
    query: TableQuery,
    parts: readonly PartRecord[],
    paths: readonly string[],
    skip: number,
    mode: 'records' | 'raw' | 'columns' | boolean = 'records',
  ) {
    const outputs = mode === true ? 'raw' : mode === false ? 'records' : mode;
    const params = new SqlParams();
    const selected = query.columns ?? this.columns;
    // Raw outputs are named by position (`o0` is the first column selected), which is how a caller writing
    // them out (Parquet answers) names them back; not `c…`, which ORDER BY would take for part columns.
    const expressions = selected.map((column, position) => {
      if (outputs === 'raw') return `${partColumn(this.indexOf(column))} AS ${rawOutput(position)}`;
      if (outputs === 'columns' && column.type === 'integer') return partColumn(this.indexOf(column));
      if (outputs === 'columns' && column.type === 'datetime')
        return `epoch_ms(${partColumn(this.indexOf(column))})`;
      return this.output(column);
    });
    let sql = `SELECT ${outputs === 'records' ? '_r, ' : ''}${expressions.join(', ')} FROM (${this.relationOf(parts, paths)})`;
    sql += whereClause(query.conditions ?? [], this.indexOf, params);
    // Without a sort the rows are read in part order as they are: DuckDB keeps a scan's order through
    // WHERE, LIMIT, OFFSET and UNION ALL (preserve_insertion_order, see duckdbLimits), and ordering by `_r`
    // was a blocking sort of the whole answer (1M rows: as much CPU as the scan, and the answer held in
    // DuckDB before its first byte). A filtered read still orders: its sort gathers the few rows each
    // vector keeps into full chunks, where a stream would hand them over a few rows at a time.
    if ((query.sort ?? []).length > 0 || (query.conditions ?? []).length > 0)
      sql += orderClause(query.sort ?? [], this.indexOf);
    if (query.limit !== undefined) sql += ` LIMIT ${params.bind(query.limit)}`;
    if (skip) sql += ` OFFSET ${params.bind(skip)}`;
    return { sql, params: params.values, selected };
  }

  /** Runs `use` with the query's parts local and pinned, and a DuckDB connection; releases both after. */
  async withParts<T>(
    query: TableQuery,
    use: (
      connection: DuckDBConnection,
      read: { parts: PartRecord[]; paths: string[]; skip: number },
    ) => Promise<T>,
  ): Promise<T> {
    const { parts, skip } = await this.partsFor(query);
    const paths = await this.cache.acquire(this.ctx, parts);
    try {
      const connection = await this.engine.connect();
      try {
        return await use(connection, { parts, paths, skip });
      } finally {
        connection.closeSync();
      }
    } finally {
      this.cache.release(parts);
    }
  }

  async *chunks(query: TableQuery = {}, chunkRows = READ_CHUNK_ROWS): AsyncGenerator<TableRecord[]> {
    const head = await this.fromHead(query);
    if (head) {
      if (head.length > 0) yield head;
      return;
    }
    yield* this.chunksOf(query, chunkRows);
  }

  /** The read itself: the parts it needs made local, one DuckDB query over them, records a chunk at a time. */
  private chunksOf(query: TableQuery, chunkRows: number): AsyncGenerator<TableRecord[]> {
    return this.streamed(query, 'records', (result, selected) => {
      const names = selected.map((column) => column.name);
      const dates = selected.map((column) => column.type === 'datetime');
      return duckdbRecords(result, names, dates, { chunkRows, rowIds: true });
    });
  }

  /**
   * The read as columns (what Arrow answers take): DuckDB's chunks gathered to about `chunkRows` rows,
   * numbers, integers and dates (epoch milliseconds) copied from DuckDB's vectors as typed arrays, other
   * columns as the values DuckDB hands over; no record per row and no row id.
   */
  async *columnChunks(query: TableQuery = {}, chunkRows = READ_CHUNK_ROWS): AsyncGenerator<ColumnChunk> {
    const head = await this.fromHead(query);
    if (head) {
      const selected = query.columns ?? this.columns;
      const columns = selected.map((column) => head.map((record) => record[column.name]));
      if (head.length > 0) yield { rows: head.length, columns };
      return;
    }
    yield* this.streamed(query, 'columns', (result, selected) =>
      duckdbColumns(result, selected.map(columnKind), chunkRows),
    );
  }

  /** Runs the query's SELECT over its parts, local and pinned, and hands the streaming result to `read`. */
  private async *streamed<T>(
    query: TableQuery,
    mode: 'records' | 'columns',
    read: (result: DuckDBResult, selected: readonly ColumnSchema[]) => AsyncGenerator<T>,
  ): AsyncGenerator<T> {
    const { parts, skip } = await this.partsFor(query);
    const paths = await this.cache.acquire(this.ctx, parts);
    const connection = await this.engine.connect().catch((error) => {
      this.cache.release(parts);
      throw error;
    });
    try {
      const { sql, params, selected } = this.selectSql(query, parts, paths, skip, mode);
      yield* read(await connection.stream(sql, params), selected);
    } finally {
      connection.closeSync();
      this.cache.release(parts);
    }
  }

  /**
   * A read of the table's first rows without filters or sort (`limit=10`, a small table whole) answered
   * from the process's copy of the first HEAD_ROWS rows of this version: no part, no DuckDB query. The
   * copy is read (from the first part) once per version and process; undefined when the read reaches past
   * it.
   */
  private async fromHead(query: TableQuery): Promise<TableRecord[] | undefined> {
    if ((query.conditions ?? []).length > 0 || (query.sort ?? []).length > 0) return undefined;
    const skip = query.skip ?? 0;
    const end = query.limit === undefined ? this.rows : Math.min(this.rows, skip + query.limit);
    if (end > HEAD_ROWS) return undefined;
    // Only where the first part holds the whole copy: a table of many small appended parts keeps reading
    // just the parts a page needs.
    const [first] = await this.parts();
    if (!first || first.first !== 0 || first.rows < Math.min(this.rows, HEAD_ROWS)) return undefined;
    const head = await this.datasetCache.head(this.ctx, this.set, this.rows, async () => {
      const records: TableRecord[] = [];
      for await (const chunk of this.chunksOf({ limit: HEAD_ROWS }, HEAD_ROWS)) records.push(...chunk);
      return records;
    });
    const selected = query.columns ?? this.columns;
    return head.slice(skip, end).map((record) => {
      const copy: TableRecord = {};
      for (const column of selected) copy[column.name] = record[column.name];
      (copy as Record<symbol, unknown>)[RECORD_ROW_ID] = (record as Record<symbol, unknown>)[RECORD_ROW_ID];
      return copy;
    });
  }

  /** Rows matching the conditions, counted by DuckDB (all rows: from the part index alone). */
  async count(conditions: TableQuery['conditions'] = []): Promise<number> {
    if (conditions.length === 0) {
      const parts = await this.parts();
      return parts.reduce((total, part) => total + part.rows, 0);
    }
    return this.withParts({ conditions }, async (connection, { parts, paths }) => {
      const params = new SqlParams();
      const where = whereClause(conditions, this.indexOf, params);
      const reader = await connection.runAndReadAll(
        `SELECT count(*) FROM (${this.relationOf(parts, paths)})${where}`,
        params.values,
      );
      return Number(reader.getRows()[0][0]);
    });
  }

  /** Grouped `count sum mean min max` as one DuckDB query; groups in order, nulls first, like table.rows. */
  async aggregate(spec: AggregateSpec): Promise<TableRecord[]> {
    for (const { column, fn } of spec.aggregates) {
      const numeric = column.type === 'number' || column.type === 'integer';
      if (fn !== 'count' && !numeric && fn !== 'min' && fn !== 'max')
        throw OmegaError.invalidInput(`${fn} needs a numeric column; ${column.name} is ${column.type}`);
    }
    return this.withParts({ conditions: spec.conditions }, async (connection, { parts, paths }) => {
      const params = new SqlParams();
      const groups = spec.groupby.map((column) => this.output(column));
      const sqlFn = { count: 'count', sum: 'sum', mean: 'avg', min: 'min', max: 'max' } as const;
      const aggregates = spec.aggregates.map(({ column, fn }) => {
        const c = partColumn(this.indexOf(column));
        const value = `${sqlFn[fn]}(${c})`;
        if (column.type === 'datetime' && (fn === 'min' || fn === 'max'))
          return `CAST(epoch_ms(${value}) AS DOUBLE)`;
        if (column.type === 'string' || column.type === 'boolean')
          return fn === 'count' ? `CAST(${value} AS DOUBLE)` : value;
        return `CAST(${value} AS DOUBLE)`;
      });
      let sql = `SELECT ${[...groups, ...aggregates].join(', ') || 'count(*)'} FROM (${this.relationOf(parts, paths)})`;
      sql += whereClause(spec.conditions ?? [], this.indexOf, params);
      if (groups.length > 0) {
        sql += ` GROUP BY ${groups.map((_g, index) => index + 1).join(', ')}`;
        sql += ` ORDER BY ${groups.map((_g, index) => `${index + 1} ASC NULLS FIRST`).join(', ')}`;
      } else sql += ' HAVING count(*) > 0';
      sql += ` LIMIT ${MAX_GROUPS + 1}`;
      const reader = await connection.runAndReadAll(sql, params.values);
      const rows = reader.getRows();
      if (rows.length > MAX_GROUPS)
        throw OmegaError.invalidInput(`aggregation has more than ${MAX_GROUPS} groups`);
      return rows.map((row) => {
        const record: TableRecord = {};
        spec.groupby.forEach((column, index) => {
          record[column.name] = jsValue(row[index], column.type === 'datetime');
        });
        spec.aggregates.forEach(({ column, fn }, index) => {
          const dated = column.type === 'datetime' && (fn === 'min' || fn === 'max');
          record[`${column.name}_${fn}`] = jsValue(row[groups.length + index], dated);
        });
        return record;
      });
    });
  }
}

/** How a column comes out of a `columns` read: see `selectSql`. */
function columnKind(column: ColumnSchema): ColumnKind {
  if (column.type === 'number') return 'double';
  return column.type === 'integer' || column.type === 'datetime' ? 'bigint' : 'values';
}

/** The name of the `position`-th column of a raw select (`selectSql(…, raw = true)`). */
export function rawOutput(position: number): string {
  return `o${position}`;
}

function jsValue(value: unknown, dated: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  return dated ? new Date(value as number) : value;
}
