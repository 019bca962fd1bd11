import type { ColumnType, TableRecord } from '@omega/datasets';
import { checkedColumns, ResultColumn, SqlRowDriver } from './sql-driver';

interface MssqlColumn {
  name: string;
  type?: { declaration?: string };
}

interface MssqlRequest {
  stream: boolean;
  input(name: string, value: unknown): MssqlRequest;
  query(sql: string): unknown;
  pause(): boolean;
  resume(): boolean;
  cancel(): boolean;
  on(event: 'recordset', listener: (columns: Record<string, MssqlColumn>) => void): MssqlRequest;
  on(event: 'row', listener: (row: TableRecord) => void): MssqlRequest;
  on(event: 'error', listener: (error: Error) => void): MssqlRequest;
  on(event: 'done', listener: () => void): MssqlRequest;
}

/** The `mssql` ConnectionPool TypeORM's SqlServerDriver keeps as `master`. */
export interface MssqlPool {
  request(): MssqlRequest;
}

const TYPES: Record<string, ColumnType> = {
  bit: 'boolean',
  tinyint: 'integer',
  smallint: 'integer',
  int: 'integer',
  bigint: 'integer',
  real: 'number',
  float: 'number',
  decimal: 'number',
  numeric: 'number',
  money: 'number',
  smallmoney: 'number',
  date: 'datetime',
  datetime: 'datetime',
  datetime2: 'datetime',
  smalldatetime: 'datetime',
  datetimeoffset: 'datetime',
};

/**
 * SQL Server through the `mssql` package in streaming mode: `@p0` parameters, rows paused while a chunk
 * waits. Wired like the other dialects but untested: no SQL Server runs where the tests run.
 */
export class MssqlRowDriver implements SqlRowDriver {
  constructor(private readonly pool: () => Promise<MssqlPool>) {}

  async describe(sql: string, values: unknown[]): Promise<ResultColumn[]> {
    const columns: ResultColumn[] = [];
    for await (const chunk of this.run(`SELECT TOP (1) * FROM (${sql}) AS omega_q`, values, 1, columns)) {
      void chunk;
    }
    return checkedColumns(columns);
  }

  chunks(sql: string, values: unknown[], chunkRows: number): AsyncGenerator<TableRecord[]> {
    return this.run(sql, values, chunkRows, []);
  }

  private async *run(
    sql: string,
    values: unknown[],
    chunkRows: number,
    columns: ResultColumn[],
  ): AsyncGenerator<TableRecord[]> {
    const request = (await this.pool()).request();
    request.stream = true;
    values.forEach((value, index) => request.input(`p${index}`, value));
    let buffer: TableRecord[] = [];
    let done = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    request.on('recordset', (meta) => {
      for (const column of Object.values(meta))
        columns.push({ name: column.name, type: TYPES[column.type?.declaration ?? ''] ?? 'string' });
    });
    request.on('row', (row) => {
      buffer.push(row);
      if (buffer.length >= chunkRows) {
        request.pause();
        notify();
      }
    });
    request.on('error', (error) => {
      failure = error;
      notify();
    });
    request.on('done', () => {
      done = true;
      notify();
    });
    request.query(sql);
    try {
      for (;;) {
        if (failure) throw failure;
        if (buffer.length >= chunkRows || (done && buffer.length > 0)) {
          const chunk = buffer;
          buffer = [];
          yield chunk;
          request.resume();
          continue;
        }
        if (done) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      if (!done) request.cancel();
    }
  }
}
