import { OmegaError } from '@omega/core';
import { parse } from 'csv-parse';
import { Readable, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ColumnSchema, ColumnType, parseText } from '../column-types';
import { cellTooLong, MAX_CELL_CHARS } from '../table-schema';
import { TableRecord, TableSource, WRITE_CHUNK_ROWS } from '../table-source';
import type { TableReader } from '../table-reader';
import type { TableQuery } from '../table-view';
import { writeWithBackpressure } from './stream-writes';

export const CSV_MEDIA_TYPE = 'text/csv';
/** Rows looked at to infer column types when no dtypes are given. */
const INFER_ROWS = 1000;
/**
 * A CSV line is refused past this many characters, while it is being read: the parser never buffers more
 * than one such line, and a row document stays well inside MongoDB's 16 MB.
 */
export const MAX_CSV_LINE_CHARS = 8 * 1024 * 1024;
/** Rows are handed on once they hold this much text, however few: wide rows never pile up in memory. */
const MAX_PENDING_CHARS = 64 * 1024 * 1024;
/** Lines split by hand are shorter than this; a longer one (and the rest of the body) goes to csv-parse. */
const FAST_LINE_CHARS = 64 * 1024;

/** A chunk of CSV rows a column at a time: names in header order, each column's values typed. */
export interface CsvColumns {
  rows: number;
  names: string[];
  values: unknown[][];
}

/**
 * A CSV body: its rows as chunks of records (`chunks`), or as chunks of columns (`columns`, what a
 * columnar writer takes, no record per row), whichever is read first; the same values and errors either way.
 */
export class CsvTableSource extends TableSource {
  constructor(
    chunks: AsyncIterable<TableRecord[]>,
    dtypes: Record<string, ColumnType>,
    readonly columns: AsyncIterable<CsvColumns>,
    /** The body itself, for a writer that parses it otherwise (none of the above read yet). */
    readonly body?: Readable,
  ) {
    super(chunks, dtypes);
  }
}

/**
 * Parses CSV as it arrives. Column types come from `dtypes` or are inferred from the first rows
 * (numbers, booleans, else strings; empty cells are null); later rows must fit them. Lines are counted
 * from the header (line 1) in every message.
 */
export function csvTableSource(body: Readable, dtypes: Record<string, ColumnType> = {}): CsvTableSource {
  return new CsvTableSource(readCsv(body, dtypes, toRecords), dtypes, readCsv(body, dtypes, toColumns), body);
}

/** Converts rows read as text, the first of them on CSV line `line + 1`, to the column types. */
type Convert<T> = (rows: Record<string, string>[], types: Record<string, ColumnType>, line: number) => T;

function cellValue(types: Record<string, ColumnType>, name: string, text: string, line: number): unknown {
  const type = types[name] ?? 'string';
  try {
    return text === '' ? null : type === 'string' ? text : parseText(type, text, name);
  } catch (error) {
    throw OmegaError.invalidInput(`CSV line ${line}: ${(error as Error).message}`);
  }
}

const toRecords: Convert<TableRecord[]> = (rows, types, line) =>
  rows.map((row, index) => {
    const record: TableRecord = {};
    for (const [name, text] of Object.entries(row))
      record[name] = cellValue(types, name, text, line + index + 1);
    return record;
  });

/** As `toRecords`, a column at a time; a failing cell is the one `toRecords` fails on first (row, then column). */
const toColumns: Convert<CsvColumns> = (rows, types, line) => {
  const names = rows.length > 0 ? Object.keys(rows[0]) : [];
  let failed: { row: number; name: string } | undefined;
  const values = names.map((name) => {
    const type = types[name] ?? 'string';
    const column = new Array<unknown>(rows.length);
    for (let row = 0; row < rows.length && (!failed || row < failed.row); row++) {
      const text = rows[row][name];
      if (text === '') column[row] = null;
      else if (type === 'string') column[row] = text;
      else {
        try {
          column[row] = parseText(type, text, name);
        } catch {
          failed = { row, name };
        }
      }
    }
    return column;
  });
  if (failed) cellValue(types, failed.name, rows[failed.row][failed.name], line + failed.row + 1);
  return { rows: rows.length, names, values };
};

async function* readCsv<T>(
  body: Readable,
  dtypes: Record<string, ColumnType>,
  convert: Convert<T>,
): AsyncGenerator<T> {
  const rowsOf = csvRows(body);
  let types: Record<string, ColumnType> | undefined;
  let pending: Record<string, string>[] = [];
  let pendingChars = 0;
  // Lines read, and lines converted (conversion waits for type inference and whole chunks).
  let line = 1;
  let convertedLine = 1;
  const take = () => {
    const converted = convert(pending, types as Record<string, ColumnType>, convertedLine);
    convertedLine += pending.length;
    pending = [];
    pendingChars = 0;
    return converted;
  };
  try {
    for await (const row of rowsOf) {
      line++;
      for (const [name, text] of Object.entries(row)) {
        if (text.length > MAX_CELL_CHARS) throw cellTooLong(name, text.length, `CSV line ${line}`);
        pendingChars += text.length;
      }
      pending.push(row);
      const full = pendingChars >= MAX_PENDING_CHARS;
      if (!types && (full || pending.length >= INFER_ROWS)) types = inferTypes(pending, dtypes);
      if (types && (full || pending.length >= WRITE_CHUNK_ROWS)) yield take();
    }
  } catch (error) {
    if (error instanceof OmegaError) throw error;
    const { code, column } = error as { code?: string; column?: unknown };
    if (code === 'CSV_MAX_RECORD_SIZE') {
      throw OmegaError.invalidInput(
        `CSV line ${line + 1}${column === undefined ? '' : ` (column ${JSON.stringify(column)})`} is longer than ${MAX_CSV_LINE_CHARS} characters`,
      );
    }
    throw OmegaError.invalidInput(`CSV could not be parsed: ${(error as Error).message}`);
  }
  if (!types) types = inferTypes(pending, dtypes);
  if (pending.length > 0) yield take();
}

