import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OmegaConfig } from '@omega/core';

const ROOT = join(__dirname, '..', '..');
const READY = /worker (\S+) ready/;

/**
 * How long a starting process may take: `idleMs` without any progress (no output and no CPU time of its
 * own), and `capMs` in all however busy it stays. A worker booting from source on a loaded machine keeps
 * compiling (CPU time) well past a minute; one that hangs shows neither for a minute.
 */
export interface StartWait {
  idleMs: number;
  capMs: number;
  /** How often the process's CPU time is read. */
  pollMs?: number;
}

export const WORKER_START: StartWait = { idleMs: 60_000, capMs: 180_000 };

export function testBrokerUrl(): string {
  const url = process.env.OMEGA_TEST_BROKER_URL;
  if (!url) throw new Error('OMEGA_TEST_BROKER_URL is not set: run `npm run services` (npm test does) first');
  return url;
}

export interface WorkerProcess {
  id: string;
  pid: number;
  /** Everything the worker printed, for assertions and for failure messages. */
  output(): string;
  /** SIGTERM: the worker finishes its tasks in flight and exits. */
  stop(): Promise<number | null>;
  /** SIGKILL: the worker dies at once, as on a crashed node. */
  kill(): Promise<void>;
}

/**
 * Starts the real worker (apps/worker/src/main.ts, through ts-node so no build is needed) against the
 * test's database prefix and the real broker, and resolves once it consumes.
 */
export async function startWorker(
  config: OmegaConfig,
  options: { labels?: string[]; concurrency?: number; env?: Record<string, string> } = {},
): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/worker/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        OMEGA_MONGO_URL: config.mongoUrl ?? '',
        OMEGA_MONGO_DB_PREFIX: config.mongoDbPrefix,
        OMEGA_BROKER_URL: config.brokerUrl ?? testBrokerUrl(),
        OMEGA_WORKER_LABELS: (options.labels ?? ['default']).join(','),
        OMEGA_WORKER_CONCURRENCY: String(options.concurrency ?? 4),
        OMEGA_TASK_MAX_ATTEMPTS: String(config.taskMaxAttempts),
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        NO_COLOR: '1',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const start = watchStart(
    child,
    READY,
    'a line "worker <id> ready" from apps/worker/src/main.ts',
    WORKER_START,
  );
  const id = (await start.ready)[1];
  const output = start.output;
  return {
    id,
    pid: child.pid as number,
    output,
    stop: async () => {
      signal(child, 'SIGTERM');
      return exited;
    },
    kill: async () => {
      signal(child, 'SIGKILL');
      await exited;
    },
  };
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(name);
}

/**
 * Waits for `ready` in what a child process prints, for as long as it makes progress (see `StartWait`).
 * On a timeout the process is killed and the error names what was awaited, why the wait ended and all the
 * process printed; an exit before `ready` rejects as well. `output()` is everything printed so far.
 */
export function watchStart(
  child: ChildProcess,
  ready: RegExp,
  what: string,
  wait: StartWait,
): { ready: Promise<RegExpExecArray>; output: () => string } {
  let output = '';
  const started = Date.now();
  let progressed = started;
  let cpu = cpuTicks(child.pid);
  let waiting = true;
  const found = new Promise<RegExpExecArray>((resolve, reject) => {
    const finish = (error?: Error, match?: RegExpExecArray): void => {
      waiting = false;
      clearInterval(timer);
      child.off('exit', exit);
      if (error) reject(error);
      else resolve(match as RegExpExecArray);
    };
    // Read for as long as the process lives (a full pipe would stall it), matched only while waiting.
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      progressed = Date.now();
      const match = waiting ? ready.exec(output) : null;
      if (match) finish(undefined, match);
    };
    const exit = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(new Error(`process exited (${code ?? signal}) before ${what}; its output:\n${output}`));
    const timer = setInterval(() => {
      const now = Date.now();
      const ticks = cpuTicks(child.pid);
      if (ticks !== undefined && cpu !== undefined && ticks > cpu) progressed = now;
      cpu = ticks;
      const why =
        now - started >= wait.capMs
          ? `still starting after the cap of ${wait.capMs / 1000} s`
          : now - progressed >= wait.idleMs
            ? `no output and no CPU time for ${wait.idleMs / 1000} s`
            : undefined;
      if (!why) return;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      finish(
        new Error(
          `waited ${Math.round((now - started) / 1000)} s for ${what} (pid ${child.pid}): ${why}; ` +
            `its output:\n${output}`,
        ),
      );
    }, wait.pollMs ?? 500);
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', exit);
  });
  return { ready: found, output: () => output };
}

/** The CPU time (user and system, in clock ticks) a process has used, where /proc tells it. */
function cpuTicks(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, in parentheses): utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}
