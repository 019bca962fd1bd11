import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

/**
 * Debian's Prometheus (scripts/tools.sh installs it) scrapes a real API with a real worker behind it, with
 * the rules of deploy/prometheus loaded; the assertions are PromQL answers from its HTTP API.
 */
const ROOT = join(__dirname, '..');
const RULES = join(ROOT, 'deploy', 'prometheus', 'rules');
const IRIS = join(__dirname, 'fixtures', 'onnx');
const SCRIPT_TIMEOUT_SECONDS = 2;
const secretKey = randomBytes(32).toString('base64url');
const PREDICTS =
  'sum(omega_http_requests_total{method="PUT", route="/api/v1/model/:name/:action", status="200"})';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('Prometheus against a running api and worker', () => {
  let app: TestApp;
  let worker: WorkerProcess;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let dir: string;
  let log = '';

  async function query(promql: string): Promise<Sample[]> {
    const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: Sample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    return body.data.result;
  }

  /** Polls until the query answers something that passes `accept` (Prometheus scrapes every second here). */
  async function eventually(promql: string, accept: (samples: Sample[]) => boolean): Promise<Sample[]> {
    let samples: Sample[] = [];
    for (let i = 0; i < 60; i++) {
      samples = await query(promql);
      if (accept(samples)) return samples;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(
      `${promql} kept answering ${JSON.stringify(samples)}\nprometheus log:\n${log.slice(-3000)}`,
    );
  }

  const total = (samples: Sample[]): number => samples.reduce((sum, s) => sum + Number(s.value[1]), 0);

  beforeAll(async () => {
    app = await startTestApp({
      broker: true,
      config: { scriptTimeoutSeconds: SCRIPT_TIMEOUT_SECONDS, secretKey },
    });
    worker = await startWorker(app.config, {
      env: {
        OMEGA_SECRET_KEY: secretKey,
        OMEGA_API_URL: app.url,
        OMEGA_SCRIPT_TIMEOUT_SECONDS: String(SCRIPT_TIMEOUT_SECONDS),
      },
    });

    dir = mkdtempSync(join(tmpdir(), 'omega-prometheus-'));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const target = new URL(app.url).host;
    // The committed rules, a fast scrape and evaluation so the test waits seconds, not minutes.
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${join(RULES, 'omega-recording.yml')}', '${join(RULES, 'omega-alerts.yml')}']`,
        'scrape_configs:',
        '  - job_name: omega-api',
        `    static_configs: [{ targets: ['${target}'] }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    for (let i = 0; i < 60; i++) {
      const ready = await fetch(`${prometheusUrl}/-/ready`).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) break;
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Traffic only once the API has been scraped: counters then rise between scrapes, and rates are not 0.
    await eventually('up{job="omega-api"}', (samples) => samples.length === 1 && samples[0].value[1] === '1');
    // Some traffic: a dataset written and read, a model uploaded and its predictions run by the worker.
    const expected = JSON.parse(readFileSync(join(IRIS, 'iris-logreg.expected.json'), 'utf8')) as {
      columns: string[];
      X: number[][];
      predict: number[];
    };
    const records = expected.X.map((row) => Object.fromEntries(expected.columns.map((c, i) => [c, row[i]])));
    await app.api.put('/api/v1/dataset/iris_X').send({ data: records }).expect(200);
    await app.api.get('/api/v1/dataset/iris_X').expect(200);
    await app.api.get('/api/v1/dataset/missing').expect(404);
    await app.api
      .post('/api/v1/model/')
      .field('name', 'iris')
      .attach('file', readFileSync(join(IRIS, 'iris-logreg.onnx')), 'iris.onnx')
      .expect(201);
    const predict = async (times: number): Promise<void> => {
      for (let i = 0; i < times; i++) {
        const { body } = await app.api.put('/api/v1/model/iris/predict?datax=iris_X').expect(200);
        expect(body.result).toEqual(expected.predict);
      }
    };
    // A series is born with its first value, which a rate does not count: predict again once it was scraped.
    await predict(2);
    await eventually(PREDICTS, (samples) => total(samples) >= 2);
    await predict(3);
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await worker?.stop();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the API', async () => {
    const up = await eventually(
      'up{job="omega-api"}',
      (samples) => samples.length === 1 && samples[0].value[1] === '1',
    );
    expect(up[0].metric.instance).toBe(new URL(app.url).host);
  });

  it('counts the predictions by route and the dataset reads and writes by outcome', async () => {
    const predicts = await eventually(PREDICTS, (samples) => total(samples) >= 5);
    expect(total(predicts)).toBe(5);
    const writes = await eventually(
      'omega_dataset_requests_total{operation="write", outcome="ok"}',
      (samples) => total(samples) >= 1,
    );
    expect(total(writes)).toBe(1);
    // The stored dataset the predictions read is a read of the store, not a dataset request.
    const misses = await eventually(
      'omega_dataset_requests_total{operation="read", outcome="client_error"}',
      (samples) => total(samples) >= 1,
    );
    expect(total(misses)).toBe(1);
  });

  it('counts the tasks the worker ran, its queue and its heartbeat', async () => {
    const submitted = await eventually(
      'sum by (label) (omega_runtime_tasks_submitted_total)',
      (samples) => total(samples) >= 5,
    );
    expect(submitted.map((sample) => sample.metric.label)).toEqual(['default']);
    const finished = await eventually(
      'sum(omega_runtime_tasks_finished_total{label="default"})',
      (samples) => total(samples) >= 5,
    );
    expect(total(finished)).toBe(total(submitted));
    const consumers = await eventually(
      'label:omega_runtime_queue_consumers:max{label="default"}',
      (samples) => samples.some((sample) => Number(sample.value[1]) >= 1),
    );
    expect(Number(consumers[0].value[1])).toBe(1);
    const heartbeat = await eventually(
      `omega_runtime_worker_heartbeat_age_seconds{worker="${worker.id}"}`,
      (samples) => samples.length === 1,
    );
    expect(Number(heartbeat[0].value[1])).toBeLessThan(30);
    const failures = await eventually(
      'label:omega_runtime_tasks_failed:ratio_rate10m{label="default"}',
      (samples) => samples.length === 1,
    );
    expect(Number(failures[0].value[1])).toBe(0);
    expect(await query('ALERTS{alertname=~"OmegaNoLiveWorker|OmegaTaskFailureRate"}')).toEqual([]);
  });

  it('counts a script stopped at its sandbox limit', async () => {
    await app.api
      .post('/api/v1/script/')
      .field('name', 'loop')
      .attach('file', Buffer.from('exports.run = function () { for (;;) {} };'), 'loop.js')
      .expect(201);
    const { body } = await app.api.post('/api/v1/script/loop/run').expect(422);
    expect(body.code).toBe('LIMIT_EXCEEDED');
    const hits = await eventually('omega_sandbox_limits_hit_total', (samples) => total(samples) >= 1);
    expect(hits.map((sample) => [sample.metric.action, sample.metric.label, sample.value[1]])).toEqual([
      ['script.run', 'default', '1'],
    ]);
    const runs = await eventually('sum(omega_runtime_tasks_failed_total{action="script.run"})', (samples) =>
      samples.some((sample) => Number(sample.value[1]) >= 1),
    );
    expect(total(runs)).toBe(1);
  });

  it('shows tenants by hash only', async () => {
    const tenants = await eventually('omega_tenant_requests_total', (samples) => samples.length > 0);
    for (const sample of tenants) expect(sample.metric.tenant).toMatch(/^(t-[0-9a-f]{12}|other)$/);
    expect(tenants.map((sample) => sample.metric.tenant)).not.toContain('default');
  });

  it('loads every rule of deploy/prometheus healthy and evaluates the recording rules', async () => {
    const res = await fetch(`${prometheusUrl}/api/v1/rules`);
    const body = (await res.json()) as {
      data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const rules = body.data.groups.flatMap((group) => group.rules);
    expect(body.data.groups.map((group) => group.name).sort()).toEqual(
      ['omega-alerts', 'omega-http', 'omega-runtime', 'omega-store'].sort(),
    );
    expect(rules.length).toBeGreaterThan(20);
    const requests = await eventually(
      'job:omega_http_requests:rate5m{job="omega-api"}',
      (samples) => samples.length === 1 && Number(samples[0].value[1]) > 0,
    );
    expect(requests[0].metric).toEqual({ __name__: 'job:omega_http_requests:rate5m', job: 'omega-api' });
    // A scraped API answers no 5xx here: the error share is 0 and its alert stays quiet.
    const errors = await eventually('job:omega_http_errors:ratio_rate5m', (samples) => samples.length === 1);
    expect(Number(errors[0].value[1])).toBe(0);
    expect(await query('ALERTS{alertname="OmegaApiErrorRate"}')).toEqual([]);
    const after = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as typeof body;
    const unhealthy = after.data.groups
      .flatMap((group) => group.rules)
      .filter((rule) => rule.health === 'err')
      .map((rule) => `${rule.name}: ${rule.lastError}`);
    expect(unhealthy).toEqual([]);
  });

  it('reports the part cache with its cap and disk', async () => {
    const cap = await eventually('omega_part_cache_max_bytes', (samples) => samples.length === 1);
    expect(Number(cap[0].value[1])).toBe(app.config.cacheMaxBytes);
    const free = await eventually(
      'instance:omega_part_cache_disk:free_ratio',
      (samples) => samples.length === 1,
    );
    expect(Number(free[0].value[1])).toBeGreaterThan(0);
    expect(Number(free[0].value[1])).toBeLessThanOrEqual(1);
  });
});
