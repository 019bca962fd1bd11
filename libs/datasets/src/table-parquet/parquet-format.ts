import { OmegaError } from '@omega/core';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ColumnType } from '../table-rows/column-types';
import { writeWithBackpressure } from '../table-rows/formats/stream-writes';
import type { TableReader } from '../table-rows/table-reader';
import { TableRecord, TableSource, WRITE_CHUNK_ROWS } from '../table-rows/table-source';
import type { TableQuery } from '../table-rows/table-view';
import { DuckDbEngine, quoteIdentifier, sqlString } from './duckdb-engine';
import { duckdbRecords } from './duckdb-records';
import { ParquetTable, rawOutput } from './parquet-table';
import { OpenPart, partColumn } from './part-writer';

export const PARQUET_MEDIA_TYPE = 'application/vnd.apache.parquet';

/**
 * Answers a read as one Parquet file: DuckDB writes it into the scratch folder (a columnar table straight
 * from its parts, any other table through a temporary table), then it is streamed out and removed. The
 * Parquet footer comes last, so nothing is sent before the whole answer is ready.
 */
export async function writeParquet(
  engine: DuckDbEngine,
  view: TableReader,
  query: TableQuery,
  out: Writable,
): Promise<void> {
  const file = join(engine.scratchDir, `answer-${randomBytes(8).toString('hex')}.parquet`);
  const columns = query.columns ?? view.columns;
  const aliases = (name: (index: number) => string) =>
    columns.map((column, index) => `${name(index)} AS ${quoteIdentifier(column.name)}`);
  try {
    if (view instanceof ParquetTable) {
      await view.withParts(query, async (connection, read) => {
        const { sql, params } = view.selectSql(query, read.parts, read.paths, read.skip, 'raw');
        const named = `SELECT ${aliases(rawOutput).join(', ') || '*'} FROM (${sql})`;
        await connection.run(
          `COPY (${named}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`,
          params,
        );
      });
    } else {
      const part = await OpenPart.open(
        engine,
        columns.map((column) => ({ ...column, key: column.name })),
        0,
      );
      let rows = 0;
      try {
        for await (const chunk of view.chunks(query)) {
          part.append(chunk, rows);
          rows += chunk.length;
        }
      } catch (error) {
        part.close();
        throw error;
      }
      await part.exportAs(file, aliases(partColumn));
    }
    for await (const data of createReadStream(file)) await writeWithBackpressure(out, data as Buffer);
  } finally {
    await rm(file, { force: true });
  }
}

const INT64_MAX = '9223372036854775807';

/** DuckDB column types an uploaded Parquet file may hold, and the table type each becomes. */
function tableType(duckdbType: string): ColumnType | undefined {
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|HUGEINT)$/.test(duckdbType))
    return 'integer';
  if (/^(FLOAT|DOUBLE|DECIMAL.*)$/.test(duckdbType)) return 'number';
  if (duckdbType === 'BOOLEAN') return 'boolean';
  if (duckdbType === 'VARCHAR') return 'string';
  if (/^(DATE|TIMESTAMP.*)$/.test(duckdbType)) return 'datetime';
  return undefined;
}

/** An uploaded Parquet file, spooled to the scratch folder: its path, column names and table types. */
export interface SpooledParquet {
  file: string;
  names: string[];
  types: ColumnType[];
  /**
   * Per column: an integer column holding a value no signed 64-bit integer holds (UBIGINT, HUGEINT), which
   * the columnar kind stores as `number` (table.rows keeps such values as doubles).
   */
  beyondInt64: boolean[];
  /** From the file's footer: no row is read to count them. */
  rows: number;
}

/**
 * A Parquet body. Spooled to the scratch folder first (Parquet's footer is at the end); the columnar kind
 * then writes its parts from the file with DuckDB alone (`spool()`, no row ever becomes a JavaScript
 * object), and any other reader takes it a chunk of records at a time (`chunks`). Column types come from
 * the file's schema. `dispose()` removes the file, whichever way it was read.
 */
export class ParquetUpload extends TableSource {
  private spooled?: Promise<SpooledParquet>;
  private readonly file: string;

  constructor(
    private readonly engine: DuckDbEngine,
    private readonly body: Readable,
  ) {
    const dtypes: Record<string, ColumnType> = {};
    // Records are read only when asked for, after construction: the iterable reaches this upload then.
    const self: { upload?: ParquetUpload } = {};
    super({ [Symbol.asyncIterator]: () => (self.upload as ParquetUpload).records(dtypes) }, dtypes);
    self.upload = this;
    this.file = join(engine.scratchDir, `upload-${randomBytes(8).toString('hex')}.parquet`);
  }

  /** Writes the body to the scratch file once, and reads the file's schema. */
  spool(): Promise<SpooledParquet> {
    this.spooled ??= (async () => {
      await pipeline(this.body, createWriteStream(this.file));
      const connection = await this.engine.connect();
      try {
        let described;
        try {
          described = (
            await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(this.file)})`)
          ).getRows();
        } catch (error) {
          throw OmegaError.invalidInput(`Parquet file could not be read: ${(error as Error).message}`);
        }
        const names = described.map((row) => String(row[0]));
        const types = described.map((row, index) => {
          const type = tableType(String(row[1]));
          if (!type)
            throw OmegaError.invalidInput(
              `column ${JSON.stringify(names[index])}: Parquet type ${String(row[1])} is not supported in tables`,
            );
          return type;
        });
        const wide = described.map((row, index) =>
          /^(UBIGINT|HUGEINT)$/.test(String(row[1]))
            ? `coalesce(bool_or(#${index + 1} > ${INT64_MAX} OR #${index + 1} < -${INT64_MAX} - 1), false)`
            : 'false',
        );
        const [counted] = (
          await connection.runAndReadAll(
            `SELECT count(*)${wide.map((check) => `, ${check}`).join('')} FROM read_parquet(${sqlString(this.file)})`,
          )
        ).getRows();
        const beyondInt64 = counted.slice(1).map((beyond) => beyond === true);
        return { file: this.file, names, types, beyondInt64, rows: Number(counted[0]) };
      } finally {
        connection.closeSync();
      }
    })();
    return this.spooled;
  }

  async dispose(): Promise<void> {
    await rm(this.file, { force: true });
  }

  private async *records(dtypes: Record<string, ColumnType>): AsyncGenerator<TableRecord[]> {
    try {
      const { names, types } = await this.spool();
      names.forEach((name, index) => (dtypes[name] = types[index]));
      const selects = types.map((type, index) => {
        const c = `#${index + 1}`;
        if (type === 'integer' || type === 'number') return `CAST(${c} AS DOUBLE)`;
        if (type === 'datetime') return `CAST(epoch_ms(CAST(${c} AS TIMESTAMPTZ)) AS DOUBLE)`;
        return c;
      });
      const connection = await this.engine.connect();
      try {
        const result = await connection.stream(
          `SELECT ${selects.join(', ')} FROM read_parquet(${sqlString(this.file)})`,
        );
        const dated = types.map((type) => type === 'datetime');
        yield* duckdbRecords(result, names, dated, { chunkRows: WRITE_CHUNK_ROWS, rowIds: false });
      } finally {
        connection.closeSync();
      }
    } finally {
      await this.dispose();
    }
  }
}
