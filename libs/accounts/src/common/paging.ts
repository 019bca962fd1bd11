/** A page of a listing. Listings are bounded so a large installation cannot be dumped in one call. */
export interface Paging {
  limit?: number;
  offset?: number;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function pageOf(paging: Paging = {}): { take: number; skip: number } {
  const limit = Number.isInteger(paging.limit) ? (paging.limit as number) : DEFAULT_PAGE_SIZE;
  const offset = Number.isInteger(paging.offset) ? (paging.offset as number) : 0;
  return { take: Math.min(Math.max(limit, 1), MAX_PAGE_SIZE), skip: Math.max(offset, 0) };
}
