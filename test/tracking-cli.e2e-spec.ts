import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';

const MAIN = join(__dirname, '..', 'apps', 'cli', 'src', 'main.ts');
const NODE_ARGS = [
  '-r',
  require.resolve('ts-node/register'),
  '-r',
  require.resolve('tsconfig-paths/register'),
  MAIN,
];

/** `om experiments …` against a real API. */
describe('om experiments', () => {
  let app: TestApp;

  function om(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TS_NODE_TRANSPILE_ONLY: 'true',
      OMEGA_URL: app.url,
      OMEGA_USERID: app.admin.userid,
      OMEGA_APIKEY: app.admin.apikey,
    };
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  beforeAll(async () => {
    app = await startTestApp();
    await app.api
      .post('/api/v1/experiment')
      .send({ name: 'cli-exp', description: 'from the CLI test' })
      .expect(201);
    for (const depth of [4, 8]) {
      const { body } = await app.api.post('/api/v1/experiment/cli-exp/runs').send({}).expect(201);
      await app.api
        .post(`/api/v1/experiment/cli-exp/runs/${body.run}/log`)
        .send({ params: { depth, seed: 1 }, series: [{ key: 'auc', values: [0.5, depth / 10] }] })
        .expect(200);
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists experiments, shows runs and compares two of them', async () => {
    const list = await om(['experiments', 'list']);
    expect(list).toMatchObject({ code: 0 });
    expect(list.stdout).toMatch(/cli-exp\s+from the CLI test/);

    const shown = await om(['--json', 'experiments', 'show', 'cli-exp']);
    expect(shown.code).toBe(0);
    const runs = JSON.parse(shown.stdout) as { run: number; params: Record<string, number> }[];
    expect(runs.map((r) => [r.run, r.params.depth])).toEqual([
      [1, 4],
      [2, 8],
    ]);
    const human = await om(['experiments', 'show', 'cli-exp']);
    expect(human.stdout).toContain('depth=4 seed=1');
    expect(human.stdout).toContain('auc=0.8');

    const compared = await om(['experiments', 'compare', 'cli-exp', '1', '2']);
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/\* depth\s+4\s+8/);
    expect(compared.stdout).toMatch(/ {2}seed\s+1\s+1/);
    expect(compared.stdout).toMatch(/auc \(last\)\s+0\.4\s+0\.8/);
  });

  it('refuses bad run numbers and unknown experiments', async () => {
    expect((await om(['experiments', 'compare', 'cli-exp', 'one', '2'])).code).toBe(2);
    const missing = await om(['experiments', 'show', 'nosuch']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('not found');
  });
});
