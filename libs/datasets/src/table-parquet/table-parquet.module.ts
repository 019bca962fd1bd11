import { Module } from '@nestjs/common';
import { DuckDbEngine } from './duckdb-engine';
import { PartCache } from './part-cache';
import { SqlSandbox } from './sql-sandbox';
import { TableParquetPlugin } from './table-parquet.plugin';

/** Columnar tables: importing this module registers the kind, its DuckDB engine and the part cache. */
@Module({
  providers: [DuckDbEngine, PartCache, TableParquetPlugin, SqlSandbox],
  exports: [DuckDbEngine, PartCache, TableParquetPlugin, SqlSandbox],
})
export class TableParquetModule {}
