import { OmegaApiError, OmegaConnectionError, OmegaCredentialsError, OmegaTaskError } from '@omega/client';
import { CommanderError } from 'commander';

/** What the exit code says: see `om help`. */
export const EXIT = { ok: 0, server: 1, usage: 2, connect: 3, notFound: 4, unauthorized: 5 } as const;

/** A mistake in how `om` was called (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Prints the error as `error CODE: message` on stderr and answers the exit code it means. */
export function reportError(error: unknown): number {
  const say = (code: string, message: string) => process.stderr.write(`error ${code}: ${message}\n`);
  if (error instanceof CommanderError) {
    // Commander has printed its own message (and help) already.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError) {
    say('USAGE', error.message);
    return EXIT.usage;
  }
  if (error instanceof OmegaApiError) {
    // A failed run names its task, whose record keeps the run's output.
    say(error.code, error.taskId ? `${error.message} (om runtime status ${error.taskId})` : error.message);
    if (error.statusCode === 404) return EXIT.notFound;
    if (error.statusCode === 401 || error.statusCode === 403) return EXIT.unauthorized;
    return EXIT.server;
  }
  if (error instanceof OmegaConnectionError) {
    say('CONNECTION', error.message);
    return EXIT.connect;
  }
  if (error instanceof OmegaCredentialsError) {
    say('CREDENTIALS', error.message);
    return EXIT.unauthorized;
  }
  if (error instanceof OmegaTaskError) {
    say(error.code, `task ${error.taskId}: ${error.message}`);
    return EXIT.server;
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') {
    say('ENOENT', (error as Error).message);
    return EXIT.notFound;
  }
  say('INTERNAL', error instanceof Error ? error.message : String(error));
  return EXIT.server;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Aligned columns, a header and a dashed rule; numbers right-aligned. */
export function printTable(rows: Record<string, unknown>[], columns?: string[]): void {
  const names = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cells = rows.map((row) => names.map((name) => cell(row[name])));
  const numeric = names.map((_, k) => rows.every((row) => typeof row[names[k]] === 'number'));
  const widths = names.map((name, k) => Math.max(name.length, ...cells.map((line) => line[k].length)));
  const format = (line: string[]) =>
    line
      .map((text, k) => (numeric[k] ? text.padStart(widths[k]) : text.padEnd(widths[k])))
      .join('  ')
      .trimEnd();
  const lines = [format(names), format(widths.map((width) => '-'.repeat(width))), ...cells.map(format)];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `key  value` lines for one object. */
export function printRecord(record: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  for (const [key, value] of Object.entries(record)) {
    process.stdout.write(`${key.padEnd(width)}  ${cell(value)}\n`);
  }
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function humanBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
