import { Module } from '@nestjs/common';
import { TableRowsPlugin } from './table-rows.plugin';

/** Importing this module is all it takes to store tables: the plugin registers itself. */
@Module({ providers: [TableRowsPlugin], exports: [TableRowsPlugin] })
export class TableRowsModule {}
