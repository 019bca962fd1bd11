import type { DuckDBConnection } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ColumnSchema, ColumnType } from '../table-rows/column-types';
import { inferCsvTypes } from '../table-rows/formats/csv';
import { MAX_CELL_CHARS, TableSchema } from '../table-rows/table-schema';
import type { TableRecord } from '../table-rows/table-source';
import { DuckDbEngine, sqlString } from './duckdb-engine';
import { duckType, FilePart, PART_MAX_CHARS, PART_ROWS, partColumn, writePartFile } from './part-writer';

/** Smaller CSV bodies are parsed in JavaScript: spooling and DuckDB would cost more than they save. */
export const CSV_SPOOL_MIN_BYTES = 1024 * 1024;
/** Body bytes per spooled segment: DuckDB parses one segment while the next arrives. */
const SEGMENT_BYTES = 16 * 1024 * 1024;
/** Segments DuckDB holds read ahead of the parts written: bounds its memory to a few segments' rows. */
const LOADS_AHEAD = 2;
/** Rows the JavaScript parser infers column types from (its INFER_ROWS). */
const INFER_ROWS = 1000;
/** A header past this is read by csv-parse in the JavaScript path (its FAST_LINE_CHARS). */
const MAX_HEADER_CHARS = 64 * 1024;
/** Above this, a double is no exactly stored integer: the JavaScript path decides what it becomes. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

const NEWLINE = 0x0a;
/** Bytes DuckDB reads differently from csv-parse (quotes, carriage returns) or that the table refuses. */
const HANDED_BACK = [0x22, 0x0d, 0x00];
const UNDERSCORE = 0x5f;

/** Why the body goes to the JavaScript parser instead: any input DuckDB might read otherwise. */
class HandBack extends Error {}

/** What a CSV body written as parts by DuckDB became, or the whole body again for the JavaScript parser. */
export type CsvPartsOutcome =
  { written: true; columns: ColumnSchema[]; rows: number } | { written: false; replay: Readable };

interface Segment {
  file: string;
  /** True when the segment holds an underscore: its numbers are checked as text (DuckDB reads `1_000`). */
  underscores: boolean;
}

interface Loaded {
  table: string;
  /** Row id of the table's first row. */
  first: number;
  rows: number;
}

/**
 * Writes a large CSV body (no dtypes, a new table) as parts with DuckDB: the body is spooled to the scratch
 * folder in segments cut at line ends, DuckDB parses each segment into a typed temporary table while the
 * next arrives, and full parts are written from those tables. Column names, order and types are exactly
 * the JavaScript parser's (types inferred in JavaScript from the first rows, each part's column types grown
 * through the same TableSchema), and only bodies DuckDB reads exactly as that parser does take this path:
 * no quote, carriage return or NUL byte, no BOM, a plain header of distinct names, every numeric cell a
 * finite number DuckDB and JavaScript read alike. Anything else, including every bad row, hands the whole
 * body (replayed from the spool) back to the JavaScript parser, which answers the same 400 as ever; what
 * was stored by then is the caller's to remove. `store` takes each part file (and removes it).
 */
