import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Parquet file of the rows `select` answers, made by a DuckDB of the test's own (in `dir`, removed
 * after), as pandas or Spark would hand one over.
 */
export async function parquetFile(select: string, dir: string): Promise<Buffer> {
  const file = join(dir, `upload-${process.pid}-${Date.now()}-${Math.random()}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
    return readFileSync(file);
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(file, { force: true });
  }
}
