import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SCRIPT_LIMIT_SECONDS,
  SHORT_LIMIT_LABEL,
  SHORT_LIMIT_SECONDS,
  startShortLimitWorker,
} from './support/short-limit-worker';
import { pollUntil } from './support/poll';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const SECRET_KEY = randomBytes(32).toString('base64url');
const MEMORY_MB = 96;

const SUM_SCRIPT = `
import ms from 'ms';

interface Row { region: string; units: number }

export async function run(om: any, factor: number, kwargs?: { label?: string }): Promise<unknown> {
  const rows = (await om.datasets.get('sales')) as Row[];
  const units: number = rows.reduce((sum: number, row: Row) => sum + row.units, 0);
  console.log(\`summing \${rows.length} rows\`);
  console.error('a warning on stderr');
  return { units: units * factor, twoDays: ms('2 days'), label: kwargs?.label ?? null };
}
`;

const LOOP_SCRIPT = `exports.run = function () { for (;;) {} };`;
const HOG_SCRIPT = `exports.run = function () { const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random())); };`;
/** Buffers live outside the V8 heap: only the resident-size watchdog sees them. */
const BUFFER_HOG_SCRIPT = `exports.run = () => new Promise(() => {
  const keep = [];
  setInterval(() => keep.push(Buffer.alloc(16 * 1024 * 1024, 1)), 20);
});`;
const PROBE_SCRIPT = `
const fs = require('node:fs');
exports.run = async function (om) {
  let file = 'read';
  try { fs.readFileSync(${JSON.stringify(join(__dirname, '..', 'package.json'))}); } catch (error) { file = error.code; }
  let spawn = 'ran';
  try { require('node:child_process').execSync('id'); } catch (error) { spawn = error.code; }
  return { env: Object.keys(process.env), file, spawn, tenant: om.tenant };
};
`;
const CROSS_TENANT_SCRIPT = `
exports.run = async function (om, url) {
  const statusOf = (promise) => promise.then(() => 200, (error) => error.statusCode);
  return {
    viaOm: await statusOf(om.datasets.get('secret')),
    viaOtherScope: await statusOf(om.qualifier('other').bucket('other').datasets.get('secret')),
    withTenantHeaders: (await fetch(url + '/api/v1/dataset/secret', { headers: { Tenant: 'other', 'X-Tenant': 'other' } })).status,
    withoutToken: (await fetch(url + '/api/v1/dataset/secret')).status,
    forgedKey: (await fetch(url + '/api/v1/dataset/secret', { headers: { Authorization: 'ApiKey admin:' + 'x'.repeat(40) } })).status,
  };
};
`;

