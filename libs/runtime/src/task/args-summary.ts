import { escapeKey } from '@omega/core';

const MAX_STRING = 200;
const MAX_KEYS = 20;

/**
 * What a task record keeps of the call's arguments: names, options and sizes, never bulk data. Feature
 * rows sent inline can be megabytes and may be sensitive; the record says how many there were. Keys are
 * escaped: a caller's option name must not become a MongoDB operator.
 */
export function summariseArgs(args: unknown, kwargs: unknown): Record<string, unknown> {
  // Malformed tasks are recorded too (as failures), so nothing here may assume the expected shapes.
  if (!Array.isArray(args) || typeof kwargs !== 'object' || kwargs === null) {
    return { args: summarise(args), kwargs: summarise(kwargs) };
  }
  return {
    args: args.slice(0, MAX_KEYS).map(summarise),
    kwargs: Object.fromEntries(
      Object.entries(kwargs)
        .slice(0, MAX_KEYS)
        .map(([key, value]) => [escapeKey(key), summarise(value)]),
    ),
  };
}

function summarise(value: unknown): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (Array.isArray(value)) return { items: value.length };
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.data)) return { rows: record.data.length };
    return { keys: Object.keys(record).slice(0, MAX_KEYS) };
  }
  return typeof value;
}