export async function writeCsvParts(
  engine: DuckDbEngine,
  body: Readable,
  store: (part: FilePart) => Promise<void>,
): Promise<CsvPartsOutcome> {
  const input = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < CSV_SPOOL_MIN_BYTES) {
    const next = await input.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    headBytes += chunk.length;
  }
  const start = Buffer.concat(head);
  if (ended) return { written: false, replay: Readable.from([start]) };
  const writer = new CsvSegments(engine, store);
  const spooled: string[] = [];
  let header = start;
  /** Read from the body, not yet in a segment file. */
  let pending: Buffer = Buffer.alloc(0);
  let segment: { file: string; out: WriteStream; bytes: number; underscores: boolean } | undefined;
  const endSegment = async () => {
    if (!segment) return undefined;
    const done = segment;
    segment = undefined;
    await new Promise<void>((resolve, reject) =>
      done.out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return { file: done.file, underscores: done.underscores };
  };
  try {
    const plan = planOf(start);
    header = start.subarray(0, plan.headerBytes);
    pending = start.subarray(plan.headerBytes);
    writer.begin(plan);
    let previous = NEWLINE;
    for (;;) {
      if (pending.length > 0) {
        writer.check();
        checkBytes(pending, previous, plan.names.length);
        previous = pending[pending.length - 1];
        if (!segment) {
          const file = join(engine.scratchDir, `csv-${randomBytes(8).toString('hex')}.csv`);
          spooled.push(file);
          segment = { file, out: createWriteStream(file), bytes: 0, underscores: false };
        }
        const end = segment.bytes + pending.length >= SEGMENT_BYTES ? pending.lastIndexOf(NEWLINE) : -1;
        const now = end >= 0 ? pending.subarray(0, end + 1) : pending;
        const out = segment.out;
        segment.underscores ||= now.includes(UNDERSCORE);
        segment.bytes += now.length;
        pending = pending.subarray(now.length);
        if (!out.write(now)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        if (end >= 0) {
          const done = await endSegment();
          if (done) writer.load(done);
          continue;
        }
      }
      const next = await input.next();
      if (next.done) break;
      pending = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
    const last = await endSegment();
    if (last) writer.load(last);
    const { columns, rows } = await writer.finish();
    await removeAll(spooled);
    return { written: true, columns, rows };
  } catch (error) {
    await endSegment().catch(() => undefined);
    await writer.abandon();
    if (!(error instanceof HandBack)) {
      await removeAll(spooled);
      throw error;
    }
    const body = Readable.from(replay([header], spooled, pending, input));
    // A replay destroyed before it was read never runs its generator's cleanup: closing removes the files.
    body.once('close', () => void removeAll(spooled));
    return { written: false, replay: body };
  }
}

function removeAll(files: readonly string[]): Promise<unknown> {
  return Promise.all(files.map((file) => rm(file, { force: true })));
}

/** The body again: what was read before spooling, the spooled segments, what was read after, the rest. */
async function* replay(
  read: readonly Buffer[],
  spooled: readonly string[],
  unspooled: Buffer,
  input: AsyncIterator<Buffer | string>,
): AsyncGenerator<Buffer | string> {
  try {
    yield* read;
    for (const file of spooled) for await (const data of createReadStream(file)) yield data as Buffer;
  } finally {
    await removeAll(spooled);
  }
  if (unspooled.length > 0) yield unspooled;
  for (;;) {
    const next = await input.next();
    if (next.done) return;
    yield next.value;
  }
}

interface Plan {
  /** Header names in column order (a record's key order, as the JavaScript parser makes it). */
  names: string[];
  /** Position of each column in a line. */
  positions: number[];
  types: ColumnType[];
  headerBytes: number;
}

/** The header and the types the JavaScript parser infers from the first rows; HandBack when unsure. */
function planOf(start: Buffer): Plan {
  const headerEnd = start.indexOf(NEWLINE);
  if (headerEnd < 0 || headerEnd >= MAX_HEADER_CHARS) throw new HandBack();
  if (start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) throw new HandBack();
  checkBytes(start, NEWLINE, 2);
  let header: string;
  try {
    header = new TextDecoder('utf-8', { fatal: true }).decode(start.subarray(0, headerEnd));
  } catch {
    throw new HandBack();
  }
  const fields = header.split(',');
  if (header.length === 0 || new Set(fields).size !== fields.length || fields.includes('__proto__'))
    throw new HandBack();
  const probe: Record<string, string> = {};
  for (const name of fields) probe[name] = '';
  const names = Object.keys(probe);
  const positions = names.map((name) => fields.indexOf(name));
  // The first rows, split as the JavaScript parser splits plain lines; they must be whole lines.
  const rows: Record<string, string>[] = [];
  let from = headerEnd + 1;
  while (rows.length < INFER_ROWS) {
    const end = start.indexOf(NEWLINE, from);
    if (end < 0) throw new HandBack();
    const line = start.toString('utf8', from, end);
    from = end + 1;
    if (line.length === 0) continue;
    const cells = line.split(',');
    if (cells.length !== fields.length) throw new HandBack();
    const row: Record<string, string> = {};
    for (let index = 0; index < cells.length; index++) row[fields[index]] = cells[index];
    rows.push(row);
  }
  const inferred = inferCsvTypes(rows);
  return { names, positions, types: names.map((name) => inferred[name]), headerBytes: headerEnd + 1 };
}

/** HandBack for a byte the JavaScript parser reads otherwise, and for an empty line of a one-column body. */
function checkBytes(data: Buffer, previous: number, width: number): void {
  for (const byte of HANDED_BACK) if (data.includes(byte)) throw new HandBack();
  // A one-column body's empty line is a null row for DuckDB; csv-parse skips it. (Wider bodies: both skip.)
  if (width === 1 && (data.includes('\n\n') || (previous === NEWLINE && data[0] === NEWLINE)))
    throw new HandBack();
}

/**
 * The DuckDB side: a segment at a time into a typed temporary table (one connection for the whole body, so
 * the tables are its own), and each full part out of them, in row order.
 */
class CsvSegments {
  /** Segments are read on one connection while parts are written on another. */
  private loads?: Promise<DuckDBConnection>;
  private writes?: Promise<DuckDBConnection>;
  private plan!: Plan;
  private schema = new TableSchema();
  private loading: Promise<void> = Promise.resolve();
  private writing: Promise<void> = Promise.resolve();
  private failure?: unknown;
  /** Tables read and checked, in row order; what is still loading is not among them. */
  private readonly loaded: Loaded[] = [];
  /** A table being read, dropped with the rest if the body goes back to JavaScript. */
  private reading?: string;
  private rows = 0;
  private written = 0;
  private partRows = PART_ROWS;
  /** When each segment's parts were written (its place in the writing chain). */
  private readonly segmentsWritten: Promise<void>[] = [];

  constructor(
    private readonly engine: DuckDbEngine,
    private readonly store: (part: FilePart) => Promise<void>,
  ) {}

  begin(plan: Plan): void {
    this.plan = plan;
    this.loads = this.engine.connect();
    this.writes = this.engine.connect();
  }

  /** Throws what a segment load or part write failed with, so the body stops being read. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Reads the segment after those before it; the parts it completes are written while the next is read. */
  load(segment: Segment): void {
    // At most LOADS_AHEAD segments read and not yet written as parts: DuckDB's memory stays bounded
    // however fast the body comes (the rest waits on disk).
    const gate =
      this.segmentsWritten.length >= LOADS_AHEAD
        ? this.segmentsWritten[this.segmentsWritten.length - LOADS_AHEAD]
        : undefined;
    this.loading = Promise.all([this.loading, gate]).then(() =>
      this.guarded(() => this.loadSegment(segment)),
    );
    this.writing = Promise.all([this.loading, this.writing]).then(() =>
      this.guarded(() => this.writeParts(false)),
    );
    this.segmentsWritten.push(this.writing);
  }

  private async guarded(work: () => Promise<void>): Promise<void> {
    if (this.failure !== undefined) return;
    try {
      await work();
    } catch (error) {
      this.failure ??= error;
    }
  }

  async finish(): Promise<{ columns: ColumnSchema[]; rows: number }> {
    await this.loading;
    await this.writing;
    this.check();
    await this.writeParts(true);
    await this.close();
    return { columns: this.schema.columns, rows: this.written };
  }

  async abandon(): Promise<void> {
    this.failure ??= new HandBack();
    await this.loading;
    await this.writing;
    await this.close();
  }

  private async close(): Promise<void> {
    const [loads, writes] = [this.loads, this.writes];
    this.loads = this.writes = undefined;
    const connections = await Promise.all([loads?.catch(() => undefined), writes?.catch(() => undefined)]);
    const [connection] = connections.filter((open) => open !== undefined);
    const tables = [...this.loaded.splice(0).map((table) => table.table), this.reading];
    for (const table of tables)
      if (connection && table) await connection.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    for (const open of connections) open?.closeSync();
  }

  private async loadSegment(segment: Segment): Promise<void> {
    const connection = await (this.loads as Promise<DuckDBConnection>);
    const { names, positions, types } = this.plan;
    const numeric = (type: ColumnType) => type === 'integer' || type === 'number';
    // Numbers are read by DuckDB as DOUBLE (what JavaScript's Number() makes of the same text); a segment
    // with an underscore reads them as text first, since DuckDB takes `1_000` for 1000 and JavaScript not.
    const typed = (type: ColumnType) => numeric(type) && !segment.underscores;
    const values = names.map((_name, index) => {
      const v = `v${index}`;
      const c = partColumn(index);
      const type = types[index];
      if (numeric(type))
        return typed(type)
          ? `${v} AS ${c}`
          : `CASE WHEN contains(${v}, '_') THEN error('underscore') ELSE CAST(${v} AS DOUBLE) END AS ${c}`;
      if (type === 'boolean')
        return `CASE WHEN ${v} IS NULL THEN NULL WHEN lower(${v}) IN ('true', '1') THEN true WHEN lower(${v}) IN ('false', '0') THEN false ELSE error('boolean') END AS ${c}`;
      return `${v} AS ${c}`;
    });
    // read_csv names a line's fields in line order; each is `v<i>` for the table column `i` it holds.
    const readColumns = positions.map((_field, position) => {
      const index = positions.indexOf(position);
      return `'v${index}': '${typed(types[index]) ? 'DOUBLE' : 'VARCHAR'}'`;
    });
    // Not temporary: the part writes read it on their own connection. Only the platform's own statements
    // run on this database.
    const table = `csv_${randomBytes(8).toString('hex')}`;
    this.reading = table;
    try {
      await connection.run(
        `CREATE TABLE ${table} AS SELECT ${values.join(', ')} FROM read_csv(${sqlString(segment.file)}, header = false, delim = ',', quote = '', escape = '', new_line = '\\n', auto_detect = false, strict_mode = true, null_padding = false, nullstr = '', columns = {${readColumns.join(', ')}})`,
      );
    } catch {
      throw new HandBack();
    }
    const checks = names.map((_name, index) => {
      const c = partColumn(index);
      const type = types[index];
      if (numeric(type))
        return `coalesce(bool_or(isinf(${c}) OR isnan(${c}) OR abs(${c}) > ${MAX_EXACT}), false)`;
      if (type === 'string') return `coalesce(max(strlen(${c})) > ${MAX_CELL_CHARS}, false)`;
      return 'false';
    });
    const text = names
      .map((_name, index) =>
        types[index] === 'string' ? `coalesce(sum(strlen(${partColumn(index)})), 0)` : '',
      )
      .filter((sum) => sum !== '');
    const counted = await connection.runAndReadAll(
      `SELECT count(*), ${text.length > 0 ? text.join(' + ') : '0'}${checks.map((check) => `, ${check}`).join('')} FROM ${table}`,
    );
    const [row] = counted.getRows();
    if (row.slice(2).some((bad) => bad === true)) throw new HandBack();
    const entry: Loaded = { table, first: this.rows, rows: Number(row[0]) };
    this.loaded.push(entry);
    this.reading = undefined;
    this.rows += entry.rows;
    const chars = Number(row[1]);
    this.partRows = Math.max(
      1,
      Math.min(PART_ROWS, Math.floor(PART_MAX_CHARS / Math.max(1, chars / Math.max(1, entry.rows)))),
    );
  }

  /** Writes every full part held (and, at the end, the rest); drops tables once all their rows are out. */
  private async writeParts(last: boolean): Promise<void> {
    const connection = await (this.writes as Promise<DuckDBConnection>);
    while (this.rows - this.written >= this.partRows || (last && this.rows > this.written)) {
      const count = Math.min(this.partRows, this.rows - this.written);
      await this.writePart(connection, this.written, count);
      this.written += count;
      while (this.loaded.length > 0 && this.loaded[0].first + this.loaded[0].rows <= this.written) {
        const done = this.loaded.shift() as Loaded;
        await connection.run(`DROP TABLE IF EXISTS ${done.table}`);
      }
    }
  }

  /** Rows `first … first + count - 1` as one part, with the column types the schema grows to for them. */
  private async writePart(connection: DuckDBConnection, first: number, count: number): Promise<void> {
    const end = first + count;
    const slices = this.loaded
      .filter((table) => table.first < end && table.first + table.rows > first)
      .map((table) => {
        const from = Math.max(0, first - table.first);
        const to = Math.min(table.rows, end - table.first);
        return `SELECT CAST(rowid AS BIGINT) + ${table.first} AS _r, * FROM ${table.table} WHERE rowid >= ${from} AND rowid < ${to}`;
      });
    const rows = slices.join(' UNION ALL ');
    const { names, types } = this.plan;
    // What the JavaScript path's sample of these rows holds: each column's widest value, or null.
    const probes = names.map((_name, index) => {
      const c = partColumn(index);
      const numeric = types[index] === 'integer' || types[index] === 'number';
      return numeric ? `count(${c}), coalesce(bool_and(${c} = trunc(${c})), true)` : `count(${c}), true`;
    });
    const probed = (
      await connection.runAndReadAll(`SELECT ${probes.join(', ')} FROM (${rows})`)
    ).getRows()[0];
    const sample: TableRecord = {};
    names.forEach((name, index) => {
      const present = Number(probed[index * 2]) > 0;
      const type = types[index];
      if (!present) sample[name] = null;
      else if (type === 'integer' || type === 'number') sample[name] = probed[index * 2 + 1] ? 1 : 0.5;
      else sample[name] = type === 'boolean' ? true : 'x';
    });
    this.schema.toDocuments([sample], first);
    const stored = this.schema.columns.map((column) => column.type);
    const outputs = stored.map((type, index) => {
      const c = partColumn(index);
      if (type === 'integer') return `CAST(${c} AS BIGINT) AS ${c}`;
      if (type === 'null') return `CAST(NULL AS VARCHAR) AS ${c}`;
      return c;
    });
    const source = `SELECT _r${outputs.map((output) => `, ${output}`).join('')} FROM (${rows})`;
    const finished = await writePartFile(this.engine, connection, source, names.length);
    await this.store({ ...finished, first, rows: count, types: stored.map(duckType) });
  }
}
