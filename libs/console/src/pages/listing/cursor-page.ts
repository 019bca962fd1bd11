import { MetadataRecord, OmegaStore, TenantContext } from '@omega/core';
import { CONSOLE_BASE } from '../../rendering/console-files';
import { searchPattern } from '../objects/object-browser';

/** Rows one page of a listing shows. */
export const PAGE_SIZE = 50;

/** One page of a listing: its rows, how many match in all, and the links to the next and first page. */
export interface ListingPage<T> {
  items: T[];
  total: number;
  /** Where the next page is, when there is one. */
  nextHref?: string;
  /** Back to the first page, when this is not it. */
  firstHref?: string;
}

/**
 * A page of a store's entries by name, from a cursor (the last name of the previous page): reading page
 * 20 of 1,000 datasets walks the name index from there rather than skipping 950 entries.
 */
export async function namePage(
  store: OmegaStore,
  ctx: TenantContext,
  path: string,
  query: { q?: string; after?: string; bucket?: string; kind?: string },
  pageSize = PAGE_SIZE,
): Promise<ListingPage<MetadataRecord>> {
  const { items, total } = await store.list(ctx, {
    pattern: searchPattern(query.q),
    kind: query.kind,
    after: query.after,
    limit: pageSize + 1,
  });
  return namedPage(
    path,
    query,
    items.slice(0, pageSize),
    total,
    items.length > pageSize,
    (meta) => meta.name,
  );
}

/** A console URL with its query (empty values left out), for links the templates escape. */
export function pageHref(path: string, params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return `${CONSOLE_BASE}/${path}${text ? `?${text}` : ''}`;
}

/** The page of a listing read with one row more than shown: that extra row tells there is a next page. */
export function namedPage<T>(
  path: string,
  query: { q?: string; after?: string; bucket?: string },
  shown: T[],
  total: number,
  more: boolean,
  nameOf: (item: T) => string,
): ListingPage<T> {
  // The search and bucket stay with every page; the cursor is the last name shown.
  const params = { q: query.q, bucket: query.bucket };
  return {
    items: shown,
    total,
    nextHref: more ? pageHref(path, { ...params, after: nameOf(shown[shown.length - 1]) }) : undefined,
    firstHref: query.after !== undefined ? pageHref(path, params) : undefined,
  };
}
