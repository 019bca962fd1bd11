import { OmegaError } from '@omega/core';

/** Column types of a stored table; `null` means "only nulls so far" and widens to the first real type. */
export type ColumnType = 'integer' | 'number' | 'string' | 'boolean' | 'datetime' | 'null';

export interface ColumnSchema {
  /** The user's column name, exactly as given. */
  name: string;
  /** The escaped document key the column is stored under. */
  key: string;
  type: ColumnType;
}

/** pandas and SQL spellings a client may send as dtypes, mapped to ours. */
const DTYPE_ALIASES: Record<string, ColumnType> = {
  int: 'integer',
  int8: 'integer',
  int16: 'integer',
  int32: 'integer',
  int64: 'integer',
  integer: 'integer',
  uint8: 'integer',
  uint16: 'integer',
  uint32: 'integer',
  float: 'number',
  float32: 'number',
  float64: 'number',
  double: 'number',
  number: 'number',
  str: 'string',
  string: 'string',
  object: 'string',
  text: 'string',
  bool: 'boolean',
  boolean: 'boolean',
  date: 'datetime',
  datetime: 'datetime',
  datetime64: 'datetime',
  'datetime64[ns]': 'datetime',
  'datetime64[ms]': 'datetime',
  timestamp: 'datetime',
};

export function parseDtype(column: string, dtype: unknown): ColumnType {
  const type = typeof dtype === 'string' ? DTYPE_ALIASES[dtype.toLowerCase()] : undefined;
  if (!type) {
    throw OmegaError.invalidInput(
      `dtype ${JSON.stringify(dtype)} of column ${JSON.stringify(column)} is not one of ${Object.keys(DTYPE_ALIASES).join(', ')}`,
    );
  }
  return type;
}

export function parseDtypes(dtypes: unknown): Record<string, ColumnType> {
  if (dtypes === undefined || dtypes === null) return {};
  if (typeof dtypes !== 'object' || Array.isArray(dtypes))
    throw OmegaError.invalidInput('dtypes must be an object of column: type');
  return Object.fromEntries(
    Object.entries(dtypes).map(([column, dtype]) => [column, parseDtype(column, dtype)]),
  );
}

/** The type of one JavaScript value as stored, or undefined when it cannot be stored in a table cell. */
export function typeOfValue(value: unknown): ColumnType | undefined {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      return value instanceof Date ? 'datetime' : undefined;
  }
}

/** The narrowest type holding both; undefined when they do not mix (e.g. number and string). */
export function widen(a: ColumnType, b: ColumnType): ColumnType | undefined {
  if (a === b) return a;
  if (a === 'null') return b;
  if (b === 'null') return a;
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number';
  return undefined;
}

/** Reads a text value (query string, CSV cell) as the column's type; throws a clear 400 when it is not one. */
export function parseText(type: ColumnType, text: string, column: string): unknown {
  switch (type) {
    case 'integer':
    case 'number': {
      const value = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(value))
        throw OmegaError.invalidInput(`${JSON.stringify(text)} is not a number (column ${column})`);
      return value;
    }
    case 'boolean': {
      const lowered = text.toLowerCase();
      if (lowered === 'true' || lowered === '1') return true;
      if (lowered === 'false' || lowered === '0') return false;
      throw OmegaError.invalidInput(`${JSON.stringify(text)} is not a boolean (column ${column})`);
    }
    case 'datetime':
      return parseDate(text, column);
    case 'null':
      if (text === '' || text.toLowerCase() === 'null') return null;
      return text;
    default:
      return text;
  }
}

export function parseDate(value: string | number, column: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw OmegaError.invalidInput(`${JSON.stringify(value)} is not a date (column ${column})`);
  }
  return date;
}
