import type { TenantContext } from '@omega/core';
import { OmegaError } from '@omega/core';
import {
  AggregateSpec,
  ColumnSchema,
  MAX_GROUPS,
  READ_CHUNK_ROWS,
  TableQuery,
  TableReader,
  TableRecord,
} from '@omega/datasets';
import type { SqlConnections } from '../connections/sql-connections';
import { sqlError } from '../connections/sql-errors';
import { bindQuery, ParsedQuery } from '../query/placeholders';
import { SqlParams } from '../query/sql-params';
import { aggregateQuery, wrapQuery } from '../query/sql-text';
import { redactUrl, SqlDialect } from '../url/sql-url';

export interface SqlReferenceRun {
  ctx: TenantContext;
  dialect: SqlDialect;
  /** With secrets filled in: kept in memory only for connecting. */
  resolvedUrl: string;
  /** Where the reference was checked to lead: the host's address, or the SQLite file's real path. */
  location?: string;
  /** `OMEGA_SQL_TIMEOUT_SECONDS` (as ms) and `OMEGA_SQL_MAX_ROWS`. */
  limits: { timeoutMs: number; maxRows: number };
  query: ParsedQuery;
  sqlvars: Record<string, unknown>;
  /** Secret values, scrubbed from every error message. */
  secrets: readonly string[];
}

/**
 * A SQL reference ready to read: what `store.get()` answers for `sql.reference`. The result's columns are
 * known (the query was described); each `chunks()` call runs the query, with filters, projection, sort
 * and paging applied around it in SQL, and streams the rows.
 */
export class SqlReferenceView implements TableReader {
  private constructor(
    private readonly connections: SqlConnections,
    private readonly run: SqlReferenceRun,
    readonly columns: readonly ColumnSchema[],
  ) {}

  static async open(connections: SqlConnections, run: SqlReferenceRun): Promise<SqlReferenceView> {
    const params = new SqlParams(run.dialect);
    const sql = bindQuery(run.query, run.sqlvars, params);
    const lease = connections.lease(run.ctx, run.resolvedUrl, {
      location: run.location,
      timeoutMs: run.limits.timeoutMs,
    });
    try {
      const described = await lease.driver.describe(sql, params.values);
      const columns = described.map(({ name, type }) => ({ name, key: name, type }));
      return new SqlReferenceView(connections, run, columns);
    } catch (error) {
      throw sqlError(error, run.dialect, redactUrl(run.resolvedUrl), run.secrets);
    } finally {
      lease.release();
    }
  }

  get dialect(): SqlDialect {
    return this.run.dialect;
  }

  /** The most rows a read without a limit answers (`OMEGA_SQL_MAX_ROWS`); announced to the client. */
  get rowCap(): number {
    return this.run.limits.maxRows;
  }

  async *chunks(query: TableQuery = {}, chunkRows = READ_CHUNK_ROWS): AsyncGenerator<TableRecord[]> {
    const params = new SqlParams(this.run.dialect);
    const base = bindQuery(this.run.query, this.run.sqlvars, params);
    const sql = wrapQuery(
      this.run.dialect,
      base,
      {
        columns: query.columns?.map((column) => column.name),
        conditions: query.conditions,
        sort: query.sort,
        skip: query.skip,
        limit: query.limit,
      },
      params,
    );
    if (query.limit !== undefined) {
      yield* this.read(sql, params.values, chunkRows);
      return;
    }
    // Without a limit the answer stops at the cap: the driver's cursor is closed, the query ended.
    let left = this.rowCap;
    for await (const chunk of this.read(sql, params.values, chunkRows)) {
      yield chunk.length <= left ? chunk : chunk.slice(0, left);
      left -= chunk.length;
      if (left <= 0) return;
    }
  }

  /**
   * Grouped aggregates computed by the database (GROUP BY around the query). Counts, sums and means come
   * back as numbers whatever type the driver uses for them (PostgreSQL sends bigint and numeric as text).
   */
  async aggregate(spec: AggregateSpec): Promise<TableRecord[]> {
    for (const { column, fn } of spec.aggregates) {
      if ((fn === 'sum' || fn === 'mean') && column.type !== 'number' && column.type !== 'integer') {
        throw OmegaError.invalidInput(`${fn} needs a numeric column; ${column.name} is ${column.type}`);
      }
    }
    const params = new SqlParams(this.run.dialect);
    const base = bindQuery(this.run.query, this.run.sqlvars, params);
    const sql = aggregateQuery(this.run.dialect, base, spec, params, MAX_GROUPS);
    const rows: TableRecord[] = [];
    for await (const chunk of this.read(sql, params.values, READ_CHUNK_ROWS)) rows.push(...chunk);
    if (rows.length > MAX_GROUPS)
      throw OmegaError.invalidInput(`aggregation has more than ${MAX_GROUPS} groups`);
    const numeric = spec.aggregates
      .filter(({ fn }) => fn === 'count' || fn === 'sum' || fn === 'mean')
      .map(({ column, fn }) => `${column.name}_${fn}`);
    for (const row of rows) {
      for (const key of numeric) {
        const value = row[key];
        if (typeof value === 'string' || typeof value === 'bigint') row[key] = Number(value);
      }
    }
    return rows;
  }

  /** Runs SQL on a leased connection; errors name the database problem without secrets. */
  private async *read(sql: string, values: unknown[], chunkRows: number): AsyncGenerator<TableRecord[]> {
    const lease = this.connections.lease(this.run.ctx, this.run.resolvedUrl, {
      location: this.run.location,
      timeoutMs: this.run.limits.timeoutMs,
    });
    try {
      yield* lease.driver.chunks(sql, values, chunkRows);
    } catch (error) {
      throw sqlError(error, this.run.dialect, redactUrl(this.run.resolvedUrl), this.run.secrets);
    } finally {
      lease.release();
    }
  }
}
