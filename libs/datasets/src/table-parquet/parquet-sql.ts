import { DuckDBTimestampTZValue, DuckDBValue } from '@duckdb/node-api';
import { OmegaError } from '@omega/core';
import type { ColumnSchema } from '../table-rows/column-types';
import type { Condition, SortKey } from '../table-rows/table-filter';
import { partColumn, PartRecord } from './part-writer';

/**
 * Builds DuckDB SQL text from the platform's own names only (`c0`, `_r`, `$1`): every user value is a
 * bound parameter, and user column names are mapped to their part columns before they get here.
 */
export class SqlParams {
  readonly values: DuckDBValue[] = [];

  bind(value: unknown): string {
    this.values.push(toDuckValue(value));
    return `$${this.values.length}`;
  }
}

function toDuckValue(value: unknown): DuckDBValue {
  if (value instanceof Date) return new DuckDBTimestampTZValue(BigInt(value.getTime()) * 1000n);
  if (value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
    return value;
  throw OmegaError.invalidInput(`cannot compare with ${JSON.stringify(value)}`);
}

/**
 * omega-ml's filter semantics as MongoDB gives them to `table.rows`: `ne` and `nin` also keep nulls, `eq`
 * and `in` with null match nulls, comparisons never match nulls.
 */
export function whereClause(
  conditions: readonly Condition[],
  indexOf: (column: ColumnSchema) => number,
  params: SqlParams,
): string {
  if (conditions.length === 0) return '';
  const clauses = conditions.map(({ column, op, value }) => {
    const c = partColumn(indexOf(column));
    switch (op) {
      case 'eq':
        return value === null ? `${c} IS NULL` : `${c} = ${params.bind(value)}`;
      case 'ne':
        return value === null ? `${c} IS NOT NULL` : `${c} IS DISTINCT FROM ${params.bind(value)}`;
      case 'lt':
        return `${c} < ${params.bind(value)}`;
      case 'lte':
        return `${c} <= ${params.bind(value)}`;
      case 'gt':
        return `${c} > ${params.bind(value)}`;
      case 'gte':
        return `${c} >= ${params.bind(value)}`;
      case 'in':
      case 'nin': {
        const items = value as unknown[];
        const present = items.filter((item) => item !== null);
        const withNull = present.length < items.length;
        const list =
          present.length > 0 ? `${c} IN (${present.map((item) => params.bind(item)).join(', ')})` : 'FALSE';
        if (op === 'in') return withNull ? `(${list} OR ${c} IS NULL)` : `(${list})`;
        return withNull ? `(${c} IS NOT NULL AND NOT (${list}))` : `(${c} IS NULL OR NOT (${list}))`;
      }
      case 'contains':
        return `contains(${c}, ${params.bind(value)})`;
      case 'startswith':
        return `starts_with(${c}, ${params.bind(value)})`;
      case 'endswith':
        return `ends_with(${c}, ${params.bind(value)})`;
      case 'isnull':
        return value ? `${c} IS NULL` : `${c} IS NOT NULL`;
      default:
        throw OmegaError.invalidInput(`unknown filter operator ${op as string}`);
    }
  });
  return ` WHERE ${clauses.join(' AND ')}`;
}

/** MongoDB's order: nulls first ascending, last descending; row id last so paging is stable. */
export function orderClause(sort: readonly SortKey[], indexOf: (column: ColumnSchema) => number): string {
  const keys = sort.map(({ column, direction }) => {
    const c = partColumn(indexOf(column));
    return direction === 1 ? `${c} ASC NULLS FIRST` : `${c} DESC NULLS LAST`;
  });
  return ` ORDER BY ${[...keys, '_r ASC'].join(', ')}`;
}

/**
 * Whether a part may hold rows matching every condition, by its part-index statistics: numbers and dates
 * compare against min/max (a part where the column is all null, or absent, has none and cannot match);
 * `isnull` needs nulls. Other conditions rule nothing out. The part list comes from the process's cache,
 * so pruning costs no database round trip.
 */
export function partMayMatch(
  part: Pick<PartRecord, 'stats' | 'types'>,
  conditions: readonly Condition[],
  indexOf: (column: ColumnSchema) => number,
): boolean {
  for (const { column, op, value } of conditions) {
    const index = indexOf(column);
    const stat = part.stats[partColumn(index)];
    if (op === 'isnull' && value === true) {
      if (!((stat?.nulls ?? 0) > 0 || part.types[index] === undefined)) return false;
      continue;
    }
    const comparable = column.type === 'integer' || column.type === 'number' || column.type === 'datetime';
    if (!comparable || value === null || !['eq', 'gt', 'gte', 'lt', 'lte'].includes(op)) continue;
    const min = ordinal(stat?.min);
    const max = ordinal(stat?.max);
    const wanted = ordinal(value);
    if (min === undefined || max === undefined || wanted === undefined) return false;
    if (op === 'eq' && (wanted < min || wanted > max)) return false;
    if (op === 'gt' && !(max > wanted)) return false;
    if (op === 'gte' && !(max >= wanted)) return false;
    if (op === 'lt' && !(min < wanted)) return false;
    if (op === 'lte' && !(min <= wanted)) return false;
  }
  return true;
}

/** A statistic or filter value as a number to compare: dates by their time. */
function ordinal(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}
