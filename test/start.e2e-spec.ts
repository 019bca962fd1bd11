import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/free-port';

const ROOT = join(__dirname, '..');
/** The first start may build the API (over a minute on a loaded machine); the second must not. */
const START_TIMEOUT_MS = 6 * 60_000;
const API_ENTRY = join(ROOT, 'dist', 'apps', 'api', 'apps', 'api', 'src', 'main.js');

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** `npm start` exactly as a user types it: prestart (the freshness check) first, then the API. */
async function npmStart(env: NodeJS.ProcessEnv): Promise<Started> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OMEGA_')));
  // Its own process group: npm, the API and the embedded FerretDB are stopped together.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...clean, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!output.includes('Press Ctrl-C to stop')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop(child);
      throw new Error(`npm start did not come up:\n${output.slice(-10_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-(child.pid as number), 'SIGINT');
  await exited;
}

describe('npm start, twice', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omega-start-'));
  const running: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of running) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'builds at most once: the second start skips the build and answers /health; the log is a summary',
    async () => {
      const apiPort = await freePort();
      const env = {
        OMEGA_DATA_DIR: dataDir,
        OMEGA_API_PORT: String(apiPort),
        OMEGA_EMBEDDED_MONGO_PORT: String(await freePort()),
      };
      const base = `http://127.0.0.1:${apiPort}`;

      const first = await npmStart(env);
      running.push(first.child);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      await stop(first.child);
      const builtAt = statSync(API_ENTRY).mtimeMs;

      const second = await npmStart(env);
      running.push(second.child);
      const log = second.output();
      expect(log).toContain('build: api up to date (no source changed since the last build), skipped');
      expect(log).not.toContain('building it');
      // Nothing was written into dist by the second start.
      expect(statSync(API_ENTRY).mtimeMs).toBe(builtAt);
      expect((await fetch(`${base}/health`)).status).toBe(200);

      // The default level shows the summary, not Nest's line per module, controller and route.
      for (const line of [
        'mode          embedded mode',
        `data folder   ${dataDir}`,
        `REST API      ${base}/api/v1/`,
      ]) {
        expect(log).toContain(line);
      }
      expect(log).not.toMatch(/Mapped \{/);
      expect(log).not.toMatch(/RoutesResolver|InstanceLoader/);
      await stop(second.child);
    },
    2 * START_TIMEOUT_MS + 60_000,
  );
});
