import { TenantContext } from '@omega/core';
import { JobsService } from '@omega/jobs';
import { RuntimeClient } from '@omega/runtime';
import { randomBytes } from 'node:crypto';
import {
  SCRIPT_LIMIT_SECONDS,
  SHORT_LIMIT_LABEL,
  SHORT_LIMIT_SECONDS,
  startShortLimitWorker,
} from './support/short-limit-worker';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const SECRET_KEY = randomBytes(32).toString('base64url');

function notebook(cells: { type?: 'code' | 'markdown'; source: string }[], language = 'typescript') {
  return Buffer.from(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: language === 'python' ? 'python3' : 'tslab', display_name: language, language },
        language_info: { name: language },
      },
      cells: cells.map(({ type = 'code', source }) =>
        type === 'code'
          ? { cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null }
          : { cell_type: 'markdown', source, metadata: {} },
      ),
    }),
  );
}

const WEEKLY = notebook([
  { type: 'markdown', source: '# Weekly units' },
  { source: "const rows = await om.datasets.get('sales');\nconsole.log('rows', rows.length);\nrows.length" },
  {
    source:
      'interface Row { units: number }\nconst total: number = (rows as Row[]).reduce((sum, row) => sum + row.units, 0);\ntotal * 2',
  },
  { source: 'function double(x: number): number {\n  return x * 2;\n}\ndouble(total) + 1' },
]);
const BROKEN = notebook([
  { source: "const before = 1;\nconsole.log('before the failure');" },
  { source: "throw new Error('cell broke');" },
  { source: "console.log('never printed');" },
]);

interface Output {
  output_type: string;
  name?: string;
  text?: string[];
  data?: Record<string, string>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  outputs?: Output[];
  execution_count?: number | null;
}

