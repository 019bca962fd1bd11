import {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBResult,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  StatementType,
} from '@duckdb/node-api';
import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaStores, TenantContext } from '@omega/core';
import type { ColumnSchema, ColumnType } from '../table-rows/column-types';
import type { TableReader } from '../table-rows/table-reader';
import type { TableRecord } from '../table-rows/table-source';
import { READ_CHUNK_ROWS } from '../table-rows/table-view';
import { duckdbLimits, quoteIdentifier, sqlString } from './duckdb-engine';
import { PartCache } from './part-cache';
import { ParquetTable } from './parquet-table';
import { duckType, partColumn } from './part-writer';
import { TABLE_PARQUET_KIND } from './table-parquet.plugin';

/** Tables one SQL query may name. */
export const MAX_SQL_TABLES = 16;
const MAX_SQL_CHARS = 100_000;
const MISSING_TABLE = /Table with name (.+?) does not exist/;

/**
 * Read-only DuckDB SQL over the caller's columnar tables. Each query gets a DuckDB of its own:
 * - the tables it names are found in a locked-down, empty instance (no file, network or extension access
 *   from the start), where each missing name is looked up in the caller's own bucket and stood in for by
 *   an empty table of the same columns, until the query binds; it must be one SELECT;
 * - a second instance gets one view per named table over that table's cached part files, then may read
 *   exactly those files and nothing else (`allowed_paths`, `enable_external_access=false`, configuration
 *   locked) before the query runs, under a memory limit and a time limit.
 */
@Injectable()
export class SqlSandbox {
  constructor(
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly stores: OmegaStores,
    private readonly cache: PartCache,
  ) {}

  /** Runs the query; `use` reads the answer (as a TableReader) while the query's parts are held. */
  async run<T>(ctx: TenantContext, query: string, use: (reader: TableReader) => Promise<T>): Promise<T> {
    assertQueryText(query);
    const tables = await this.tablesOf(ctx, query);
    const held = await Promise.all(tables.map(async (table) => ({ table, parts: await table.parts() })));
    const acquired: {
      table: ParquetTable;
      parts: Awaited<ReturnType<ParquetTable['parts']>>;
      paths: string[];
    }[] = [];
    try {
      for (const entry of held)
        acquired.push({ ...entry, paths: await this.cache.acquire(ctx, entry.parts) });
      const instance = await DuckDBInstance.create(':memory:', duckdbLimits(this.config));
      const connection = await instance.connect();
      const timer = setTimeout(() => connection.interrupt(), this.config.sqlTimeoutSeconds * 1000);
      try {
        for (const { table, parts, paths } of acquired) {
          const columns = table.columns.map(
            (column, index) => `${partColumn(index)} AS ${quoteIdentifier(column.name)}`,
          );
          const relation = table.relationOf(parts, paths);
          await connection.run(
            `CREATE VIEW ${quoteIdentifier(table.name)} AS SELECT ${columns.join(', ') || '*'} FROM (${relation}) ORDER BY _r`,
          );
        }
        const files = acquired.flatMap(({ paths }) => paths);
        await connection.run(`SET allowed_paths = [${files.map(sqlString).join(', ')}]`);
        await connection.run('SET enable_external_access = false');
        await connection.run('SET lock_configuration = true');
        const result = await this.execute(connection, query);
        return await use(new SqlResultReader(result, this.config.sqlMaxRows));
      } catch (error) {
        throw asQueryError(error, this.config.sqlTimeoutSeconds);
      } finally {
        clearTimeout(timer);
        connection.closeSync();
        instance.closeSync();
      }
    } finally {
      for (const { parts } of acquired) this.cache.release(parts);
    }
  }

  /** Refuses a query that is not one SELECT over the caller's own columnar tables, before any answer starts. */
  async check(ctx: TenantContext, query: string): Promise<void> {
    assertQueryText(query);
    await this.tablesOf(ctx, query);
  }

  private async execute(connection: DuckDBConnection, query: string): Promise<DuckDBResult> {
    const statements = await connection.extractStatements(query);
    if (statements.count !== 1) throw OmegaError.invalidInput('send exactly one SELECT statement');
    const prepared = await statements.prepare(0);
    if (prepared.statementType !== StatementType.SELECT)
      throw OmegaError.invalidInput('only SELECT queries are allowed');
    return prepared.stream();
  }

