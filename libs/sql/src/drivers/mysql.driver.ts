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

/**
 * MySQL and MariaDB through server-side prepared statements (`execute`): `?` values are bound by the
 * server, never formatted into the text. Rows stream with backpressure: the socket pauses while a chunk
 * waits to be taken.
 */
export class MysqlRowDriver implements SqlRowDriver {
  constructor(private readonly acquire: () => Promise<MysqlConnection>) {}

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
