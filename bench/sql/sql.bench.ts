import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OmegaConfig, OmegaConfigModule, OmegaCoreModule, OmegaStores, TenantContext } from '@omega/core';
import { DatasetsModule, TableReader } from '@omega/datasets';
import { SqlModule } from '@omega/sql';
import Cursor from 'pg-cursor';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { formatInt, formatRatio, formatTable, formatTarget, note } from '../support/report';
import { measure, perSecond, timeText } from '../support/timing';

/** Rows per fetch, on both paths: the SQL reference's read chunk. */
const BATCH = 5000;
const TARGET = 0.8;
/** The same server-generated rows for both paths: an integer, a double and a 32-character text. */
const QUERY = 'SELECT n, n * 0.5 AS half, md5(n::text) AS label FROM generate_series(1, {rows}::int) AS n';

@Module({})
class BenchSqlModule {
  static forRoot(config: OmegaConfig): DynamicModule {
    return {
      module: BenchSqlModule,
      imports: [OmegaConfigModule.forRoot(config), OmegaCoreModule, DatasetsModule, SqlModule],
    };
  }
}

export interface SqlBenchResult {
  rows: number;
  paths: { path: string; seconds: number; nodeCpuSeconds: number; rowsPerSec: number; ratio: number }[];
  target: number;
  targetMet: boolean;
  table: string;
}

interface ReadBack {
  rows: number;
  checksum: number;
}

/**
 * Reads N generated rows from PostgreSQL through a SQL reference (store API: Metadata, secret decryption,
 * pooled TypeORM DataSource, describe, cursor in chunks) and through `pg` + pg-cursor alone, same batches.
 */
export async function runSqlBench(deps: {
  rows: number;
  postgresUrl: string;
  config: OmegaConfig;
}): Promise<SqlBenchResult> {
  const context = await NestFactory.createApplicationContext(
    BenchSqlModule.forRoot({
      ...deps.config,
      // The reference stores the server's password encrypted, as in production: a key for this run.
      secretKey: deps.config.secretKey ?? randomBytes(32).toString('hex'),
      // The benchmark's server is usually on loopback, which references reach only when allowed.
      sqlHosts: deps.config.sqlHosts ?? [new URL(deps.postgresUrl).hostname],
    }),
    {
      logger: ['error', 'warn'],
    },
  );
  const raw = new DataSource({ type: 'postgres', url: deps.postgresUrl, poolSize: 1 });
  await raw.initialize();
  try {
    const stores = context.get(OmegaStores);
    const ctx = TenantContext.of('default');
    await stores.datasets.put(ctx, 'bench-sql', { sqlUrl: deps.postgresUrl, query: QUERY });
    const rawSql = QUERY.replace('{rows}', '$1');
    const paths: { key: string; label: string; read(rows: number): Promise<ReadBack> }[] = [
      { key: 'raw', label: 'pg + pg-cursor', read: (rows) => readRaw(raw, rawSql, rows) },
      {
        key: 'sql-reference',
        label: 'SQL reference (store)',
        read: async (rows) => {
          const reader = await stores.datasets.get<TableReader>(ctx, 'bench-sql', { sqlvars: { rows } });
          const back = { rows: 0, checksum: 0 };
          for await (const chunk of reader.chunks()) {
            back.rows += chunk.length;
            for (const record of chunk) back.checksum += record.n as number;
          }
          return back;
        },
      },
    ];
    const results = [];
    for (const path of paths) {
      await path.read(10_000);
      const measured = await measure(() => path.read(deps.rows));
      if (measured.value.rows !== deps.rows || measured.value.checksum !== (deps.rows * (deps.rows + 1)) / 2)
        throw new Error(
          `${path.label} read back ${measured.value.rows} rows, checksum ${measured.value.checksum}`,
        );
      note(`${path.label}: read ${formatInt(deps.rows)} rows in ${timeText(measured)}`);
      results.push({ path: path.key, label: path.label, measured });
    }
    const rawRate = perSecond(deps.rows, results[0].measured.seconds);
    const rows = results.map(({ path, label, measured }) => {
      const rowsPerSec = perSecond(deps.rows, measured.seconds);
      return {
        path,
        label,
        seconds: measured.seconds,
        nodeCpuSeconds: measured.cpuSeconds,
        rowsPerSec,
        ratio: rowsPerSec / rawRate,
      };
    });
    const reference = rows[1];
    const table = formatTable(
      ['path', 'read rows/s', 'ratio', 'target', 'node CPU s'],
      rows.map((row) => [
        row.label,
        formatInt(row.rowsPerSec),
        formatRatio(row.ratio),
        row.path === 'raw' ? '(baseline)' : formatTarget(row.ratio, TARGET),
        row.nodeCpuSeconds.toFixed(1),
      ]),
    );
    await stores.datasets.drop(ctx, 'bench-sql');
    return {
      rows: deps.rows,
      paths: rows.map(({ path, seconds, nodeCpuSeconds, rowsPerSec, ratio }) => ({
        path,
        seconds,
        nodeCpuSeconds,
        rowsPerSec,
        ratio,
      })),
      target: TARGET,
      targetMet: reference.ratio >= TARGET,
      table,
    };
  } finally {
    await raw.destroy();
    await context.close();
  }
}

/** The baseline: one pooled `pg` client and a cursor, nothing else. */
async function readRaw(dataSource: DataSource, sql: string, rows: number): Promise<ReadBack> {
  const driver = dataSource.driver as unknown as {
    obtainMasterConnection(): Promise<[{ query(cursor: Cursor): Cursor }, () => void]>;
  };
  const [client, release] = await driver.obtainMasterConnection();
  const cursor = client.query(new Cursor(sql, [rows]));
  const back = { rows: 0, checksum: 0 };
  try {
    for (;;) {
      const batch = await new Promise<Record<string, unknown>[]>((resolve, reject) =>
        cursor.read(BATCH, (error, read) => (error ? reject(error) : resolve(read))),
      );
      if (batch.length === 0) break;
      back.rows += batch.length;
      for (const record of batch) back.checksum += record.n as number;
    }
  } finally {
    await new Promise<void>((resolve) => cursor.close(() => resolve()));
    release();
  }
  return back;
}
