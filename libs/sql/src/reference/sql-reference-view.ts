import type { TenantContext } from '@omega/core';
import { ColumnSchema, READ_CHUNK_ROWS, TableQuery, TableReader, TableRecord } from '@omega/datasets';
import type { SqlConnections } from '../connections/sql-connections';
import { sqlError } from '../connections/sql-errors';
import { bindQuery, ParsedQuery } from '../query/placeholders';
import { SqlParams } from '../query/sql-params';
import { wrapQuery } from '../query/sql-text';
import { redactUrl, SqlDialect } from '../url/sql-url';

export interface SqlReferenceRun {
  ctx: TenantContext;
  dialect: SqlDialect;
  /** With secrets filled in: kept in memory only for connecting. */
  resolvedUrl: string;
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
    const lease = connections.lease(run.ctx, run.resolvedUrl);
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
    const lease = this.connections.lease(this.run.ctx, this.run.resolvedUrl);
    try {
      yield* lease.driver.chunks(sql, params.values, chunkRows);
    } catch (error) {
      throw sqlError(error, this.run.dialect, redactUrl(this.run.resolvedUrl), this.run.secrets);
    } finally {
      lease.release();
    }
  }
}
