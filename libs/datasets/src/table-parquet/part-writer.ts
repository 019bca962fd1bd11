import { DuckDBAppender, DuckDBConnection, DuckDBTimestampTZValue } from '@duckdb/node-api';
import { BlobStore, TenantContext } from '@omega/core';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ColumnSchema, ColumnType } from '../table-rows/column-types';
import { DuckDbEngine, sqlString } from './duckdb-engine';
import { PartCache } from './part-cache';

/** Rows per part: a part is one Parquet file and one fetch; small enough to prune, large enough to scan. */
export const PART_ROWS = 128 * 1024;
/** Text held by one part being written; past it the part is closed early (wide rows). */
export const PART_MAX_CHARS = 64 * 1024 * 1024;
/** Longest string kept as a part statistic: longer ones are not used for pruning. */
const MAX_STAT_CHARS = 256;

export interface ColumnStats {
  min: unknown;
  max: unknown;
  nulls: number;
}

/** One part-index document: a part of a table version (`set`), its rows and per-column statistics. */
export interface PartRecord {
  set: string;
  /** Row id of the part's first row; row ids order the table. */
  first: number;
  rows: number;
  bytes: number;
  sha256: string;
  blob: string;
  /** DuckDB type of each column the part holds (`c0`, `c1`, …); later columns are absent (null). */
  types: string[];
  /** By parquet column name (`c0`, …). */
  stats: Record<string, ColumnStats>;
  created: Date;
}

export function duckType(type: ColumnType): string {
  switch (type) {
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'datetime':
      return 'TIMESTAMPTZ';
    default:
      return 'VARCHAR';
  }
}

/** The Parquet column of the schema's column at `index`: user names never reach SQL text. */
export function partColumn(index: number): string {
  return `c${index}`;
}

type Cell = (appender: DuckDBAppender, value: unknown) => void;

function cellWriter(type: ColumnType): Cell {
  switch (type) {
    case 'integer':
      return (appender, value) => appender.appendBigInt(BigInt(value as number));
    case 'number':
      return (appender, value) => appender.appendDouble(value as number);
    case 'boolean':
      return (appender, value) => appender.appendBoolean(value as boolean);
    case 'datetime':
      return (appender, value) =>
        appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt((value as Date).getTime()) * 1000n));
    case 'null':
      return (appender) => appender.appendNull();
    default:
      return (appender, value) => appender.appendVarchar(value as string);
  }
}

/**
 * One part being written: rows go into a DuckDB table through its appender, then out as one Parquet file
 * with its statistics. The schema is fixed for the part; a type change closes it and starts another.
 */
export class OpenPart {
  rows = 0;
  chars = 0;
  private readonly table: string;
  private readonly writers: Cell[];
  private readonly keys: string[];
  readonly types: string[];

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly appender: DuckDBAppender,
    readonly first: number,
    columns: readonly ColumnSchema[],
    table: string,
  ) {
    this.table = table;
    this.writers = columns.map((column) => cellWriter(column.type));
    this.keys = columns.map((column) => column.key);
    this.types = columns.map((column) => duckType(column.type));
  }

  static async open(
    engine: DuckDbEngine,
    columns: readonly ColumnSchema[],
    first: number,
  ): Promise<OpenPart> {
    const connection = await engine.connect();
    const table = `w_${randomBytes(8).toString('hex')}`;
    const definition = columns.map((column, index) => `${partColumn(index)} ${duckType(column.type)}`);
    try {
      await connection.run(
        `CREATE TEMP TABLE ${table} (_r BIGINT${definition.map((d) => `, ${d}`).join('')})`,
      );
      const appender = await connection.createAppender(table, 'main', 'temp');
      return new OpenPart(connection, appender, first, columns, table);
    } catch (error) {
      connection.closeSync();
      throw error;
    }
  }

  /** Row documents as `TableSchema.toDocuments` makes them: values already checked and typed. */
  append(documents: readonly Record<string, unknown>[], firstRowId: number): void {
    const { appender, writers, keys } = this;
    for (let row = 0; row < documents.length; row++) {
      const document = documents[row];
      appender.appendBigInt(BigInt(firstRowId + row));
      for (let index = 0; index < writers.length; index++) {
        const value = document[keys[index]];
        if (value === null || value === undefined) appender.appendNull();
        else {
          if (typeof value === 'string') this.chars += value.length;
          writers[index](appender, value);
        }
      }
      appender.endRow();
    }
    this.rows += documents.length;
  }

  /** Writes the Parquet file into the scratch folder; answers its path, hash, size and statistics. */
  async finish(
    engine: DuckDbEngine,
  ): Promise<{ file: string; sha256: string; bytes: number; stats: Record<string, ColumnStats> }> {
    const file = join(engine.scratchDir, `part-${randomBytes(8).toString('hex')}.parquet`);
    try {
      this.appender.closeSync();
      const stats = await this.statistics();
      await this.connection.run(
        `COPY (SELECT * FROM ${this.table} ORDER BY _r) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${PART_ROWS})`,
      );
      const hash = createHash('sha256');
      for await (const data of createReadStream(file)) hash.update(data as Buffer);
      const { size } = await stat(file);
      return { file, sha256: hash.digest('hex'), bytes: size, stats };
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    } finally {
      this.close();
    }
  }

  /** Writes the rows as one Parquet file with the given output columns (`c0 AS "name"`), in row order. */
  async exportAs(file: string, outputs: readonly string[]): Promise<void> {
    try {
      this.appender.closeSync();
      const select = `SELECT ${outputs.join(', ') || '*'} FROM ${this.table} ORDER BY _r`;
      await this.connection.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
    } finally {
      this.close();
    }
  }

  close(): void {
    try {
      this.appender.closeSync();
    } catch {
      // Already closed by finish().
    }
    this.connection
      .run(`DROP TABLE IF EXISTS ${this.table}`)
      .finally(() => this.connection.closeSync())
      .catch(() => undefined);
  }

  private async statistics(): Promise<Record<string, ColumnStats>> {
    if (this.types.length === 0) return {};
    const parts = this.types.map((_type, index) => {
      const column = partColumn(index);
      return `min(${column}), max(${column}), count(*) - count(${column})`;
    });
    const reader = await this.connection.runAndReadAll(`SELECT ${parts.join(', ')} FROM ${this.table}`);
    const [row] = reader.getRowsJS();
    const stats: Record<string, ColumnStats> = {};
    this.types.forEach((_type, index) => {
      stats[partColumn(index)] = {
        min: statValue(row[index * 3]),
        max: statValue(row[index * 3 + 1]),
        nulls: Number(row[index * 3 + 2]),
      };
    });
    return stats;
  }
}

function statValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.length > MAX_STAT_CHARS) return null;
  return value ?? null;
}

/** Uploads a finished part to GridFS and hands the local file to the cache (the next read is warm). */
export async function storePart(
  ctx: TenantContext,
  blobs: BlobStore,
  cache: PartCache,
  finished: { file: string; sha256: string; bytes: number },
): Promise<string> {
  try {
    const stored = await blobs.upload(ctx, createReadStream(finished.file), {
      filename: `${finished.sha256}.parquet`,
      contentType: 'application/vnd.apache.parquet',
    });
    await cache.adopt(finished.file, finished.sha256, finished.bytes);
    return stored.id;
  } catch (error) {
    await rm(finished.file, { force: true });
    throw error;
  }
}