describe('scripts (script.js) through the API and a worker', () => {
  let app: TestApp;
  let worker: WorkerProcess;
  /** Runs only the script meant to reach its wall-clock limit. */
  let shortLimit: WorkerProcess;
  let other: TestPrincipal;

  const upload = (name: string, source: string, filename: string, fields: Record<string, string> = {}) => {
    let call = app.api.post('/api/v1/script/').field('name', name);
    for (const [key, value] of Object.entries(fields)) call = call.field(key, value);
    return call.attach('file', Buffer.from(source), filename);
  };

  beforeAll(async () => {
    const limits = {
      scriptTimeoutSeconds: SCRIPT_LIMIT_SECONDS,
      scriptMemoryMb: MEMORY_MB,
      secretKey: SECRET_KEY,
    };
    app = await startTestApp({ broker: true, config: limits });
    const env = {
      OMEGA_SECRET_KEY: SECRET_KEY,
      OMEGA_API_URL: app.url,
      OMEGA_SCRIPT_TIMEOUT_SECONDS: String(SCRIPT_LIMIT_SECONDS),
      OMEGA_SCRIPT_MEMORY_MB: String(MEMORY_MB),
    };
    worker = await startWorker(app.config, { env });
    shortLimit = await startShortLimitWorker(app.config, env);
    await app.api
      .put('/api/v1/dataset/sales')
      .send({
        data: [
          { region: 'EU', units: 12 },
          { region: 'US', units: 7 },
          { region: 'EU', units: 3 },
        ],
      })
      .expect(200);
    other = await app.createPrincipal({ tenant: 'other' });
    await other.api
      .put('/api/v1/dataset/secret')
      .send({ data: [{ a: 1 }] })
      .expect(200);
  }, 120_000);

  afterAll(async () => {
    await shortLimit?.stop();
    await worker?.stop();
    await app?.close();
  });

  it('stores a TypeScript script with an npm dependency, bundled at put time', async () => {
    const { body } = await upload('reports/sum', SUM_SCRIPT, 'sum.ts', { dependencies: 'ms@^2.1.3' }).expect(
      201,
    );
    expect(body).toMatchObject({ name: 'reports/sum', kind: 'script.js', bucket: 'default' });
    expect(body.kindMeta).toMatchObject({ language: 'typescript', entry: 'index.ts', owner: 'admin' });
    expect(body.kindMeta.dependencies.ms).toMatch(/^2\.1\.\d+$/);
    expect(body.kindMeta.source).toEqual({ filename: 'sum.ts', size: Buffer.byteLength(SUM_SCRIPT) });
    expect(JSON.stringify(body)).not.toMatch(/gridFile|userId/);
  }, 120_000);

  it('runs it on a worker: args from the body, kwargs from the query, om reads its tenant, output captured', async () => {
    const { body } = await app.api
      .post('/api/v1/script/reports%2Fsum/run?label=weekly')
      .send([2])
      .expect(200);
    expect(body.script).toBe('reports/sum');
    expect(body.result).toEqual({ units: 44, twoDays: 172_800_000, label: 'weekly' });
    expect(body.runtimes).toBeGreaterThan(0);
    expect(new Date(body.ended).getTime()).toBeGreaterThanOrEqual(new Date(body.started).getTime());
    expect(body.stdout).toBe('summing 3 rows\n');
    expect(body.stderr).toBe('a warning on stderr\n');
    const record = await app.api.get(`/api/v1/task/${body.task_id}/result`).expect(200);
    expect(record.body).toMatchObject({ status: 'SUCCESS', action: 'script.run', object: 'reports/sum' });
    expect(record.body.result.stdout).toBe('summing 3 rows\n');
  });

  it('stores a packed folder (tarball with package.json, its own dependencies) and runs its main', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'omega-script-package-'));
    try {
      mkdirSync(join(folder, 'package', 'src'), { recursive: true });
      writeFileSync(
        join(folder, 'package', 'package.json'),
        JSON.stringify({ name: 'totals', main: 'src/main.ts', dependencies: { 'lodash.sum': '^4.0.2' } }),
      );
      writeFileSync(
        join(folder, 'package', 'src', 'units.ts'),
        'export const units = (rows: { units: number }[]) => rows.map((row) => row.units);\n',
      );
      writeFileSync(
        join(folder, 'package', 'src', 'main.ts'),
        "import sum from 'lodash.sum';\nimport { units } from './units';\nexport async function run(om: any) {\n  return sum(units(await om.datasets.get('sales', { filter: { region: 'EU' } })));\n}\n",
      );
      execFileSync('tar', ['-czf', join(folder, 'totals.tgz'), '-C', folder, 'package']);
      const { body } = await app.api
        .put('/api/v1/script/')
        .field('name', 'totals')
        .attach('file', readFileSync(join(folder, 'totals.tgz')), 'totals.tgz')
        .expect(200);
      expect(body.kindMeta).toMatchObject({ language: 'typescript', entry: 'src/main.ts' });
      expect(body.kindMeta.dependencies['lodash.sum']).toMatch(/^4\./);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    const { body } = await app.api.post('/api/v1/script/totals/run').expect(200);
    expect(body.result).toBe(15);
  }, 120_000);

  it('runs asynchronously: 202 with a Location to poll', async () => {
    const answer = await app.api.post('/api/v1/script/reports%2Fsum/run?async=true').send([1]).expect(202);
    expect(answer.headers.location).toBe(`/api/v1/task/${answer.body.task_id}/result`);
    const record = await pollUntil(
      async () => (await app.api.get(answer.headers.location).expect(200)).body,
      ({ status }) => status === 'SUCCESS' || status === 'FAILURE',
      SCRIPT_LIMIT_SECONDS,
    );
    expect(record.status).toBe('SUCCESS');
    expect(record.result.result.units).toBe(22);
  });

  it('stops a script that loops forever at its wall-clock limit; the worker keeps serving', async () => {
    await upload('loop', LOOP_SCRIPT, 'loop.js').expect(201);
    const loop = () => app.api.post(`/api/v1/script/loop/run?require=${SHORT_LIMIT_LABEL}`).expect(422);
    const started = Date.now();
    const { body } = await loop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT_LIMIT_SECONDS * 1000);
    expect(body).toMatchObject({ statusCode: 422, code: 'LIMIT_EXCEEDED', script: 'loop' });
    expect(body.message).toMatch(new RegExp(`wall-clock limit of ${SHORT_LIMIT_SECONDS} s`));
    const record = await app.api.get(`/api/v1/task/${body.task_id}/result`).expect(200);
    expect(record.body).toMatchObject({ status: 'FAILURE', error: { code: 'LIMIT_EXCEEDED' } });
    // The same worker takes the next run and stops it again (only code meant to reach the limit goes there).
    const again = await loop();
    expect(again.body).toMatchObject({ code: 'LIMIT_EXCEEDED', script: 'loop' });
    expect(again.body.task_id).not.toBe(body.task_id);
  }, 90_000);

  it('stops a script that allocates without bound at its memory limit; the worker keeps serving', async () => {
    await upload('hog', HOG_SCRIPT, 'hog.js').expect(201);
    const { body } = await app.api.post('/api/v1/script/hog/run').expect(422);
    expect(body.code).toBe('LIMIT_EXCEEDED');
    expect(body.message).toMatch(new RegExp(`memory limit of ${MEMORY_MB} MiB`));
    const after = await app.api.post('/api/v1/script/reports%2Fsum/run').send([3]).expect(200);
    expect(after.body.result.units).toBe(66);
    expect(worker.output()).toMatch(/ready/);
  }, 60_000);

  it('stops a script whose buffers (outside the heap) pass the limit, by its resident size', async () => {
    await upload('buffers', BUFFER_HOG_SCRIPT, 'buffers.js').expect(201);
    const { body } = await app.api.post('/api/v1/script/buffers/run').expect(422);
    expect(body.code).toBe('LIMIT_EXCEEDED');
    expect(body.message).toMatch(new RegExp(`memory limit of ${MEMORY_MB} MiB \\(resident \\d+ MiB\\)`));
    await app.api.post('/api/v1/script/reports%2Fsum/run').send([1]).expect(200);
  }, 60_000);

  it('gives user code no environment, no platform files and no child processes', async () => {
    await upload('probe', PROBE_SCRIPT, 'probe.js').expect(201);
    const { body } = await app.api.post('/api/v1/script/probe/run').expect(200);
    expect(body.result).toEqual({
      env: [],
      file: 'ERR_ACCESS_DENIED',
      spawn: 'ERR_ACCESS_DENIED',
      tenant: 'default',
    });
  });

  it("cannot reach another tenant's data with its token, other headers or a forged key", async () => {
    await upload('cross', CROSS_TENANT_SCRIPT, 'cross.js').expect(201);
    const { status, body } = await app.api.post('/api/v1/script/cross/run').send([app.url]);
    // The whole answer on failure: a script that threw names its error there.
    expect({ status, error: status === 200 ? undefined : body }).toEqual({ status: 200, error: undefined });
    expect(body.result).toEqual({
      viaOm: 404,
      // The run's token is scoped to its own qualifier and bucket: another is refused before any lookup.
      viaOtherScope: 403,
      withTenantHeaders: 401,
      withoutToken: 401,
      forgedKey: 401,
    });
    // The other tenant's own user still reads it: the 404 above is isolation, not a missing dataset.
    await other.api.get('/api/v1/dataset/secret').expect(200);
    await other.api.get('/api/v1/script/cross').expect(404);
    await other.api.post('/api/v1/script/cross/run').expect(404);
  });

  it('answers a run that returns while the worker still streams it a response body', async () => {
    // Each get resolves at the answer's head while its body is still being sent to the child; the script
    // returns without reading it. The answer must not be lost to the bytes still coming.
    await app.api
      .put('/api/v1/file/big.bin')
      .set('Content-Type', 'application/octet-stream')
      .send(randomBytes(2 * 1024 * 1024))
      .expect(200);
    const unread = `exports.run = async (om) => {
  const sizes = [];
  for (let k = 0; k < 3; k++) sizes.push(typeof (await om.files.get('big.bin')).read);
  return sizes;
};`;
    await upload('unread', unread, 'unread.js').expect(201);
    for (let k = 0; k < 6; k++) {
      const { status, body } = await app.api.post('/api/v1/script/unread/run').send([]);
      expect({ run: k, status, error: status === 200 ? undefined : body }).toEqual({
        run: k,
        status: 200,
        error: undefined,
      });
      expect(body.result).toEqual(['function', 'function', 'function']);
    }
  });

  it('gives every run a process and a folder of its own, even one started ahead', async () => {
    const marker = `exports.run = () => {
  const fs = require('node:fs');
  const seen = fs.existsSync('left-by-an-earlier-run');
  fs.writeFileSync('left-by-an-earlier-run', 'x');
  globalThis.runsHere = (globalThis.runsHere ?? 0) + 1;
  return { pid: process.pid, seen, runsHere: globalThis.runsHere };
};`;
    await upload('marker', marker, 'marker.js').expect(201);
    const results: { pid: number; seen: boolean; runsHere: number }[] = [];
    for (let k = 0; k < 3; k++) {
      results.push((await app.api.post('/api/v1/script/marker/run').send([]).expect(200)).body.result);
    }
    expect(results.map((result) => result.seen)).toEqual([false, false, false]);
    // A process that served an earlier run would count it; each is also pid 1 of a PID namespace of its own.
    expect(results.map((result) => result.runsHere)).toEqual([1, 1, 1]);
    expect(results.map((result) => result.pid)).toEqual([1, 1, 1]);
  });

  it('lets the readonly role list scripts but not store or run them', async () => {
    const reader = await app.createPrincipal({ role: 'readonly' });
    const list = await reader.api.get('/api/v1/script/').expect(200);
    expect(list.body.meta.total_count).toBeGreaterThan(0);
    await reader.api.post('/api/v1/script/cross/run').expect(403);
    await reader.api
      .post('/api/v1/script/')
      .field('name', 'x')
      .attach('file', Buffer.from('exports.run = () => 1'), 'x.js')
      .expect(403);
  });

  it('reports a script that throws as SCRIPT_FAILED with its message', async () => {
    await upload('boom', 'export function run() { throw new Error("no such customer"); }', 'boom.ts').expect(
      201,
    );
    const { body } = await app.api.post('/api/v1/script/boom/run').expect(422);
    expect(body.code).toBe('SCRIPT_FAILED');
    expect(body.message).toMatch(/no such customer/);
  });

  it('lists, shows and drops scripts', async () => {
    const list = await app.api.get('/api/v1/script/').expect(200);
    const names = list.body.objects.map((entry: { name: string }) => entry.name);
    expect(names).toEqual(expect.arrayContaining(['reports/sum', 'loop', 'hog', 'probe', 'cross']));
    await app.api.get('/api/v1/script/probe').expect(200);
    const source = await app.api
      .get('/api/v1/script/probe/source')
      .buffer(true)
      .parse((res, done) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => done(null, Buffer.concat(parts)));
      });
    expect(source.status).toBe(200);
    expect((source.body as Buffer).toString('utf8')).toBe(PROBE_SCRIPT);
    await app.api.delete('/api/v1/script/probe').expect(200);
    await app.api.get('/api/v1/script/probe').expect(404);
    await app.api.post('/api/v1/script/probe/run').expect(404);
  });

  it('refuses bad uploads and runs with clear 4xx answers', async () => {
    const bad = async (call: ReturnType<typeof upload>, status: number, message: RegExp) => {
      const { body } = await call.expect(status);
      expect(body.message).toMatch(message);
    };
    await bad(upload('../x', 'exports.run = () => 1', 'x.js'), 400, /Invalid name/);
    await bad(upload('py', 'print(1)', 'x.py'), 400, /\.ts/);
    await bad(
      upload('dep', 'exports.run = () => 1', 'x.js', { dependencies: '{"ms": "file:../../etc"}' }),
      400,
      /is not allowed; give a semver version or range from the registry/,
    );
    await bad(upload('syntax', 'export function run( {', 'x.ts'), 400, /does not build/);
    const outside = `import pkg from ${JSON.stringify(join(__dirname, '..', 'package.json'))};\nexport const run = () => pkg;`;
    await bad(upload('outside', outside, 'x.ts'), 400, /imports must be files of the script's package/);
    await bad(app.api.post('/api/v1/script/').send({ name: 'json' }), 415, /multipart/);
    await bad(
      app.api
        .post('/api/v1/script/')
        .field('name', 'x')
        .field('extra', '1')
        .attach('file', Buffer.from('1'), 'x.js'),
      400,
      /extra/,
    );
    await bad(app.api.post('/api/v1/script/reports%2Fsum/run?timeout=0'), 400, /timeout/);
    await bad(app.api.post('/api/v1/script/reports%2Fsum/run?bad-name=1'), 400, /bad-name/);
    await bad(
      app.api.post('/api/v1/script/reports%2Fsum/run?require=gpu'),
      503,
      /No live worker serves label "gpu"/,
    );
    const list = await app.api.get('/api/v1/script/').expect(200);
    expect(list.body.objects.map((entry: { name: string }) => entry.name)).not.toContain('outside');
  }, 60_000);
});
