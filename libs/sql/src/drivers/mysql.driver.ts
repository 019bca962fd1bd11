import type { ColumnType, TableRecord } from '@omega/datasets';
import type { Readable } from 'node:stream';
import { checkedColumns, ResultColumn, SqlRowDriver } from './sql-driver';

interface MysqlField {
  name: string;
  columnType: number;
}

/** The part of a pooled mysql2 (callback API) connection the driver uses. */
export interface MysqlConnection {
  prepare(sql: string, callback: (error: Error | null, statement: { columns: MysqlField[] }) => void): void;
  execute(sql: string, values: unknown[]): { stream(options: { highWaterMark: number }): Readable };
  query(sql: string, callback: (error: (Error & { errno?: number }) | null) => void): void;
  release(): void;
  destroy(): void;
}

// mysql2's column type codes (MySQL protocol).
const TYPES: Record<number, ColumnType> = {
  0: 'number',
  1: 'integer',
  2: 'integer',
  3: 'integer',
  4: 'number',
  5: 'number',
  7: 'datetime',
  8: 'integer',
  9: 'integer',
  10: 'datetime',
  12: 'datetime',
  13: 'integer',
  14: 'datetime',
  246: 'number',
};

/** Pooled connections whose session is already read-only with a statement timeout. */
const prepared = new WeakSet<MysqlConnection>();
/** MySQL's answer to a variable it does not have (MariaDB's `max_statement_time`). */
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

/**
 * MySQL and MariaDB through server-side prepared statements (`execute`): `?` values are bound by the
 * server, never formatted into the text. Rows stream with backpressure: the socket pauses while a chunk
 * waits to be taken.
 */
export class MysqlRowDriver implements SqlRowDriver {
  constructor(
    private readonly pooled: () => Promise<MysqlConnection>,
    private readonly timeoutMs: number,
  ) {}

  /**
   * A pooled connection whose session is read-only, with the statement timeout: MariaDB's
   * `max_statement_time` (seconds, any statement) or else MySQL's `max_execution_time` (milliseconds,
   * SELECT). Set once per connection, when first leased.
   */
  private async acquire(): Promise<MysqlConnection> {
    const connection = await this.pooled();
    if (prepared.has(connection)) return connection;
    const run = (sql: string) =>
      new Promise<void>((resolve, reject) =>
        connection.query(sql, (error) => (error ? reject(error) : resolve())),
      );
    try {
      await run('SET SESSION TRANSACTION READ ONLY');
      await run(`SET SESSION max_statement_time = ${this.timeoutMs / 1000}`).catch(
        (error: Error & { errno?: number }) => {
          if (error.errno !== ER_UNKNOWN_SYSTEM_VARIABLE) throw error;
          return run(`SET SESSION max_execution_time = ${Math.round(this.timeoutMs)}`);
        },
      );
    } catch (error) {
      connection.destroy();
      throw error;
    }
    prepared.add(connection);
    return connection;
  }

  async describe(sql: string): Promise<ResultColumn[]> {
    const connection = await this.acquire();
    try {
      // Preparing reports the result's columns without running the query.
      const statement = await new Promise<{ columns: MysqlField[] }>((resolve, reject) =>
        connection.prepare(sql, (error, prepared) => (error ? reject(error) : resolve(prepared))),
      );
      return checkedColumns(
        (statement.columns ?? []).map((field) => ({
          name: field.name,
          type: TYPES[field.columnType] ?? 'string',
        })),
      );
    } finally {
      connection.release();
    }
  }

  async *chunks(sql: string, values: unknown[], chunkRows: number): AsyncGenerator<TableRecord[]> {
    const connection = await this.acquire();
    const stream = connection.execute(sql, values).stream({ highWaterMark: chunkRows });
    let complete = false;
    try {
      let chunk: TableRecord[] = [];
      for await (const row of stream as AsyncIterable<TableRecord>) {
        chunk.push(row);
        if (chunk.length >= chunkRows) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield chunk;
      complete = true;
    } finally {
      // A result left half-read would poison the pooled connection: drop it instead of returning it.
      if (complete) connection.release();
      else {
        stream.destroy();
        connection.destroy();
      }
    }
  }
}
