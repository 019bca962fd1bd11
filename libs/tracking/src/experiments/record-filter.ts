import type { Condition, SortKey, TableRecord } from '@omega/datasets';

/**
 * The dataset filter conditions evaluated on records in memory: metric points are stored packed (see
 * metric-blocks.ts), so only the block-level parts of a filter reach the database and the rest is
 * checked here, with the same meaning as the MongoDB filter of a stored table.
 */
export function matchesAll(record: TableRecord, conditions: readonly Condition[]): boolean {
  for (const condition of conditions) if (!matches(record[condition.column.name], condition)) return false;
  return true;
}

function matches(raw: unknown, { op, value }: Condition): boolean {
  const cell = comparable(raw);
  switch (op) {
    case 'eq':
      return cell === comparable(value);
    case 'ne':
      return cell !== comparable(value);
    case 'lt':
      return cell !== null && (cell as number) < (comparable(value) as number);
    case 'lte':
      return cell !== null && (cell as number) <= (comparable(value) as number);
    case 'gt':
      return cell !== null && (cell as number) > (comparable(value) as number);
    case 'gte':
      return cell !== null && (cell as number) >= (comparable(value) as number);
    case 'in':
      return (value as unknown[]).some((item) => comparable(item) === cell);
    case 'nin':
      return !(value as unknown[]).some((item) => comparable(item) === cell);
    case 'contains':
      return typeof cell === 'string' && cell.includes(value as string);
    case 'startswith':
      return typeof cell === 'string' && cell.startsWith(value as string);
    case 'endswith':
      return typeof cell === 'string' && cell.endsWith(value as string);
    case 'isnull':
      return value ? cell === null : cell !== null;
    default:
      return false;
  }
}

/** Dates compare by time; undefined is null. */
function comparable(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.getTime();
  return value as string | number | boolean;
}

/** Nulls first, as MongoDB sorts them. */
export function compareRecords(a: TableRecord, b: TableRecord, sort: readonly SortKey[]): number {
  for (const { column, direction } of sort) {
    const x = comparable(a[column.name]);
    const y = comparable(b[column.name]);
    if (x === y) continue;
    if (x === null) return -direction;
    if (y === null) return direction;
    return (x < y ? -1 : 1) * direction;
  }
  return 0;
}