  /** The caller's tables the query names, found by binding it against empty stand-ins in a sealed instance. */
  private async tablesOf(ctx: TenantContext, query: string): Promise<ParquetTable[]> {
    const instance = await DuckDBInstance.create(':memory:', { ...duckdbLimits(this.config), threads: '1' });
    const connection = await instance.connect();
    const tables: ParquetTable[] = [];
    try {
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
      for (;;) {
        let statements;
        try {
          statements = await connection.extractStatements(query);
        } catch (error) {
          throw asQueryError(error, this.config.sqlTimeoutSeconds);
        }
        if (statements.count !== 1) throw OmegaError.invalidInput('send exactly one SELECT statement');
        try {
          const prepared = await statements.prepare(0);
          if (prepared.statementType !== StatementType.SELECT)
            throw OmegaError.invalidInput('only SELECT queries are allowed');
          return tables;
        } catch (error) {
          if (error instanceof OmegaError) throw error;
          const missing = MISSING_TABLE.exec((error as Error).message)?.[1];
          if (!missing) throw asQueryError(error, this.config.sqlTimeoutSeconds);
          if (tables.length >= MAX_SQL_TABLES)
            throw OmegaError.invalidInput(`a query may name at most ${MAX_SQL_TABLES} tables`);
          const table = await this.table(ctx, missing);
          tables.push(table);
          const columns = table.columns.map(
            (column) => `${quoteIdentifier(column.name)} ${duckType(column.type)}`,
          );
          await connection.run(
            `CREATE TABLE ${quoteIdentifier(missing)} (${columns.join(', ') || 'x INTEGER'})`,
          );
        }
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  private async table(ctx: TenantContext, name: string): Promise<ParquetTable> {
    const exists = await this.stores.datasets.exists(ctx, name).catch(() => false);
    if (!exists) throw OmegaError.invalidInput(`no table ${JSON.stringify(name)} in this bucket`);
    const meta = await this.stores.datasets.metadata(ctx, name);
    if (meta.kind !== TABLE_PARQUET_KIND)
      throw OmegaError.invalidInput(
        `${name} is ${meta.kind}; SQL reads ${TABLE_PARQUET_KIND} tables (convert it first)`,
      );
    return this.stores.datasets.get<ParquetTable>(ctx, name);
  }
}

function assertQueryText(query: unknown): void {
  if (typeof query !== 'string' || query.trim() === '')
    throw OmegaError.invalidInput('query must be SQL text');
  if (query.length > MAX_SQL_CHARS)
    throw OmegaError.invalidInput(`query is longer than ${MAX_SQL_CHARS} characters`);
}

/** DuckDB's own message, as a 400: the query is the caller's; a time-out says so. */
function asQueryError(error: unknown, seconds: number): unknown {
  if (error instanceof OmegaError) return error;
  const message = (error as Error).message ?? String(error);
  if (/INTERRUPT/i.test(message))
    return OmegaError.invalidInput(`query took longer than ${seconds} s and was stopped`);
  if (
    /^(Parser|Binder|Catalog|Permission|Invalid Input|Conversion|Out of Memory|Not implemented|Constraint|Out of Range) Error/i.test(
      message,
    ) ||
    /Error:/.test(message)
  )
    return OmegaError.invalidInput(`query failed: ${message.split('\n')[0]}`);
  return error;
}

function columnType(typeId: DuckDBTypeId): ColumnType {
  switch (typeId) {
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
      return 'integer';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'number';
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.DATE:
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'datetime';
    default:
      return 'string';
  }
}

/** One pass over a query's answer as table records, up to the row cap. */
class SqlResultReader implements TableReader {
  readonly columns: readonly ColumnSchema[];

  constructor(
    private readonly result: DuckDBResult,
    readonly rowCap: number,
  ) {
    const types = result.columnTypes();
    this.columns = result
      .columnNames()
      .map((name, index) => ({ name, key: name, type: columnType(types[index].typeId) }));
  }

  async *chunks(_query?: unknown, chunkRows = READ_CHUNK_ROWS): AsyncGenerator<TableRecord[]> {
    let pending: TableRecord[] = [];
    let total = 0;
    while (total < this.rowCap) {
      const chunk = await this.result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const columns = chunk.convertColumns(JSDuckDBValueConverter);
      const rows = Math.min(chunk.rowCount, this.rowCap - total);
      for (let row = 0; row < rows; row++) {
        const record: TableRecord = {};
        this.columns.forEach((column, index) => {
          record[column.name] = jsCell(columns[index][row], column.type);
        });
        pending.push(record);
      }
      total += rows;
      if (pending.length >= chunkRows) {
        yield pending;
        pending = [];
      }
    }
    if (pending.length > 0) yield pending;
  }
}

function jsCell(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (type === 'number' && typeof value !== 'number') return Number(value);
  if (type === 'datetime') return value instanceof Date ? value : new Date(String(value));
  if (type === 'string' && typeof value !== 'string')
    return typeof value === 'object'
      ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))
      : String(value);
  return value;
}
