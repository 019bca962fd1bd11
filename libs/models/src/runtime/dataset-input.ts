import { Injectable } from '@nestjs/common';
import { MetadataRecord, OmegaError, OmegaStores, TenantContext } from '@omega/core';
import {
  JSON_DOCS_KIND,
  ParquetTable,
  TABLE_PARQUET_KIND,
  TABLE_ROWS_KIND,
  TableView,
} from '@omega/datasets';
import type { FeatureMatrix, TargetVector } from '../engine/model-engine';
import { recordRow } from './batch-predict';
import { MAX_CELLS, toFeatureMatrix, toTargets } from './feature-input';

/**
 * Model inputs named by dataset (`?datax=iris_X`): read from the caller's tenant and bucket, all columns
 * in stored order, in chunks, up to the same cell limit as inline input. A stored JSON list or object
 * (`json.docs`) is read as inline input would be, as omega-ml takes a stored list or dict as X.
 */
@Injectable()
export class DatasetInput {
  constructor(private readonly stores: OmegaStores) {}

  async features(ctx: TenantContext, name: string): Promise<FeatureMatrix> {
    const meta = await this.stores.datasets.metadata(ctx, name);
    if (meta.kind === JSON_DOCS_KIND)
      return toFeatureMatrix(await this.jsonDocs(ctx, meta), `Dataset ${name}`);
    const view = await this.table(ctx, meta);
    const columns = view.columns.map((column) => column.name);
    const rows: number[][] = [];
    for await (const chunk of view.chunks()) {
      for (const record of chunk) rows.push(recordRow(record, columns, `Dataset ${name}`, rows.length));
    }
    if (rows.length === 0) throw OmegaError.invalidInput(`Dataset ${name} has no rows`);
    return { columns, rows };
  }

  async targets(ctx: TenantContext, name: string): Promise<TargetVector> {
    const meta = await this.stores.datasets.metadata(ctx, name);
    if (meta.kind === JSON_DOCS_KIND) return toTargets(await this.jsonDocs(ctx, meta), `Dataset ${name}`);
    const view = await this.table(ctx, meta);
    if (view.columns.length !== 1) {
      throw OmegaError.invalidInput(
        `Dataset ${name} has ${view.columns.length} columns; a target dataset has one`,
      );
    }
    const column = view.columns[0].name;
    const values: TargetVector = [];
    for await (const chunk of view.chunks()) {
      for (const record of chunk) {
        const value = record[column];
        if (typeof value !== 'number' && typeof value !== 'string') {
          throw OmegaError.invalidInput(
            `Dataset ${name}, row ${values.length}: ${JSON.stringify(value)} is not a label`,
          );
        }
        values.push(value);
      }
    }
    if (values.length === 0) throw OmegaError.invalidInput(`Dataset ${name} has no rows`);
    return values;
  }

  /** The stored JSON value of a `json.docs` dataset (a list counts its elements, bounded like a table). */
  private async jsonDocs(ctx: TenantContext, meta: MetadataRecord): Promise<unknown> {
    const count = Number((meta.kindMeta as { count?: unknown }).count ?? 0);
    if (count > MAX_CELLS) {
      throw OmegaError.invalidInput(`Dataset ${meta.name} exceeds ${MAX_CELLS} values for one model call`);
    }
    return this.stores.datasets.get(ctx, meta.name);
  }

  /** Either table kind: row documents or columnar parts read through DuckDB. */
  private async table(ctx: TenantContext, meta: MetadataRecord): Promise<TableView | ParquetTable> {
    const name = meta.name;
    if (meta.kind !== TABLE_ROWS_KIND && meta.kind !== TABLE_PARQUET_KIND)
      throw OmegaError.invalidInput(`Dataset ${name} is ${meta.kind}, not a table`);
    const view = await this.stores.datasets.get<TableView | ParquetTable>(ctx, name);
    if (view.rows * Math.max(view.columns.length, 1) > MAX_CELLS) {
      throw OmegaError.invalidInput(`Dataset ${name} exceeds ${MAX_CELLS} values for one model call`);
    }
    return view;
  }
}
