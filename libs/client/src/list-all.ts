import type { ListOptions, ListPage } from './types';

const PAGE = 1000;

/**
 * Every object of a list, page by page, unless the caller asks for one page (`limit`/`offset`): the API
 * answers at most 1000 per page and 100 by default, and a silently cut list is a trap.
 */
export async function listAll<T>(
  fetchPage: (query: ListOptions) => Promise<ListPage<T>>,
  options: ListOptions = {},
): Promise<T[]> {
  if (options.limit !== undefined || options.offset !== undefined) return (await fetchPage(options)).objects;
  const all: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await fetchPage({ ...options, offset, limit: PAGE });
    all.push(...page.objects);
    if (page.objects.length < PAGE || all.length >= page.meta.total_count) return all;
  }
}
