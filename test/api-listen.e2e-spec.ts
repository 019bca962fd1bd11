import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TS_NODE } from './cloud-manager-process';
import { freePort } from './support/free-port';

const ROOT = join(__dirname, '..');
/** The API boots from source (ts-node) before it listens: a minute or more on a loaded machine. */
const EXIT_TIMEOUT_MS = 5 * 60_000;

/** Whether any process is left in a process group (the API's, which its children share). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The API binary on a port something else holds: the boot succeeds (the embedded FerretDB is up, the
 * init hooks ran), then `listen` fails. The process must close what it opened, stop FerretDB, and exit
 * non-zero with one error line that says what is wrong (and no other error line before it).
 */
describe('the API on a port already in use', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omega-listen-'));
  let holder: Server;
  let pgid: number | undefined;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    // Only when the test already failed: nothing of the group may outlive the suite.
    if (pgid !== undefined && groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'exits 1 with "port … is in use", after stopping the embedded FerretDB it started',
    async () => {
      const port = (holder.address() as { port: number }).port;
      const clean = Object.fromEntries(
        Object.entries(process.env).filter(([key]) => !key.startsWith('OMEGA_')),
      );
      // Its own process group, which the embedded FerretDB joins: a process left in it after the exit is
      // a child the API left behind.
      const child = spawn(process.execPath, [...TS_NODE, 'apps/api/src/main.ts'], {
        cwd: ROOT,
        env: {
          ...clean,
          OMEGA_DATA_DIR: dataDir,
          OMEGA_API_HOST: '127.0.0.1',
          OMEGA_API_PORT: String(port),
          OMEGA_EMBEDDED_MONGO_PORT: String(await freePort()),
          TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      pgid = child.pid as number;
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      // The rest of its output; a child left holding the pipes must not hang the test (it fails below).
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);

      // The boot got as far as listening: FerretDB had been started, so there was something to stop.
      expect(output).toContain('Starting FerretDB');
      expect({ code, tail: output.slice(-4000) }).toMatchObject({ code: 1 });
      // One error line, ours: not Nest's own `listen EADDRINUSE` line before it.
      const errors = output.split('\n').filter((line) => / ERROR \[/.test(line));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(
        `ERROR [omega] Could not start: port ${port} on 127.0.0.1 is in use; set OMEGA_API_PORT to a free port`,
      );
      expect(output).not.toContain('EADDRINUSE');
      expect(output).not.toContain('omega-ts is up');
      // Nothing of the API's process group outlived it: FerretDB and any sandbox were stopped.
      expect(groupAlive(pgid)).toBe(false);
    },
    EXIT_TIMEOUT_MS,
  );
});
