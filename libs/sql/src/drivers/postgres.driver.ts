import type { ColumnType, TableRecord } from '@omega/datasets';
import Cursor, { CursorField, CursorResult } from 'pg-cursor';
import { checkedColumns, ResultColumn, SqlRowDriver } from './sql-driver';

/** The part of a pooled `pg` client the driver uses. */
export interface PgClient {
  query(cursor: Cursor): Cursor;
  getTypeParser(oid: number, format?: string): (text: string) => unknown;
}

/** `pg` pool access as TypeORM's PostgresDriver hands it out: a client and its release callback. */
export type PgAcquire = () => Promise<[PgClient, (error?: Error | boolean) => void]>;

const INT8 = 20;
const NUMERIC = 1700;
const TYPES: Record<number, ColumnType> = {
  16: 'boolean',
  20: 'integer',
  21: 'integer',
  23: 'integer',
  26: 'integer',
  700: 'number',
  701: 'number',
  1700: 'number',
  1082: 'datetime',
  1114: 'datetime',
  1184: 'datetime',
};

/**
 * PostgreSQL through a server-side cursor (pg-cursor): `$1` parameters bound by the server, rows fetched
 * `chunkRows` at a time. bigint and numeric arrive as numbers (tables hold doubles), the rest as pg parses.
 */
export class PostgresRowDriver implements SqlRowDriver {
  constructor(private readonly acquire: PgAcquire) {}

  async describe(sql: string, values: unknown[]): Promise<ResultColumn[]> {
    const [client, release] = await this.acquire();
    const cursor = client.query(new Cursor(sql, values, { types: numericTypes(client) }));
    try {
      const { result } = await read(cursor, 1);
      return checkedColumns(
        result.fields.map((field: CursorField) => ({
          name: field.name,
          type: TYPES[field.dataTypeID] ?? 'string',
        })),
      );
    } finally {
      await close(cursor).catch(() => undefined);
      release();
    }
  }

  async *chunks(sql: string, values: unknown[], chunkRows: number): AsyncGenerator<TableRecord[]> {
    const [client, release] = await this.acquire();
    const cursor = client.query(new Cursor(sql, values, { types: numericTypes(client) }));
    let failed: Error | undefined;
    try {
      for (;;) {
        const { rows } = await read(cursor, chunkRows);
        if (rows.length === 0) break;
        yield rows;
        if (rows.length < chunkRows) break;
      }
    } catch (error) {
      failed = error as Error;
      throw error;
    } finally {
      // Closing the portal mid-result leaves the connection clean; after an error the pool drops it.
      await close(cursor).catch(() => undefined);
      release(failed);
    }
  }
}

function numericTypes(client: PgClient) {
  const toNumber = (text: string) => Number(text);
  return {
    getTypeParser: (oid: number, format?: string) =>
      oid === INT8 || oid === NUMERIC ? toNumber : client.getTypeParser(oid, format),
  };
}

function read(cursor: Cursor, rows: number): Promise<{ rows: TableRecord[]; result: CursorResult }> {
  return new Promise((resolve, reject) =>
    cursor.read(rows, (error, read, result) => (error ? reject(error) : resolve({ rows: read, result }))),
  );
}

function close(cursor: Cursor): Promise<void> {
  return new Promise((resolve, reject) => cursor.close((error) => (error ? reject(error) : resolve())));
}
