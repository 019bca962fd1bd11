import { OmegaError } from '@omega/core';
import { ColumnSchema, parseDate, parseText } from './column-types';
import { ROW_ID_KEY } from './table-schema';

export const FILTER_OPS = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'nin',
  'contains',
  'startswith',
  'endswith',
  'isnull',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface Condition {
  column: ColumnSchema;
  op: FilterOp;
  /** Already cast to the column's type (an array for in/nin, a boolean for isnull). */
  value: unknown;
}

export interface SortKey {
  column: ColumnSchema;
  direction: 1 | -1;
}

/** Query parameters that are not filters. */
export const RESERVED_PARAMS = new Set([
  'columns',
  'sort',
  'skip',
  'limit',
  'orient',
  'format',
  'kind',
  // Values for the `{placeholders}` of a SQL reference's query, as a JSON object.
  'sqlvars',
]);

const MAX_IN_VALUES = 10_000;

/**
 * Reads omega-ml's `column__op=value` filters. A plain `column=value` means equality. Values are cast to
 * the stored column type, so `price__gt=10` compares numbers. Text values come from query strings, typed
 * values from JSON bodies; both end up cast the same way.
 */
export function parseFilters(
  filters: Record<string, unknown>,
  columns: readonly ColumnSchema[],
  source: 'text' | 'json',
): Condition[] {
  const byName = new Map(columns.map((column) => [column.name, column]));
  const conditions: Condition[] = [];
  for (const [param, raw] of Object.entries(filters)) {
    let column = byName.get(param);
    let op: FilterOp = 'eq';
    if (!column) {
      const split = param.lastIndexOf('__');
      if (split <= 0) throw OmegaError.invalidInput(`unknown column ${JSON.stringify(param)}`);
      const name = param.slice(0, split);
      const opText = param.slice(split + 2);
      column = byName.get(name);
      if (!column)
        throw OmegaError.invalidInput(
          `unknown column ${JSON.stringify(name)} in filter ${JSON.stringify(param)}`,
        );
      if (!(FILTER_OPS as readonly string[]).includes(opText)) {
        throw OmegaError.invalidInput(
          `unknown filter operator ${JSON.stringify(opText)}; use one of ${FILTER_OPS.join(', ')}`,
        );
      }
      op = opText as FilterOp;
    }
    if (Array.isArray(raw) && source === 'text') {
      throw OmegaError.invalidInput(`filter ${JSON.stringify(param)} is given more than once`);
    }
    conditions.push({ column, op, value: castFilterValue(column, op, raw, source) });
  }
  return conditions;
}

function castFilterValue(column: ColumnSchema, op: FilterOp, raw: unknown, source: 'text' | 'json'): unknown {
  if (op === 'isnull') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw OmegaError.invalidInput(`${column.name}__isnull takes true or false`);
  }
  if (op === 'in' || op === 'nin') {
    const items = Array.isArray(raw)
      ? raw
      : typeof raw === 'string'
        ? raw === ''
          ? []
          : raw.split(',')
        : undefined;
    if (!items) throw OmegaError.invalidInput(`${column.name}__${op} takes a list`);
    if (items.length > MAX_IN_VALUES)
      throw OmegaError.invalidInput(`${column.name}__${op} takes at most ${MAX_IN_VALUES} values`);
    return items.map((item) => castOne(column, item, source));
  }
  if (op === 'contains' || op === 'startswith' || op === 'endswith') {
    if (column.type !== 'string') {
      throw OmegaError.invalidInput(
        `${column.name}__${op} needs a string column; ${column.name} is ${column.type}`,
      );
    }
    if (typeof raw !== 'string') throw OmegaError.invalidInput(`${column.name}__${op} takes a string`);
    return raw;
  }
  return castOne(column, raw, source);
}

