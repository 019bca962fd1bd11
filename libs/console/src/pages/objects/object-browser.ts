import { Injectable } from '@nestjs/common';
import { MetadataRecord, OmegaStores, StorePrefix, TenantContext } from '@omega/core';
import { isTableReader, SQL_REFERENCE_KIND, TableView } from '@omega/datasets';
import { ModelKindMeta, ModelsService, ModelVersion } from '@omega/models';
import { formatBytes } from '../../rendering/view-filters';
import { ListingPage, namePage } from '../listing/cursor-page';
import { firstRows } from './first-rows';

/** Rows a dataset preview shows. */
export const PREVIEW_ROWS = 20;

export type BrowsedStore = 'datasets' | 'models' | 'files';

const PREFIX: Record<BrowsedStore, StorePrefix> = { datasets: 'data', models: 'models', files: 'files' };

export interface ObjectRow {
  name: string;
  kind: string;
  modified: Date;
  /** Rows of a table, versions of a model, bytes of a file. */
  summary: string;
}

export type DatasetPreview =
  | { shape: 'table'; columns: { name: string; type: string }[]; rows: unknown[][]; total?: number }
  | { shape: 'document'; value: unknown }
  /** Read on its own page, with its placeholders' values. */
  | { shape: 'sql' };

/** What the object browser shows of the stores: listings with a search, and one object in detail. */
@Injectable()
export class ObjectBrowser {
  constructor(
    private readonly stores: OmegaStores,
    private readonly models: ModelsService,
  ) {}

  /** One page of a store's listing, by name from a cursor, with a search. */
  async list(
    ctx: TenantContext,
    store: BrowsedStore,
    query: { q?: string; after?: string; bucket?: string },
  ): Promise<ListingPage<ObjectRow>> {
    const page = await namePage(this.stores.for(PREFIX[store]), ctx, store, query);
    return { ...page, items: page.items.map((meta) => ({ ...pick(meta), summary: summary(store, meta) })) };
  }

  /** The dataset's entry and its first rows (tables) or its value, cut short (JSON documents). */
  async dataset(
    ctx: TenantContext,
    name: string,
  ): Promise<{ meta: MetadataRecord; preview: DatasetPreview }> {
    const meta = await this.stores.datasets.metadata(ctx, name);
    if (meta.kind === SQL_REFERENCE_KIND) return { meta, preview: { shape: 'sql' } };
    const value = await this.stores.datasets.get(ctx, name);
    if (!isTableReader(value)) return { meta, preview: { shape: 'document', value } };
    const { columns, rows } = await firstRows(value, PREVIEW_ROWS);
    const kindMeta = meta.kindMeta as { rows?: unknown };
    return {
      meta,
      preview: {
        shape: 'table',
        columns,
        rows,
        // Stored tables know their size; counting would read them all.
        total: typeof kindMeta?.rows === 'number' ? kindMeta.rows : (value as Partial<TableView>).rows,
      },
    };
  }

  async model(
    ctx: TenantContext,
    name: string,
  ): Promise<{ meta: MetadataRecord; tags: Record<string, number>; versions: ModelVersion[] }> {
    const meta = await this.models.metadata(ctx, name);
    const { tags, versions } = await this.models.versions(ctx, name);
    return { meta, tags, versions };
  }

  file(ctx: TenantContext, name: string): Promise<MetadataRecord> {
    return this.stores.files.metadata(ctx, name);
  }
}

/** A plain word finds every name containing it; a glob (`*`, `?`) is taken as it is. */
export function searchPattern(search: string | undefined): string | undefined {
  const text = search?.trim();
  if (!text) return undefined;
  return /[*?]/.test(text) ? text : `*${text}*`;
}

function pick(meta: MetadataRecord): Omit<ObjectRow, 'summary'> {
  return { name: meta.name, kind: meta.kind, modified: meta.modified };
}

function summary(store: BrowsedStore, meta: MetadataRecord): string {
  const kindMeta = meta.kindMeta ?? {};
  if (store === 'models') {
    const versions = (kindMeta as Partial<ModelKindMeta>).versions?.length ?? 0;
    return `${versions} version${versions === 1 ? '' : 's'}`;
  }
  if (store === 'files') return formatBytes(kindMeta.size);
  return typeof kindMeta.rows === 'number' ? `${kindMeta.rows} rows` : '';
}