const PARSE_OPTIONS = {
  columns: true,
  skip_empty_lines: true,
  relax_column_count: false,
  max_record_size: MAX_CSV_LINE_CHARS,
} as const;

/**
 * The body's rows as csv-parse reads them (`columns: true`, empty lines skipped, a BOM dropped, every row
 * as long as the header), split by hand while lines are plain: no quote, no carriage return, as many
 * fields as the header, not near the line limit. From the first line that is not, csv-parse reads the rest
 * of the body, after a header and the line breaks already read, so its rows, errors and line numbers are
 * those it gives reading the whole body.
 */
async function* csvRows(body: Readable): AsyncGenerator<Record<string, string>> {
  const input = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const decoder = new StringDecoder('utf8');
  let text = '';
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await input.next();
    if (next.done) {
      ended = true;
      text += decoder.end();
    } else text += typeof next.value === 'string' ? next.value : decoder.write(next.value);
    return true;
  };
  let names: string[] | undefined;
  let header = '';
  /** Line breaks read after the header. */
  let breaks = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end < 0) {
      text = text.slice(start);
      start = 0;
      if (!ended && text.length < FAST_LINE_CHARS) {
        await more();
        continue;
      }
      if (text.length === 0) return;
    }
    const line = text.slice(start, end < 0 ? text.length : end);
    const plain = line.length < FAST_LINE_CHARS && !line.includes('"') && !line.includes('\r');
    if (!names) {
      if (!plain || line.length === 0 || (start === 0 && line.charCodeAt(0) === 0xfeff)) break;
      names = line.split(',');
      header = line;
    } else {
      if (line.length > 0) {
        const fields = plain ? line.split(',') : undefined;
        if (!fields || fields.length !== names.length) break;
        const row: Record<string, string> = {};
        for (let index = 0; index < fields.length; index++) row[names[index]] = fields[index];
        yield row;
      }
      breaks++;
    }
    if (end < 0) return;
    start = end + 1;
  }
  // csv-parse reads from this line on: first what was read, then the rest of the body.
  const rest = text.slice(start);
  const prefix = names ? `${header}\n${'\n'.repeat(breaks)}` : '';
  async function* remaining(): AsyncGenerator<string> {
    if (prefix.length + rest.length > 0) yield prefix + rest;
    while (await more()) {
      const piece = text;
      text = '';
      if (piece.length > 0) yield piece;
    }
  }
  text = '';
  const source = Readable.from(remaining(), { objectMode: false });
  const parser = source.pipe(parse({ ...PARSE_OPTIONS, bom: names === undefined }));
  source.on('error', (error) => parser.destroy(error));
  body.on('error', (error) => parser.destroy(error));
  yield* parser as AsyncIterable<Record<string, string>>;
}

/** The column types of a body's first rows when no dtypes are given (what the parser infers). */
export function inferCsvTypes(rows: Record<string, string>[]): Record<string, ColumnType> {
  return inferTypes(rows, {});
}

function inferTypes(
  rows: Record<string, string>[],
  dtypes: Record<string, ColumnType>,
): Record<string, ColumnType> {
  const types: Record<string, ColumnType> = {};
  const names = rows.length > 0 ? Object.keys(rows[0]) : [];
  for (const name of names) {
    if (dtypes[name]) {
      types[name] = dtypes[name];
      continue;
    }
    let type: ColumnType = 'null';
    for (const row of rows) {
      const text = row[name];
      if (text === '' || text === undefined) continue;
      const seen: ColumnType =
        text.trim() !== '' && Number.isFinite(Number(text))
          ? Number.isInteger(Number(text)) && !/[.eE]/.test(text)
            ? 'integer'
            : 'number'
          : text === 'true' || text === 'false' || text === 'True' || text === 'False'
            ? 'boolean'
            : 'string';
      type =
        type === 'null'
          ? seen
          : type === seen
            ? type
            : type !== 'string' && seen !== 'string' && type !== 'boolean' && seen !== 'boolean'
              ? 'number'
              : 'string';
    }
    types[name] = type === 'null' ? 'string' : type;
  }
  return types;
}

/**
 * Quoted when a reader could misread the text: separators, quotes and line breaks, and spaces (or a BOM)
 * at either end, which some readers trim or drop.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Each row's line break is written before the next row and the last one only once every row is out: a
 * complete answer ends with a newline, one cut short by a failure does not (see sendStream).
 */
export async function writeCsv(view: TableReader, query: TableQuery, out: Writable): Promise<void> {
  const columns: readonly ColumnSchema[] = query.columns ?? view.columns;
  await writeWithBackpressure(out, columns.map((column) => csvCell(column.name)).join(','));
  for await (const chunk of view.chunks(query)) {
    let text = '';
    for (const record of chunk) {
      text += '\n';
      for (let index = 0; index < columns.length; index++) {
        if (index > 0) text += ',';
        text += csvCell(record[columns[index].name]);
      }
    }
    await writeWithBackpressure(out, text);
  }
  await writeWithBackpressure(out, '\n');
}
