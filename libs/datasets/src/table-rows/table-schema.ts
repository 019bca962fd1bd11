import { escapeKey, OmegaError } from '@omega/core';
import { NUL_REFUSED } from '../storable-text';
import { ColumnSchema, ColumnType, parseDate, typeOfValue, widen } from './column-types';

/**
 * The row id is the document's `_id`: no extra field or index per table, and the primary key orders rows.
 * A user column named `_id` is stored escaped (`~u`), so it never collides.
 */
export const ROW_ID_KEY = '_id';

/** What `kindMeta` of a `table.rows` entry holds. */
export interface TableKindMeta {
  columns: ColumnSchema[];
  rows: number;
  /** True when some rows lack some columns (a later append added them): reads then fill nulls. */
  sparse: boolean;
  [key: string]: unknown;
}

export const MAX_COLUMNS = 4096;
/**
 * Longest text a cell may hold (1 MiB of characters), whatever the upload format: a row is one document,
 * and MongoDB refuses documents over 16 MB with an error that would otherwise surface as a 500.
 */
export const MAX_CELL_CHARS = 1024 * 1024;

/** The 400 for a cell over MAX_CELL_CHARS; `where` names the row as its format counts rows. */
export function cellTooLong(column: string, length: number, where: string): OmegaError {
  return OmegaError.invalidInput(
    `${where}, column ${JSON.stringify(column)}: a value of ${length} characters is longer than the ${MAX_CELL_CHARS} allowed`,
  );
}

/**
 * The schema a table grows while rows are written: column order as first seen, types widened as values
 * arrive (integer → number), declared dtypes fixed. Turns records into row documents in one pass.
 */
export class TableSchema {
  private readonly byName = new Map<string, ColumnSchema>();
  readonly columns: ColumnSchema[] = [];
  private readonly declared: Record<string, ColumnType>;
  sparse: boolean;
  /** True once every key equals its name: then reads can hand documents out as they are. */
  private plain = true;

  constructor(existing: ColumnSchema[] = [], declared: Record<string, ColumnType> = {}, sparse = false) {
    this.declared = declared;
    this.sparse = sparse;
    for (const column of existing) this.add(column.name, column.type, column.key);
    // Declared types of new columns apply when the column first appears, so column order stays the data's.
    for (const [name, type] of Object.entries(declared)) {
      const column = this.byName.get(name);
      if (!column) continue;
      if (column.type !== type && column.type !== 'null') {
        throw OmegaError.invalidInput(
          `column ${JSON.stringify(name)} is stored as ${column.type}, not ${type}`,
        );
      }
      column.type = type;
    }
  }

  get allPlain(): boolean {
    return this.plain;
  }

