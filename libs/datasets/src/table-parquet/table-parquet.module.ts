import { Module } from '@nestjs/common';
import { ChangeEventsModule } from '@omega/core';
import { DatasetCache } from '../dataset-cache';
import { DuckDbEngine } from './duckdb-engine';
import { PartCache } from './part-cache';
import { SqlSandbox } from './sql-sandbox';
import { TableParquetPlugin } from './table-parquet.plugin';

/** Columnar tables: importing this module registers the kind, its DuckDB engine and the part cache. */
@Module({
  imports: [ChangeEventsModule],
  providers: [DuckDbEngine, PartCache, DatasetCache, TableParquetPlugin, SqlSandbox],
  exports: [DuckDbEngine, PartCache, DatasetCache, TableParquetPlugin, SqlSandbox],
})
export class TableParquetModule {}
