import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { ManagerProcess, startManager, TS_NODE } from './cloud-manager-process';

/**
 * `om cloud …` as a child process against the real API and a real cloud manager (local driver, real
 * worker processes): human output and `--json`, usage errors, refusals.
 */

const ROOT = join(__dirname, '..');
const STEP_MS = 240_000;
/** Run from a scratch folder, so the preloads are named by path. */
const CLI = [
  '-r',
  require.resolve('ts-node/register/transpile-only'),
  '-r',
  require.resolve('tsconfig-paths/register'),
  join(ROOT, 'apps', 'cli', 'src', 'main.ts'),
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('om cloud', () => {
  let t: TestApp;
  let manager: ManagerProcess;
  let member: TestPrincipal;
  const scratch = mkdtempSync(join(tmpdir(), 'omega-cloud-cli-'));

  beforeAll(async () => {
    t = await startTestApp({ broker: true });
    member = await t.createPrincipal({ role: 'member' });
    manager = await startManager(t.config, {
      OMEGA_CLOUD_DRIVER: 'local',
      OMEGA_CLOUD_WORKER_COMMAND: JSON.stringify([process.execPath, ...TS_NODE, 'apps/worker/src/main.ts']),
    });
  }, STEP_MS);

  afterAll(async () => {
    await manager?.stop();
    await t?.close();
    rmSync(scratch, { recursive: true, force: true });
  }, STEP_MS);

  function om(
    args: string[],
    as: { userid: string; apikey: string } = t.admin,
    stdin?: string,
  ): Promise<Run> {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: scratch,
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        NO_COLOR: '1',
        OMEGA_URL: t.url,
        OMEGA_USERID: as.userid,
        OMEGA_APIKEY: as.apikey,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  async function json<T>(args: string[]): Promise<T> {
    const answer = await om(['--json', ...args]);
    expect({ args, code: answer.code, stderr: answer.stderr }).toEqual({ args, code: 0, stderr: '' });
    return JSON.parse(answer.stdout) as T;
  }

  it(
    'adds and scales a worker pool and shows the platform, as text and as JSON',
    async () => {
      const added = await json<{ state: string; pool: { label: string; applied: { ready: number } } }>([
        'cloud',
        'workers',
        'add-label',
        'default',
        '--wait',
        '200',
      ]);
      expect(added).toMatchObject({ state: 'done', pool: { label: 'default', applied: { ready: 1 } } });

      const scaled = await om(['cloud', 'workers', 'scale', 'default', '2', '--wait', '200']);
      expect(scaled.code).toBe(0);
      expect(scaled.stdout).toMatch(/^label\s+wanted\s+running\s+ready\s+state/m);
      expect(scaled.stdout).toMatch(/^default\s+2\s+2\s+2\s+done\s+local\s+admin/m);

      const status = await om(['cloud', 'status']);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^mongodb\s+up/m);
      expect(status.stdout).toMatch(/^broker\s+up/m);
      expect(status.stdout).toMatch(/^default\s+2\s+0\s+0\s+\d+ s ago\s+2 wanted, done/m);
      expect(status.stdout).toContain('tenants: 1 (0 disabled): default');
      const asJson = await json<{ labels: { label: string; workers: unknown[] }[] }>(['cloud', 'status']);
      expect(asJson.labels.find((l) => l.label === 'default')?.workers).toHaveLength(2);

      const pools = await json<{ pool: { replicas: number } }[]>(['cloud', 'workers', 'list']);
      expect(pools).toEqual([expect.objectContaining({ pool: expect.objectContaining({ replicas: 2 }) })]);
    },
    3 * STEP_MS,
  );

  it(
    'sets and reads live settings',
    async () => {
      const set = await json<{ name: string; value: number; source: string }>([
        'cloud',
        'config',
        'set',
        'workers.maxReplicas',
        '5',
      ]);
      expect(set).toMatchObject({ name: 'workers.maxReplicas', value: 5, source: 'set' });
      const all = await om(['cloud', 'config', 'get']);
      expect(all.stdout).toMatch(/^workers\.maxReplicas\s+5\s+set by admin\s+1-1000/m);
      expect(all.stdout).toMatch(/^workers\.concurrency\s+4\s+default/m);
      const refused = await om(['cloud', 'workers', 'scale', 'default', '6', '--wait', '0']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('workers.maxReplicas');
      const notNumber = await om(['cloud', 'config', 'set', 'workers.maxReplicas', 'many']);
      expect(notNumber.code).toBe(2);
    },
    STEP_MS,
  );

  it(
    'adds a tenant with its admin, and removes it only with --confirm',
    async () => {
      const added = await json<{ apikey: string; admin: { userid: string; created: boolean } }>([
        'cloud',
        'tenants',
        'add',
        'beta',
        '--admin',
        'beta_admin',
      ]);
      expect(added.admin).toEqual({ userid: 'beta_admin', created: true });
      const whoami = await om(['--json', 'whoami'], { userid: 'beta_admin', apikey: added.apikey });
      expect(whoami.code).toBe(0);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ userid: 'beta_admin', tenant: 'beta' });

      const withPassword = await om(
        ['--json', 'cloud', 'tenants', 'add', 'gamma', '--admin', 'gamma_admin', '--password-stdin'],
        t.admin,
        'a long enough password\n',
      );
      expect(withPassword.code).toBe(0);

      const unconfirmed = await om(['cloud', 'tenants', 'remove', 'beta']);
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toContain('--confirm beta');
      const disabled = await json<{ disabled: boolean }>(['cloud', 'tenants', 'disable', 'gamma']);
      expect(disabled.disabled).toBe(true);
      const removed = await om(['cloud', 'tenants', 'remove', 'beta', '--confirm', 'beta']);
      expect(removed.code).toBe(0);
      expect(removed.stdout).toMatch(/^keys revoked\s+1$/m);
      const gone = await om(['whoami'], { userid: 'beta_admin', apikey: added.apikey });
      expect(gone.code).toBe(5);
    },
    STEP_MS,
  );

  it(
    'refuses those who are not platform admins (exit 5) and changes nothing',
    async () => {
      const refused = await om(['cloud', 'workers', 'scale', 'default', '1', '--wait', '0'], member);
      expect(refused.code).toBe(5);
      expect(refused.stderr).toMatch(/^error FORBIDDEN/);
      expect((await om(['cloud', 'status'], member)).code).toBe(5);
      const pools = await json<{ pool: { replicas: number } }[]>(['cloud', 'workers', 'list']);
      expect(pools[0].pool.replicas).toBe(2);
    },
    STEP_MS,
  );
});