  /** Converts one chunk of records to row documents with ids from `firstRowId`. */
  toDocuments(records: readonly Record<string, unknown>[], firstRowId: number): Record<string, unknown>[] {
    const documents = new Array<Record<string, unknown>>(records.length);
    for (let index = 0; index < records.length; index++) {
      const record = records[index];
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw OmegaError.invalidInput(`row ${firstRowId + index} is not an object`);
      }
      const known = this.columns.length;
      let matched = 0;
      const document: Record<string, unknown> = { [ROW_ID_KEY]: firstRowId + index };
      for (let c = 0; c < known; c++) {
        const column = this.columns[c];
        const raw = record[column.name];
        if (raw !== undefined) matched++;
        document[column.key] = this.cell(column, raw, firstRowId + index);
      }
      if (matched < Object.keys(record).length) {
        // New columns: add them; earlier rows lack them, so the table becomes sparse.
        for (const name of Object.keys(record)) {
          if (this.byName.has(name)) continue;
          if (firstRowId + index > 0) this.sparse = true;
          const column = this.add(name, this.declared[name] ?? 'null');
          document[column.key] = this.cell(column, record[name], firstRowId + index);
        }
      }
      documents[index] = document;
    }
    return documents;
  }

  private cell(column: ColumnSchema, raw: unknown, rowId: number): unknown {
    if (raw === undefined || raw === null) return null;
    let value = raw;
    if (typeof value === 'string') {
      if (value.length > MAX_CELL_CHARS) throw cellTooLong(column.name, value.length, `row ${rowId}`);
      if (value.includes('\u0000')) {
        throw OmegaError.invalidInput(`column ${JSON.stringify(column.name)} row ${rowId}: ${NUL_REFUSED}`);
      }
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      // NaN is pandas' "missing"; infinities cannot be stored by every MongoDB-wire server.
      if (Number.isNaN(value)) return null;
      throw OmegaError.invalidInput(
        `column ${JSON.stringify(column.name)} row ${rowId}: infinite numbers cannot be stored`,
      );
    }
    if (column.type === 'datetime' && (typeof value === 'string' || typeof value === 'number')) {
      value = parseDate(value, column.name);
    }
    const type = typeOfValue(value);
    if (type === undefined) {
      throw OmegaError.invalidInput(
        `column ${JSON.stringify(column.name)} row ${rowId}: ${Array.isArray(value) ? 'arrays' : 'objects'} are not table values (store nested data as json.docs)`,
      );
    }
    if (type === column.type) return value;
    const declared = this.declared[column.name];
    const widened = widen(column.type, type);
    if (!widened || (declared && widened !== declared)) {
      throw OmegaError.invalidInput(
        `column ${JSON.stringify(column.name)} row ${rowId}: expected ${declared ?? column.type}, got ${type}`,
      );
    }
    column.type = widened;
    return value;
  }

  /** A stored column keeps the key it was written under; a new one is checked and gets its key here. */
  private add(name: string, type: ColumnType, storedKey?: string): ColumnSchema {
    if (this.columns.length >= MAX_COLUMNS)
      throw OmegaError.invalidInput(`tables may have at most ${MAX_COLUMNS} columns`);
    if (storedKey === undefined) assertColumnName(name);
    const column: ColumnSchema = { name, key: storedKey ?? columnKey(name), type };
    if (column.key !== name) this.plain = false;
    this.columns.push(column);
    this.byName.set(name, column);
    return column;
  }
}

/**
 * What a row document's key may be on every MongoDB-wire server: FerretDB trims spaces from the ends of a
 * field path (` `, `a ` then name no field, and reads fail midway) and cannot store keys holding `"` or `\`.
 */
const PATH_SAFE = /^(?!\s)[^"\\]*(?<!\s)$/;
/** Keys of columns whose names are not PATH_SAFE; escaped names never start so (a user's `~` is `~t`). */
const ENCODED_KEY_PREFIX = '~x';

/**
 * The key a column is stored under: its name, escaped where MongoDB needs it (dots, a leading `$`), or for
 * a name that is no safe field path, its UTF-8 bytes in hex. Names stay exactly as given in the schema.
 */
export function columnKey(name: string): string {
  const escaped = escapeKey(name);
  if (PATH_SAFE.test(escaped)) return escaped;
  return ENCODED_KEY_PREFIX + Buffer.from(name, 'utf8').toString('hex');
}

/**
 * Control characters, byte-order marks (CSV and Arrow readers drop a leading one) and halves of a
 * surrogate pair without their other half (not Unicode text).
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Any printable text is a column name (spaces, dots, `$`, quotes, backslashes, any script): stored keys are
 * made safe (columnKey), and every output format quotes names. Empty names, control characters and
 * byte-order marks are refused: CSV, Arrow readers and pandas cannot tell them from a missing header, a
 * line break or an encoding mark.
 */
export function assertColumnName(name: string): void {
  if (name.length === 0) throw OmegaError.invalidInput('column names must not be empty');
  if (UNPRINTABLE.test(name)) {
    throw OmegaError.invalidInput(
      `column name ${JSON.stringify(name)} holds control characters, byte-order marks or broken Unicode, which are not allowed`,
    );
  }
}

/** Turns a stored row document back into a record with the user's column names, in column order. */
export function documentReader(
  columns: readonly ColumnSchema[],
  options: { plain: boolean; sparse: boolean },
): (document: Record<string, unknown>) => Record<string, unknown> {
  if (options.plain && !options.sparse) return (document) => document;
  return (document) => {
    const record: Record<string, unknown> = {};
    for (const column of columns) record[column.name] = document[column.key] ?? null;
    return record;
  };
}

export function columnsArePlain(columns: readonly ColumnSchema[]): boolean {
  return columns.every((column) => column.key === column.name);
}
