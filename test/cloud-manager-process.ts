import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { OmegaConfig } from '@omega/core';

const ROOT = join(__dirname, '..');
const READY = /manager ready/;
const START_TIMEOUT_MS = 120_000;
/** A process started through ts-node, so no build is needed (the same way the worker tests start workers). */
export const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

export interface ManagerProcess {
  pid: number;
  output(): string;
  /** SIGTERM: the manager drains the workers it started, then exits (Nest ends it with the same signal). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The real cloud manager (apps/manager/src/main.ts) against the test's database prefix and broker. */
export async function startManager(
  config: OmegaConfig,
  env: Record<string, string>,
): Promise<ManagerProcess> {
  const child: ChildProcess = spawn(process.execPath, [...TS_NODE, 'apps/manager/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      OMEGA_MONGO_URL: config.mongoUrl ?? '',
      OMEGA_MONGO_DB_PREFIX: config.mongoDbPrefix,
      ...(config.brokerUrl ? { OMEGA_BROKER_URL: config.brokerUrl } : {}),
      OMEGA_DATA_DIR: config.dataDir,
      OMEGA_TASK_MAX_ATTEMPTS: String(config.taskMaxAttempts),
      // Schedules are not what these tests are about.
      OMEGA_SCHEDULE_TICK_SECONDS: '3600',
      OMEGA_CLOUD_RECONCILE_MS: '300',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`manager did not start:\n${output}`)), START_TIMEOUT_MS);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (READY.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`manager exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    pid: child.pid as number,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls until `check` answers true, or fails naming what it waited for. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
