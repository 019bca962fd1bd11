import type { AggregateSpec, Condition, SortKey } from '@omega/datasets';
import { OmegaError } from '@omega/core';
import type { SqlDialect } from '../url/sql-url';
import { SqlParams } from './sql-params';

/** A column name quoted for the dialect; the name is checked against the result's columns first. */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  switch (dialect) {
    case 'mysql':
      return `\`${name.replace(/`/g, '``')}\``;
    case 'mssql':
      return `[${name.replace(/]/g, ']]')}]`;
    default:
      return `"${name.replace(/"/g, '""')}"`;
  }
}

export interface WrapSpec {
  columns?: readonly string[];
  conditions?: readonly Condition[];
  sort?: readonly SortKey[];
  skip?: number;
  limit?: number;
}

const ALIAS = 'omega_q';

/**
 * The user's query as a subquery with filters, projection, order and paging around it, every value bound.
 * Without any of those the query runs as it is (some servers cannot nest every statement, e.g. CTEs).
 */
export function wrapQuery(dialect: SqlDialect, base: string, spec: WrapSpec, params: SqlParams): string {
  const conditions = spec.conditions ?? [];
  const sort = spec.sort ?? [];
  const paged = spec.skip !== undefined || spec.limit !== undefined;
  if (!spec.columns && conditions.length === 0 && sort.length === 0 && !paged) return base;
  const q = (name: string) => quoteIdentifier(dialect, name);
  const select = spec.columns ? spec.columns.map(q).join(', ') : '*';
  let text = `SELECT ${select} FROM (${base}) ${dialect === 'mssql' ? 'AS ' : ''}${ALIAS}`;
  if (conditions.length > 0)
    text += ` WHERE ${conditions.map((condition) => whereClause(dialect, condition, params)).join(' AND ')}`;
  if (sort.length > 0) {
    text += ` ORDER BY ${sort.map((key) => `${q(key.column.name)} ${key.direction === 1 ? 'ASC' : 'DESC'}`).join(', ')}`;
  }
  if (paged) text += paging(dialect, spec.skip ?? 0, spec.limit, sort.length > 0);
  return text;
}

/** The SQL of each aggregate; `mean` averages as floating point in every dialect (`* 1.0`). */
const AGGREGATE_SQL: Record<AggregateSpec['aggregates'][number]['fn'], (column: string) => string> = {
  count: (column) => `COUNT(${column})`,
  sum: (column) => `SUM(${column})`,
  mean: (column) => `AVG(${column} * 1.0)`,
  min: (column) => `MIN(${column})`,
  max: (column) => `MAX(${column})`,
};

/**
 * Grouped aggregates around the user's query: `SELECT g, SUM(c) AS c_sum … FROM (query) WHERE … GROUP BY
 * g ORDER BY g`, every value bound. Output columns are named `<column>_<fn>` as for stored tables; at most
 * `maxGroups + 1` rows come back, so the caller can tell when there are too many.
 */
export function aggregateQuery(
  dialect: SqlDialect,
  base: string,
  spec: AggregateSpec,
  params: SqlParams,
  maxGroups: number,
): string {
  const q = (name: string) => quoteIdentifier(dialect, name);
  const groups = spec.groupby.map((column) => q(column.name));
  const values = spec.aggregates.map(
    ({ column, fn }) => `${AGGREGATE_SQL[fn](q(column.name))} AS ${q(`${column.name}_${fn}`)}`,
  );
  const conditions = spec.conditions ?? [];
  const top = dialect === 'mssql' ? `TOP (${maxGroups + 1}) ` : '';
  let text = `SELECT ${top}${[...groups, ...values].join(', ')} FROM (${base}) ${dialect === 'mssql' ? 'AS ' : ''}${ALIAS}`;
  if (conditions.length > 0)
    text += ` WHERE ${conditions.map((condition) => whereClause(dialect, condition, params)).join(' AND ')}`;
  if (groups.length > 0) text += ` GROUP BY ${groups.join(', ')} ORDER BY ${groups.join(', ')}`;
  if (dialect !== 'mssql') text += ` LIMIT ${maxGroups + 1}`;
  return text;
}

function paging(dialect: SqlDialect, skip: number, limit: number | undefined, ordered: boolean): string {
  // Both are validated integers (parseCount), so writing them as literals is safe.
  switch (dialect) {
    case 'mssql':
      return `${ordered ? '' : ' ORDER BY (SELECT NULL)'} OFFSET ${skip} ROWS${limit !== undefined ? ` FETCH NEXT ${limit} ROWS ONLY` : ''}`;
    case 'mysql':
      return ` LIMIT ${limit ?? '18446744073709551615'}${skip ? ` OFFSET ${skip}` : ''}`;
    case 'sqlite':
      return ` LIMIT ${limit ?? -1}${skip ? ` OFFSET ${skip}` : ''}`;
    default:
      return `${limit !== undefined ? ` LIMIT ${limit}` : ''}${skip ? ` OFFSET ${skip}` : ''}`;
  }
}

/** One filter as SQL, with the same meaning as on stored tables (`ne`/`nin` also match nulls). */
export function whereClause(dialect: SqlDialect, condition: Condition, params: SqlParams): string {
  const column = quoteIdentifier(dialect, condition.column.name);
  const { op, value } = condition;
  const like = (pattern: string) => `${column} LIKE ${params.add(pattern)} ESCAPE '!'`;
  switch (op) {
    case 'eq':
      return value === null ? `${column} IS NULL` : `${column} = ${params.add(value)}`;
    case 'ne':
      return value === null
        ? `${column} IS NOT NULL`
        : `(${column} <> ${params.add(value)} OR ${column} IS NULL)`;
    case 'lt':
      return `${column} < ${params.add(value)}`;
    case 'lte':
      return `${column} <= ${params.add(value)}`;
    case 'gt':
      return `${column} > ${params.add(value)}`;
    case 'gte':
      return `${column} >= ${params.add(value)}`;
    case 'in':
    case 'nin': {
      const items = value as unknown[];
      if (items.length === 0) return op === 'in' ? '1 = 0' : '1 = 1';
      const list = items.map((item) => params.add(item)).join(', ');
      return op === 'in' ? `${column} IN (${list})` : `(${column} NOT IN (${list}) OR ${column} IS NULL)`;
    }
    case 'contains':
      return like(`%${escapeLike(value as string)}%`);
    case 'startswith':
      return like(`${escapeLike(value as string)}%`);
    case 'endswith':
      return like(`%${escapeLike(value as string)}`);
    case 'isnull':
      return value ? `${column} IS NULL` : `${column} IS NOT NULL`;
    default:
      throw OmegaError.invalidInput(`unknown filter operator ${op as string}`);
  }
}

/** `!` escapes LIKE's wildcards (and SQL Server's `[`) in every dialect, so no backslash rules apply. */
function escapeLike(text: string): string {
  return text.replace(/[!%_[]/g, (char) => `!${char}`);
}
