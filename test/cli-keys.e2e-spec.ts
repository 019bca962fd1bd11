import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withinOneWindow } from './support/rate-windows';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

const ROOT = join(__dirname, '..');
const NODE_ARGS = [
  '-r',
  require.resolve('ts-node/register'),
  '-r',
  require.resolve('tsconfig-paths/register'),
  join(ROOT, 'apps', 'cli', 'src', 'main.ts'),
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Limit {
  name: string;
  limit: number;
  used: number;
  remaining: number | null;
}

/** The API counting window of this file's platform. */
const API_WINDOW_SECONDS = 600;
/** Time a counting test needs inside one window: its CLI runs take seconds each on a loaded machine. */
const COUNTING_MS = 120_000;

describe('om keys limits and om whoami (a child process against the real platform)', () => {
  let app: TestApp;
  let member: TestPrincipal;
  const scratch = mkdtempSync(join(tmpdir(), 'omega-cli-keys-'));

  /** `om …` as `who` (the admin unless given). */
  function run(args: string[], who?: TestPrincipal): Promise<Run> {
    const as = who ?? app.admin;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: scratch,
      TS_NODE_TRANSPILE_ONLY: '1',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      NO_COLOR: '1',
      OMEGA_URL: app.url,
      OMEGA_USERID: as.userid,
      OMEGA_APIKEY: as.apikey,
    };
    // execFile's error carries the exit code; a clean exit has none.
    return new Promise((resolve) =>
      execFile(process.execPath, [...NODE_ARGS, ...args], { cwd: scratch, env }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      ),
    );
  }

  async function whoami(who: TestPrincipal): Promise<{ keyId: string; role: string; limits: Limit[] }> {
    const answer = await run(['--json', 'whoami'], who);
    expect({ code: answer.code, stderr: answer.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(answer.stdout) as { keyId: string; role: string; limits: Limit[] };
  }

  const limitOf = (limits: Limit[], name: string) => limits.find((limit) => limit.name === name);

  beforeAll(async () => {
    // Counting windows are fixed and aligned to the clock; long ones, so the test below can start its
    // count well inside one (see `withinOneWindow`).
    app = await startTestApp({ config: { rateLimitApiWindowSeconds: API_WINDOW_SECONDS } });
    member = await app.createPrincipal({ role: 'member' });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows the caller with their limits and use, as a table and as JSON', async () => {
    const human = await run(['whoami'], member);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^userid\\s+${member.userid}$`, 'm'));
    expect(human.stdout).toMatch(/^role\s+member$/m);
    expect(human.stdout).toMatch(/^limit\s+max\s+used\s+remaining\s+window\s+resets$/m);
    expect(human.stdout).toMatch(new RegExp(`^api\\s+${app.config.rateLimitApi}\\s+\\d+`, 'm'));
    expect(human.stdout).not.toContain(member.apikey);

    const me = await whoami(member);
    expect(me.role).toBe('member');
    expect(me.keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(limitOf(me.limits, 'api')).toMatchObject({ limit: app.config.rateLimitApi });
    expect(limitOf(me.limits, 'api')!.used).toBeGreaterThan(0);
    expect(me.limits.map((limit) => limit.name).sort()).toEqual(['api', 'keys', 'uploads']);
  });

  it(
    "sets a key's limits, which bind on its next request, and clears them again",
    async () => {
      await withinOneWindow(API_WINDOW_SECONDS, COUNTING_MS);
      // A key of its own: the window's count so far is this test's requests only.
      const fresh = await app.createPrincipal({ role: 'member' });
      const { keyId } = await whoami(fresh);
      const set = await run(['--json', 'keys', 'limits', keyId, '--api', '4', '--uploads', '0']);
      expect({ code: set.code, stderr: set.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(set.stdout)).toMatchObject({ id: keyId, rateLimits: { api: 4, uploads: 0 } });

      // `om whoami` is two requests (the connection check, then /auth/me): the first run fits in 4…
      const limited = await whoami(fresh);
      expect(limitOf(limited.limits, 'api')).toMatchObject({ limit: 4 });
      expect(limitOf(limited.limits, 'uploads')).toMatchObject({ limit: 0, remaining: null });
      // …the next is refused with a 429 that names the limit.
      const refused = await run(['whoami'], fresh);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error RATE_LIMITED: .*'api' \(4 per \d+ s\)/m);

      // The human answer shows the limits the key has now; `default` clears one, the other stays.
      const cleared = await run(['keys', 'limits', keyId, '--api', 'default']);
      expect(cleared.code).toBe(0);
      expect(cleared.stdout).toMatch(/^limit api\s+default$/m);
      expect(cleared.stdout).toMatch(/^limit uploads\s+0$/m);
      const again = await whoami(fresh);
      expect(limitOf(again.limits, 'api')).toMatchObject({ limit: app.config.rateLimitApi });
      expect(limitOf(again.limits, 'uploads')).toMatchObject({ limit: 0 });
    },
    COUNTING_MS + 120_000,
  );

  it('refuses bad input and non-admins, changing nothing', async () => {
    const { keyId } = await whoami(member);
    const before = (await whoami(member)).limits.map(({ name, limit }) => ({ name, limit }));

    const none = await run(['keys', 'limits', keyId]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('needs at least one of --api, --uploads, --keys');
    for (const bad of ['-1', '1.5', 'lots', '2000000000']) {
      const answer = await run(['keys', 'limits', keyId, '--api', bad]);
      expect({ bad, code: answer.code }).toEqual({ bad, code: 2 });
      expect(answer.stderr).toContain('--api must be a whole number');
    }
    const unknown = await run(['keys', 'limits', '00000000-0000-4000-8000-000000000000', '--api', '5']);
    expect(unknown.code).toBe(4);
    const notUuid = await run(['keys', 'limits', 'not-a-key', '--api', '5']);
    expect(notUuid.code).toBe(1);
    expect(notUuid.stderr).toMatch(/^error \w+: /m);

    // A member cannot raise (or lower) even their own key's limits.
    const own = await run(['keys', 'limits', keyId, '--api', '0'], member);
    expect(own.code).toBe(5);

    const after = (await whoami(member)).limits.map(({ name, limit }) => ({ name, limit }));
    expect(after).toEqual(before);
  });
});
