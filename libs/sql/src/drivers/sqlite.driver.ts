import type { ColumnType, TableRecord } from '@omega/datasets';
import { ChildProcess, spawn } from 'node:child_process';
import { StatementTimeout } from '../connections/sql-errors';
import { checkedColumns, ResultColumn, SqlRowDriver, typeOfSample } from './sql-driver';

/**
 * The reading process, as plain JavaScript run with `node -e`: opens the file read-only, prepares the
 * statement, then sends rows a chunk at a time, the next chunk only when asked (`more`). It holds no
 * secret (an empty environment) and reads nothing but the file it is given. It ends when the platform
 * does, even in the middle of a query.
 */
const READER_SCRIPT = `
'use strict';
const Database = require(process.argv[1]);
process.on('disconnect', () => process.exit(0));
// While SQLite computes, this thread cannot notice the platform is gone; a watcher thread can.
new (require('node:worker_threads').Worker)(
  "const parent = process.ppid; setInterval(() => process.ppid !== parent && process.kill(process.pid, 'SIGKILL'), 1000);",
  { eval: true },
).unref();
const fail = (error) => {
  process.send({ type: 'error', message: String(error && error.message), code: error && error.code });
};
process.once('message', (job) => {
  try {
    const db = new Database(job.path, { readonly: true, fileMustExist: true });
    const statement = db.prepare(job.sql);
    if (!statement.reader) {
      throw Object.assign(new Error('sql query must return rows (a SELECT)'), { code: 'SQLITE_QUERY' });
    }
    if (job.describe) {
      const columns = statement.columns().map((column) => ({ name: column.name, type: column.type }));
      const first = columns.some((column) => !column.type) ? statement.get(...job.values) : undefined;
      process.send({ type: 'columns', columns, first });
      return;
    }
    const rows = statement.iterate(...job.values);
    const send = () => {
      try {
        const chunk = [];
        let item;
        while (chunk.length < job.chunkRows && !(item = rows.next()).done) chunk.push(item.value);
        process.send({ type: 'rows', rows: chunk, done: chunk.length < job.chunkRows });
      } catch (error) {
        fail(error);
      }
    };
    process.on('message', (message) => message === 'more' && send());
    send();
  } catch (error) {
    fail(error);
  }
});
`;

/** The module path handed to the reading process, resolved once. */
const BETTER_SQLITE3 = require.resolve('better-sqlite3');
/** The reading process's heap: a few chunks of rows at a time, whatever the query. */
const READER_HEAP_MB = 512;

type ReaderMessage =
  | { type: 'columns'; columns: { name: string; type: string | null }[]; first?: TableRecord }
  | { type: 'rows'; rows: TableRecord[]; done: boolean }
  | { type: 'error'; message: string; code?: string };

/**
 * SQLite files, read in a process of their own: better-sqlite3 runs a statement synchronously, in native
 * code, so on the API's thread one long query would stall every request, and a worker thread cannot be
 * stopped while SQLite computes (termination waits for JavaScript). Killing the process ends any query
 * at once; that is how `OMEGA_SQL_TIMEOUT_SECONDS` applies to SQLite. Each read has a process of its
 * own (an open iterator holds its connection anyway); the next one is started ahead.
 */
export class SqliteRowDriver implements SqlRowDriver {
  constructor(
    private readonly path: string,
    private readonly timeoutMs: number,
  ) {}

  async describe(sql: string, values: unknown[]): Promise<ResultColumn[]> {
    const reader = new SqliteReader({ path: this.path, sql, values, describe: true }, this.timeoutMs);
    try {
      const message = await reader.next();
      if (message.type !== 'columns') throw new Error('the SQLite reader answered out of turn');
      return checkedColumns(
        message.columns.map((column) => ({
          name: column.name,
          // Expressions have no declared type: the first row tells.
          type: column.type ? declaredType(column.type) : typeOfSample(message.first?.[column.name]),
        })),
      );
    } finally {
      reader.stop();
    }
  }

  async *chunks(sql: string, values: unknown[], chunkRows: number): AsyncGenerator<TableRecord[]> {
    const reader = new SqliteReader({ path: this.path, sql, values, chunkRows }, this.timeoutMs);
    try {
      for (;;) {
        const message = await reader.next();
        if (message.type !== 'rows') throw new Error('the SQLite reader answered out of turn');
        // The next chunk is read while this one is written out: at most two are in memory.
        if (!message.done) reader.ask();
        if (message.rows.length > 0) yield message.rows;
        if (message.done) return;
      }
    } finally {
      reader.stop();
    }
  }
}

/** A reading process started ahead, so a read does not wait for Node to start (about 100 ms). */
let spare: ChildProcess | undefined;

/** The spare process if it is still there (a fresh one otherwise), and a new spare for the next read. */
function takeReaderProcess(): ChildProcess {
  const ready = spare?.connected && spare.exitCode === null ? spare : undefined;
  spare = startReaderProcess();
  const child = ready ?? startReaderProcess();
  // In use, its messages are what the read waits for: they must keep the event loop alive.
  child.ref();
  (child.channel as { ref?(): void } | undefined)?.ref?.();
  return child;
}

function startReaderProcess(): ChildProcess {
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${READER_HEAP_MB}`, '-e', READER_SCRIPT, BETTER_SQLITE3],
    { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced', env: {} },
  );
  // A spare that fails is simply not used; one that waits must not keep the platform from exiting
  // (it exits itself when the platform does: its channel closes).
  child.on('error', () => undefined);
  child.unref();
  (child.channel as { unref?(): void } | undefined)?.unref?.();
  return child;
}

/** One reading process and its messages, with the statement timeout running while it works. */
class SqliteReader {
  private readonly child: ChildProcess;
  private readonly inbox: ReaderMessage[] = [];
  private failure?: Error;
  private wake?: () => void;
  private timer?: NodeJS.Timeout;

  constructor(
    job: Record<string, unknown>,
    private readonly timeoutMs: number,
  ) {
    this.child = takeReaderProcess();
    this.child.on('message', (message: ReaderMessage) => {
      this.disarm();
      this.inbox.push(message);
      this.notify();
    });
    this.child.on('error', (error) => this.fail(error));
    this.child.on('exit', (code, signal) =>
      this.fail(new Error(`the SQLite reading process ended early (${signal ?? `exit code ${code}`})`)),
    );
    this.child.send(job);
    this.arm();
  }

  /** Asks for the next chunk. */
  ask(): void {
    if (this.child.connected) this.child.send('more', (error) => error && this.fail(error));
    this.arm();
  }

  async next(): Promise<ReaderMessage> {
    for (;;) {
      const message = this.inbox.shift();
      if (message?.type === 'error') throw Object.assign(new Error(message.message), { code: message.code });
      if (message) return message;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  stop(): void {
    this.disarm();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** The timeout counts while the process works, not while a slow client takes the rows. */
  private arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.fail(new StatementTimeout(this.timeoutMs / 1000));
      this.stop();
    }, this.timeoutMs);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.notify();
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}

/** SQLite's affinity rules (section 3.1 of its datatype page), as table column types. */
function declaredType(declared: string): ColumnType {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'integer';
  if (type.includes('BOOL')) return 'integer';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'string';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'number';
  if (type.includes('NUM') || type.includes('DEC')) return 'number';
  return 'string';
}
