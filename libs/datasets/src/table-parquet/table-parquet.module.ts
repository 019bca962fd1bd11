import { Module } from '@nestjs/common';
import { DuckDbEngine } from './duckdb-engine';
import { PartCache } from './part-cache';
import { TableParquetPlugin } from './table-parquet.plugin';

/** Columnar tables: importing this module registers the kind, its DuckDB engine and the part cache. */
@Module({
  providers: [DuckDbEngine, PartCache, TableParquetPlugin],
  exports: [DuckDbEngine, PartCache, TableParquetPlugin],
})
export class TableParquetModule {}