describe('notebook jobs (notebook.ipynb) through the API and a worker', () => {
  let app: TestApp;
  let worker: WorkerProcess;
  /** Runs only the notebook meant to reach its wall-clock limit. */
  let shortLimit: WorkerProcess;

  const upload = (name: string, content: Buffer, filename = `${name}.ipynb`) =>
    app.api.post('/api/v1/job/').field('name', name).attach('file', content, filename);

  /** A job of its own for one test (each test creates what it needs; none relies on another's runs). */
  let made = 0;
  const freshJob = async (base: string, content: Buffer = WEEKLY) => {
    made += 1;
    const name = `${base}${made}`;
    await upload(name, content).expect(201);
    return name;
  };

  beforeAll(async () => {
    app = await startTestApp({
      broker: true,
      config: { scriptTimeoutSeconds: SCRIPT_LIMIT_SECONDS, secretKey: SECRET_KEY },
    });
    const env = {
      OMEGA_SECRET_KEY: SECRET_KEY,
      OMEGA_API_URL: app.url,
      OMEGA_SCRIPT_TIMEOUT_SECONDS: String(SCRIPT_LIMIT_SECONDS),
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
  }, 120_000);

  afterAll(async () => {
    await shortLimit?.stop();
    await worker?.stop();
    await app?.close();
  });

  it('stores a TypeScript notebook as a job', async () => {
    const { body } = await upload('weekly', WEEKLY).expect(201);
    expect(body).toMatchObject({ name: 'weekly', kind: 'notebook.ipynb' });
    expect(body.kindMeta).toMatchObject({
      nbformat: 4,
      language: 'typescript',
      cells: 4,
      codeCells: 3,
      runs: [],
      owner: 'admin',
    });
  });

  it('runs a good notebook: outputs are console output and the last expression of each cell', async () => {
    const name = await freshJob('good');
    const { body } = await app.api.post(`/api/v1/job/${name}/run`).expect(200);
    expect(body).toMatchObject({ job: name, status: 'SUCCESS' });
    expect(body.result).toMatch(new RegExp(`^results/${name}_\\d{8}T\\d{9}Z\\.ipynb$`));
    const executed = (
      await app.api.get(`/api/v1/job/${encodeURIComponent(body.result)}/notebook`).expect(200)
    ).body;
    const cells = executed.cells as Cell[];
    expect(cells[0].cell_type).toBe('markdown');
    expect(cells[1].outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: ['rows 3\n'] },
      { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '3' }, metadata: {} },
    ]);
    expect(cells[2].outputs?.[0].data?.['text/plain']).toBe('44');
    expect(cells[3].outputs?.[0].data?.['text/plain']).toBe('45');
    expect(executed.metadata.omega).toMatchObject({ job: name, status: 'SUCCESS' });
    const job = (await app.api.get(`/api/v1/job/${name}`).expect(200)).body;
    expect(job.kindMeta.runs).toHaveLength(1);
    expect(job.kindMeta.runs[0]).toMatchObject({ status: 'SUCCESS', result: body.result, userid: 'admin' });
    expect(job.kindMeta.runs[0].durationMs).toBeGreaterThan(0);
  });

  it('keeps the error of a failing cell in the executed notebook and a FAILURE in the history', async () => {
    await upload('broken', BROKEN).expect(201);
    const { body } = await app.api.post('/api/v1/job/broken/run').expect(422);
    expect(body).toMatchObject({ statusCode: 422, code: 'SCRIPT_FAILED', job: 'broken' });
    expect(body.message).toMatch(/cell 1: cell broke/);
    const job = (await app.api.get('/api/v1/job/broken').expect(200)).body;
    const [run] = job.kindMeta.runs;
    expect(run).toMatchObject({ status: 'FAILURE' });
    expect(run.error).toMatch(/cell broke/);
    const cells = (await app.api.get(`/api/v1/job/${encodeURIComponent(run.result)}/notebook`).expect(200))
      .body.cells as Cell[];
    expect(cells[0].outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: ['before the failure\n'] },
    ]);
    expect(cells[1].outputs?.[0]).toMatchObject({
      output_type: 'error',
      ename: 'Error',
      evalue: 'cell broke',
    });
    expect(cells[2]).toMatchObject({ outputs: [], execution_count: null });
  });

  it('stops a notebook at its wall-clock limit and records why', async () => {
    await upload(
      'spin',
      notebook([{ source: "console.log('spinning')" }, { source: 'while (true) {}' }]),
    ).expect(201);
    const spin = () => app.api.post(`/api/v1/job/spin/run?require=${SHORT_LIMIT_LABEL}`).expect(422);
    const { body } = await spin();
    expect(body.code).toBe('LIMIT_EXCEEDED');
    const job = (await app.api.get('/api/v1/job/spin').expect(200)).body;
    expect(job.kindMeta.runs[0]).toMatchObject({ status: 'FAILURE' });
    expect(job.kindMeta.runs[0].error).toMatch(new RegExp(`wall-clock limit of ${SHORT_LIMIT_SECONDS} s`));
    // The cell that finished before the limit keeps its output; the one that spun shows why it stopped.
    const cells = (
      await app.api.get(`/api/v1/job/${encodeURIComponent(job.kindMeta.runs[0].result)}/notebook`).expect(200)
    ).body.cells as Cell[];
    expect(cells[0].outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: ['spinning\n'] }]);
    expect(cells[1].outputs?.[0]).toMatchObject({ output_type: 'error', ename: 'LimitExceeded' });
    // The worker goes on running jobs after one hit its limit: it takes the next and stops it again.
    expect((await spin()).body.code).toBe('LIMIT_EXCEEDED');
  }, 90_000);

  it('runs job.run tasks as a schedule sends them (args [], kwargs {}), acting for the owner', async () => {
    const runtime = app.app.get(RuntimeClient);
    const ctx = TenantContext.of('default');
    const name = await freshJob('scheduled');
    const task = await runtime.submit(ctx, { action: 'job.run', object: name, args: [], kwargs: {} });
    const record = await runtime.wait(ctx, task.id, 30_000);
    expect(record.status).toBe('SUCCESS');
    expect(record.result).toMatchObject({ job: name, status: 'SUCCESS' });
    const job = (await app.api.get(`/api/v1/job/${name}`).expect(200)).body;
    expect(job.kindMeta.runs).toEqual([expect.objectContaining({ status: 'SUCCESS', userid: 'admin' })]);
  });

  it('keeps every run of runs that end together in the history', async () => {
    await upload('busy', notebook([{ source: '1 + 1' }])).expect(201);
    const jobs = app.app.get(JobsService);
    const ctx = TenantContext.of('default');
    const started = new Date().toISOString();
    const runs = Array.from({ length: 12 }, (_, k) => ({
      status: 'SUCCESS' as const,
      started,
      ended: started,
      durationMs: k,
      result: `results/busy_${k}.ipynb`,
      userid: 'admin',
    }));
    await Promise.all(runs.map((run) => jobs.recordRun(ctx, 'busy', run)));
    // And two real runs at once, on the worker.
    await Promise.all([
      app.api.post('/api/v1/job/busy/run').expect(200),
      app.api.post('/api/v1/job/busy/run').expect(200),
    ]);
    const history = (await app.api.get('/api/v1/job/busy').expect(200)).body.kindMeta.runs as {
      result: string;
    }[];
    expect(history).toHaveLength(14);
    expect(
      history
        .map((run) => run.result)
        .slice(0, 12)
        .sort(),
    ).toEqual(runs.map((run) => run.result).sort());
    await app.api.delete('/api/v1/job/busy').expect(200);
  });

  it('lists jobs with their executed notebooks, and drops them', async () => {
    const listed = await freshJob('listed');
    const dropped = await freshJob('dropped', notebook([{ source: '1' }]));
    await app.api.post(`/api/v1/job/${listed}/run`).expect(200);
    await app.api.post(`/api/v1/job/${listed}/run`).expect(200);
    const list = (await app.api.get('/api/v1/job/').expect(200)).body;
    const names = list.objects.map((entry: { name: string }) => entry.name) as string[];
    expect(names).toEqual(expect.arrayContaining([listed, dropped]));
    expect(names.filter((name) => name.startsWith(`results/${listed}_`))).toHaveLength(2);
    await app.api.delete(`/api/v1/job/${dropped}`).expect(200);
    await app.api.get(`/api/v1/job/${dropped}`).expect(404);
    await app.api.post(`/api/v1/job/${dropped}/run`).expect(404);
  });

  it('takes the schedule written in a notebook at put, refuses a bad one unstored, drops it with the job', async () => {
    const withSchedule = (schedule: unknown) => {
      const document = JSON.parse(WEEKLY.toString()) as { metadata: Record<string, unknown> };
      document.metadata.omega = { schedule };
      return Buffer.from(JSON.stringify(document));
    };
    await upload('nightly', withSchedule({ text: 'every day at 02:30', timezone: 'Europe/Zurich' })).expect(
      201,
    );
    const { body } = await app.api.get('/api/v1/job/nightly/schedule').expect(200);
    expect(body).toMatchObject({
      name: 'nightly',
      cron: '30 2 * * *',
      timezone: 'Europe/Zurich',
      source: 'notebook',
    });
    expect(body.next_times).toHaveLength(5);

    // A bad schedule is refused before anything is stored.
    const refused = await upload('hourly', withSchedule('twice a fortnight')).expect(400);
    expect(refused.body.message).toMatch(/Unknown schedule text/);
    await app.api.get('/api/v1/job/hourly').expect(404);

    // A new version without a schedule removes the one the notebook had set.
    await upload('nightly', WEEKLY).expect(201);
    await app.api.get('/api/v1/job/nightly/schedule').expect(404);
    await upload('nightly', withSchedule('*/5 * * * *')).expect(201);
    await app.api.delete('/api/v1/job/nightly').expect(200);
    await app.api.get('/api/v1/job/nightly/schedule').expect(404);
  });

  it('refuses bad notebooks with clear 4xx answers', async () => {
    const bad = async (call: ReturnType<typeof upload>, status: number, message: RegExp) => {
      const { body } = await call.expect(status);
      expect(body.message).toMatch(message);
    };
    await bad(upload('py', notebook([{ source: 'print(1)' }], 'python')), 400, /JavaScript or TypeScript/);
    await bad(upload('text', Buffer.from('not json')), 400, /not JSON/);
    await bad(upload('v3', Buffer.from(JSON.stringify({ nbformat: 3, cells: [] }))), 400, /nbformat 4/);
    await bad(upload('results/x', WEEKLY), 400, /results\//);
    await bad(upload('a..b', WEEKLY), 400, /Invalid name/);
    await bad(app.api.post('/api/v1/job/').send({ name: 'x' }), 415, /multipart/);
  });
});
