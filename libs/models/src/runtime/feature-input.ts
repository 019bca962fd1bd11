import { OmegaError } from '@omega/core';
import type { FeatureMatrix, TargetVector } from '../engine/model-engine';

/** Inline inputs and datasets read for one call stop here (cells = rows × columns). */
export const MAX_CELLS = 20_000_000;

/**
 * omega-ml's model input body: `data` as rows (`[[5.1, 3.5], …]`), records (`[{x: 5.1}, …]`), columns
 * (`{x: [5.1, …]}`) or a flat list reshaped by `shape`; `columns` names (and orders) the features.
 */
export interface InlineInput {
  columns?: unknown;
  data: unknown;
  shape?: unknown;
}

export function isInlineInput(value: unknown): value is InlineInput {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'data' in value;
}

/** Features from an inline body or a bare array of rows/records. */
export function toFeatureMatrix(input: unknown, what = 'X'): FeatureMatrix {
  const body: InlineInput = isInlineInput(input) ? input : { data: input };
  const columns = parseColumns(body.columns, what);
  let data = body.data;
  if (body.shape !== undefined) data = reshape(data, body.shape, what);
  if (Array.isArray(data)) {
    if (data.length === 0) throw OmegaError.invalidInput(`${what} has no rows`);
    if (Array.isArray(data[0]))
      return checked({ columns, rows: data.map((row, i) => numericRow(row, i, what)) }, what);
    if (typeof data[0] === 'object' && data[0] !== null) return fromRecords(data, columns, what);
    // A flat list of numbers is one feature per row (a single column).
    return checked({ columns, rows: data.map((value, i) => [numeric(value, i, 0, what)]) }, what);
  }
  if (typeof data === 'object' && data !== null)
    return fromColumns(data as Record<string, unknown>, columns, what);
  throw OmegaError.invalidInput(
    `${what}.data must be a list of rows, a list of records or an object of columns`,
  );
}

/** Targets: a flat list, a one-column matrix or body, or records/columns with one column. */
export function toTargets(input: unknown, what = 'Y'): TargetVector {
  const body: InlineInput = isInlineInput(input) ? input : { data: input };
  const data = body.data;
  if (Array.isArray(data) && data.every((value) => typeof value === 'number' || typeof value === 'string')) {
    if (data.length === 0) throw OmegaError.invalidInput(`${what} has no values`);
    return data as TargetVector;
  }
  const matrix = toLooseMatrix(body, what);
  if (matrix.some((row) => row.length !== 1))
    throw OmegaError.invalidInput(`${what} must have exactly one column`);
  return matrix.map((row) => row[0]);
}

function toLooseMatrix(body: InlineInput, what: string): Array<Array<number | string>> {
  const { data } = body;
  if (Array.isArray(data)) {
    return data.map((row) => {
      if (Array.isArray(row)) return row as Array<number | string>;
      if (typeof row === 'object' && row !== null) return Object.values(row) as Array<number | string>;
      return [row as number | string];
    });
  }
  if (typeof data === 'object' && data !== null) {
    const columns = Object.values(data as Record<string, unknown>);
    if (columns.length !== 1 || !Array.isArray(columns[0])) {
      throw OmegaError.invalidInput(`${what} must have exactly one column`);
    }
    return (columns[0] as Array<number | string>).map((value) => [value]);
  }
  throw OmegaError.invalidInput(`${what} must be a list of values`);
}

function fromRecords(data: unknown[], columns: string[] | undefined, what: string): FeatureMatrix {
  const names = columns ?? Object.keys(data[0] as object);
  const rows = data.map((record, i) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw OmegaError.invalidInput(`${what} row ${i} is not a record`);
    }
    return names.map((name, j) => {
      if (!(name in record)) throw OmegaError.invalidInput(`${what} row ${i} lacks column ${name}`);
      return numeric((record as Record<string, unknown>)[name], i, j, what);
    });
  });
  return checked({ columns: names, rows }, what);
}

function fromColumns(
  data: Record<string, unknown>,
  columns: string[] | undefined,
  what: string,
): FeatureMatrix {
  const names = columns ?? Object.keys(data);
  const values = names.map((name) => {
    const column = data[name];
    if (!Array.isArray(column))
      throw OmegaError.invalidInput(`${what} column ${name} is missing or not a list`);
    return column;
  });
  const length = values[0]?.length ?? 0;
  if (length === 0) throw OmegaError.invalidInput(`${what} has no rows`);
  if (values.some((column) => column.length !== length)) {
    throw OmegaError.invalidInput(`${what} columns differ in length`);
  }
  const rows = Array.from({ length }, (_, i) => values.map((column, j) => numeric(column[i], i, j, what)));
  return checked({ columns: names, rows }, what);
}

function reshape(data: unknown, shape: unknown, what: string): unknown[][] {
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw OmegaError.invalidInput(`${what}.shape must be [rows, columns]`);
  }
  const [rows, cols] = shape as [number, number];
  const flat = Array.isArray(data) && data.some(Array.isArray) ? (data as unknown[][]).flat() : data;
  if (!Array.isArray(flat) || flat.length !== rows * cols) {
    throw OmegaError.invalidInput(
      `${what}.shape is [${rows}, ${cols}] but data holds ${Array.isArray(flat) ? flat.length : 0} values`,
    );
  }
  return Array.from({ length: rows }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
}

function parseColumns(columns: unknown, what: string): string[] | undefined {
  if (columns === undefined || columns === null) return undefined;
  if (!Array.isArray(columns) || !columns.every((name) => typeof name === 'string')) {
    throw OmegaError.invalidInput(`${what}.columns must be a list of names`);
  }
  return columns as string[];
}

function numericRow(row: unknown, i: number, what: string): number[] {
  if (!Array.isArray(row)) throw OmegaError.invalidInput(`${what} row ${i} is not a list`);
  return row.map((value, j) => numeric(value, i, j, what));
}

function numeric(value: unknown, row: number, column: number, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw OmegaError.invalidInput(
    `${what}[${row}][${column}] is ${JSON.stringify(value) ?? String(value)}, not a finite number`,
  );
}

function checked(matrix: FeatureMatrix, what: string): FeatureMatrix {
  const width = matrix.rows[0]?.length ?? 0;
  if (width === 0) throw OmegaError.invalidInput(`${what} rows have no values`);
  const ragged = matrix.rows.findIndex((row) => row.length !== width);
  if (ragged >= 0) {
    throw OmegaError.invalidInput(
      `${what} row ${ragged} has ${matrix.rows[ragged].length} values, row 0 has ${width}`,
    );
  }
  if (matrix.columns && matrix.columns.length !== width) {
    throw OmegaError.invalidInput(
      `${what} names ${matrix.columns.length} columns but rows have ${width} values`,
    );
  }
  if (matrix.rows.length * width > MAX_CELLS)
    throw OmegaError.invalidInput(`${what} exceeds ${MAX_CELLS} values`);
  return matrix;
}
