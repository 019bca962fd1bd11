import { And, FindOperator, MoreThan, Raw } from 'typeorm';

/** A page of a listing ordered by name: names after a cursor, containing a text, at most `limit`. */
export interface NamePageQuery {
  /** The last name of the previous page. */
  after?: string;
  /** Only names containing this text. */
  contains?: string;
  limit?: number;
}

/**
 * The condition on the name column for a name page (the cursor left out when `withCursor` is false, for
 * the count). `!` escapes the LIKE wildcards, an escape character every supported database accepts.
 */
export function nameCondition(query: NamePageQuery, withCursor: boolean): FindOperator<string> | undefined {
  const conditions: FindOperator<string>[] = [];
  if (query.contains) {
    const pattern = `%${query.contains.replace(/[!%_]/g, (char) => `!${char}`)}%`;
    conditions.push(Raw((column) => `${column} LIKE :pattern ESCAPE '!'`, { pattern }));
  }
  if (withCursor && query.after !== undefined) conditions.push(MoreThan(query.after));
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : And(...conditions);
}
