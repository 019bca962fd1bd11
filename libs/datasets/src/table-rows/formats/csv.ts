import { OmegaError } from '@omega/core';
import { parse } from 'csv-parse';
import type { Readable, Writable } from 'node:stream';
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

/**
 * Parses CSV as it arrives. Column types come from `dtypes` or are inferred from the first rows
 * (numbers, booleans, else strings; empty cells are null); later rows must fit them. Lines are counted
 * from the header (line 1) in every message.
 */
export function csvTableSource(body: Readable, dtypes: Record<string, ColumnType> = {}): TableSource {
  async function* chunks(): AsyncGenerator<TableRecord[]> {
    const parser = body.pipe(
      parse({
        columns: true,
        skip_empty_lines: true,
        relax_column_count: false,
        bom: true,
        max_record_size: MAX_CSV_LINE_CHARS,
      }),
    );
    body.on('error', (error) => parser.destroy(error));
    let types: Record<string, ColumnType> | undefined;
    let pending: Record<string, string>[] = [];
    let pendingChars = 0;
    // Lines read, and lines converted (conversion waits for type inference and whole chunks).
    let line = 1;
    let convertedLine = 1;
    const convert = (rows: Record<string, string>[]): TableRecord[] =>
      rows.map((row) => {
        convertedLine++;
        const record: TableRecord = {};
        for (const [name, text] of Object.entries(row)) {
          const type = (types as Record<string, ColumnType>)[name] ?? 'string';
          try {
            record[name] = text === '' ? null : type === 'string' ? text : parseText(type, text, name);
          } catch (error) {
            throw OmegaError.invalidInput(`CSV line ${convertedLine}: ${(error as Error).message}`);
          }
        }
        return record;
      });
    try {
      for await (const row of parser as AsyncIterable<Record<string, string>>) {
        line++;
        for (const [name, text] of Object.entries(row)) {
          if (text.length > MAX_CELL_CHARS) throw cellTooLong(name, text.length, `CSV line ${line}`);
          pendingChars += text.length;
        }
        pending.push(row);
        const full = pendingChars >= MAX_PENDING_CHARS;
        if (!types && (full || pending.length >= INFER_ROWS)) types = inferTypes(pending, dtypes);
        if (types && (full || pending.length >= WRITE_CHUNK_ROWS)) {
          yield convert(pending);
          pending = [];
          pendingChars = 0;
        }
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
    if (pending.length > 0) yield convert(pending);
  }
  return new TableSource(chunks(), dtypes);
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
