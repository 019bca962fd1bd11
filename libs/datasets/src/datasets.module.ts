import { Module } from '@nestjs/common';
import { DatasetsService } from './datasets.service';
import { JsonDocsModule } from './json-docs/json-docs.module';
import { TableParquetModule } from './table-parquet/table-parquet.module';
import { TableRowsModule } from './table-rows/table-rows.module';

/** Dataset kinds (tables, JSON documents) and the use cases over them. */
@Module({
  imports: [TableRowsModule, TableParquetModule, JsonDocsModule],
  providers: [DatasetsService],
  exports: [DatasetsService],
})
export class DatasetsModule {}
