import { portAnswers } from '@omega/embedded';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
/** The test's own timeout allows two starts of this length and the work around them. */
const START_DEADLINE_MS = 300_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts `apps/api/src/main.ts` as `npm start` does, with no OMEGA_MONGO_URL: the embedded default. */
async function startPlatform(
  env: NodeJS.ProcessEnv,
  apiPort: number,
): Promise<{ child: ChildProcess; output: () => string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OMEGA_')));
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
    { cwd: root, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // ts-node compiles the whole API on each start: minutes, not seconds, on a loaded 2-core machine.
  const deadline = Date.now() + START_DEADLINE_MS;
  while (!output.includes('Press Ctrl-C to stop')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      // Stopped here, or its output pipes keep jest from exiting after the failure.
      if (child.exitCode === null) await interrupt(child);
      throw new Error(`platform did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(await portAnswers(apiPort)).toBe(true);
  return { child, output: () => output };
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

describe('embedded default (npm start with no OMEGA_* variables)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omega-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts FerretDB on SQLite, keeps data across a restart, and stops everything on Ctrl-C', async () => {
    const apiPort = await freePort();
    const mongoPort = await freePort();
    const env = {
      OMEGA_DATA_DIR: dataDir,
      OMEGA_API_PORT: String(apiPort),
      OMEGA_EMBEDDED_MONGO_PORT: String(mongoPort),
    };
    const base = `http://127.0.0.1:${apiPort}`;

    const first = await startPlatform(env, apiPort);
    expect(first.output()).toContain('embedded mode');
    expect(first.output()).toContain(`${base}/api/docs`);
    // The first start made an admin and wrote its credentials for this user only, and printed where.
    const file = join(dataDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(file, 'utf8'));
    expect(credentials).toMatchObject({ url: base, userid: 'admin', tenant: 'default' });
    expect(first.output()).toContain(`credentials   ${file}`);
    // stdout is not a terminal here: the secrets stay out of it (it is the log of a container).
    expect(first.output()).not.toContain(credentials.apikey);
    expect(first.output()).not.toContain(credentials.password);
    const auth = { Authorization: `ApiKey ${credentials.userid}:${credentials.apikey}` };
    expect((await fetch(`${base}/api/v1/dataset/persisted`)).status).toBe(401);
    const put = await fetch(`${base}/api/v1/dataset/persisted`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: [{ city: 'Zurich', temp: 21.5 }] }),
    });
    expect(put.status).toBe(200);
    // New tables are columnar on the embedded default too: an append adds a part, filters prune by them.
    expect(((await put.json()) as { kind: string }).kind).toBe('table.parquet');
    const append = await fetch(`${base}/api/v1/dataset/persisted`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: [{ city: 'Oslo', temp: 8 }], append: true }),
    });
    expect(append.status).toBe(200);
    expect(((await append.json()) as { kindMeta: { rows: number } }).kindMeta.rows).toBe(2);
    expect(await interrupt(first.child)).toBe(0);
    expect(await portAnswers(apiPort)).toBe(false);
    expect(await portAnswers(mongoPort)).toBe(false);

    const second = await startPlatform(env, apiPort);
    try {
      // The same key after a restart, and a login token signed with the key kept in the data folder.
      const back = await fetch(`${base}/api/v1/dataset/persisted?orient=records`, { headers: auth });
      expect(await back.json()).toEqual([
        { city: 'Zurich', temp: 21.5 },
        { city: 'Oslo', temp: 8 },
      ]);
      const warm = await fetch(
        `${base}/api/v1/dataset/persisted?orient=records&temp__lt=10&city__startswith=O`,
        {
          headers: auth,
        },
      );
      expect(await warm.json()).toEqual([{ city: 'Oslo', temp: 8 }]);
      expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ userid: credentials.userid, password: credentials.password }),
      });
      expect(login.status).toBe(200);
    } finally {
      expect(await interrupt(second.child)).toBe(0);
    }
    expect(await portAnswers(mongoPort)).toBe(false);
  }, 720_000);
});