function castOne(column: ColumnSchema, raw: unknown, source: 'text' | 'json'): unknown {
  if (raw === null) return null;
  if (source === 'text' || typeof raw === 'string') {
    if (typeof raw !== 'string') throw OmegaError.invalidInput(`bad value for ${column.name}`);
    return column.type === 'string' ? raw : parseText(column.type, raw, column.name);
  }
  switch (column.type) {
    case 'integer':
    case 'number':
      if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
      break;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      break;
    case 'datetime':
      if (typeof raw === 'number') return parseDate(raw, column.name);
      break;
    default:
      break;
  }
  throw OmegaError.invalidInput(
    `value ${JSON.stringify(raw)} does not fit column ${column.name} (${column.type})`,
  );
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The MongoDB filter for a list of conditions (all must hold). Every value is data, never an operator. */
export function toMongoFilter(conditions: readonly Condition[]): Record<string, unknown> {
  const clauses = conditions.map(({ column, op, value }) => {
    const key = column.key;
    switch (op) {
      case 'eq':
        return { [key]: { $eq: value } };
      case 'ne':
        return { [key]: { $ne: value } };
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        return { [key]: { [`$${op}`]: value } };
      case 'in':
        return { [key]: { $in: value } };
      case 'nin':
        return { [key]: { $nin: value } };
      case 'contains':
        return { [key]: { $regex: escapeRegex(value as string) } };
      case 'startswith':
        return { [key]: { $regex: `^${escapeRegex(value as string)}` } };
      case 'endswith':
        return { [key]: { $regex: `${escapeRegex(value as string)}$` } };
      case 'isnull':
        return value ? { [key]: { $eq: null } } : { [key]: { $ne: null } };
      default:
        throw OmegaError.invalidInput(`unknown filter operator ${op as string}`);
    }
  });
  if (clauses.length === 0) return {};
  if (clauses.length === 1) return clauses[0];
  return { $and: clauses };
}

export function parseColumns(spec: unknown, columns: readonly ColumnSchema[]): ColumnSchema[] | undefined {
  if (spec === undefined || spec === '' || spec === null) return undefined;
  const names = Array.isArray(spec) ? spec : typeof spec === 'string' ? spec.split(',') : undefined;
  if (!names || names.some((name) => typeof name !== 'string'))
    throw OmegaError.invalidInput('columns must be a list of names');
  const byName = new Map(columns.map((column) => [column.name, column]));
  return (names as string[]).map((name) => {
    const column = byName.get(name);
    if (!column) throw OmegaError.invalidInput(`unknown column ${JSON.stringify(name)}`);
    return column;
  });
}

/** `a,-b` (or `['a', '-b']`): ascending a, then descending b. */
export function parseSort(spec: unknown, columns: readonly ColumnSchema[]): SortKey[] {
  if (spec === undefined || spec === '' || spec === null) return [];
  const items = Array.isArray(spec) ? spec : typeof spec === 'string' ? spec.split(',') : undefined;
  if (!items || items.some((item) => typeof item !== 'string'))
    throw OmegaError.invalidInput('sort must be a list of columns');
  const byName = new Map(columns.map((column) => [column.name, column]));
  return (items as string[]).map((item) => {
    const descending = item.startsWith('-');
    const name = descending ? item.slice(1) : item;
    const column = byName.get(name);
    if (!column) throw OmegaError.invalidInput(`unknown sort column ${JSON.stringify(name)}`);
    return { column, direction: descending ? -1 : 1 };
  });
}

/** Sort keys as MongoDB takes them, always ending on the row id so paging is stable. */
export function toMongoSort(sort: readonly SortKey[]): Record<string, 1 | -1> {
  const spec: Record<string, 1 | -1> = {};
  for (const key of sort) spec[key.column.key] = key.direction;
  spec[ROW_ID_KEY] = 1;
  return spec;
}

export function parseCount(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined || value === '' || value === null) return undefined;
  const count = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(count) || count < 0 || count > max) {
    throw OmegaError.invalidInput(`${name} must be an integer between 0 and ${max}`);
  }
  return count;
}
