import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_MONGO_URL = 'mongodb://127.0.0.1:27017/';

/** What one bench run measures, from the environment. */
export interface BenchSettings {
  mongoUrl: string;
  /** Rows written and read by the dataset suite (BENCH_ROWS). */
  rows: number;
  /** Size of the file moved by the file suite, in MiB (BENCH_FILE_MB). */
  fileMb: number;
}

/**
 * Reads the URLs `scripts/services.sh start` wrote to `.omega/services.env`, unless the environment
 * already names them (same rule as the integration tests).
 */
export function loadServicesEnv(root: string = join(__dirname, '..', '..')): void {
  const file = join(root, '.omega', 'services.env');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match && process.env[match[1]] === undefined)
      process.env[match[1]] = match[2].replace(/^['"]|['"]$/g, '');
  }
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  return {
    mongoUrl: env.OMEGA_TEST_MONGO_URL || DEFAULT_MONGO_URL,
    rows: positiveInt(env, 'BENCH_ROWS', 1_000_000),
    fileMb: positiveInt(env, 'BENCH_FILE_MB', 200),
  };
}

/** A positive integer from the environment (`1_000_000` allowed), or the fallback when unset. */
export function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** The URL without credentials, for printing and for the results file. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
