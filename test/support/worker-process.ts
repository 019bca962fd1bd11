import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { OmegaConfig } from '@omega/core';

const ROOT = join(__dirname, '..', '..');
const READY = /worker (\S+) ready/;
const START_TIMEOUT_MS = 60_000;

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
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), START_TIMEOUT_MS);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const ready = READY.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    id,
    pid: child.pid as number,
    output: () => output,
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
