import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const ROOT = join(__dirname, '..');
/** The venv `scripts/services.sh start` (so `npm test`) makes, with pytest, scikit-learn, skl2onnx, pandas. */
const PYTHON = join(ROOT, '.omega', 'python', 'bin', 'python');
const PYTEST_TIMEOUT_MS = 8 * 60_000;
/** As many tests as clients/python/tests holds: fewer passing means some were lost or skipped. */
const MIN_PASSED = 56;

interface PytestRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs pytest as a child process (never synchronously: the API answering it lives in this process). */
function runPytest(env: Record<string, string>): Promise<PytestRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      PYTHON,
      ['-m', 'pytest', 'clients/python/tests', '-q', '--tb=short', '-p', 'no:cacheprovider'],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), PYTEST_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** Counts from pytest's closing line, e.g. `42 passed, 1 failed in 53.24s`. */
function summary(output: string): Record<string, number> {
  const line = output
    .trim()
    .split('\n')
    .reverse()
    .find((text) => /\d+ (passed|failed|error|errors|skipped)/.test(text) && / in [\d.]+s/.test(text));
  const counts: Record<string, number> = {};
  for (const [, count, what] of (line ?? '').matchAll(/(\d+) (\w+)/g)) counts[what] = Number(count);
  return counts;
}

describe('the Python client (clients/python) against the platform', () => {
  let app: TestApp;
  let worker: WorkerProcess;

  beforeAll(async () => {
    const secretKey = randomBytes(32).toString('base64url');
    app = await startTestApp({ broker: true, config: { secretKey } });
    // Scripts on the worker call the API back with a token the API must accept.
    worker = await startWorker(app.config, { env: { OMEGA_SECRET_KEY: secretKey, OMEGA_API_URL: app.url } });
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it(
    'passes its pytest suite: datasets, files, ONNX models equal to scikit-learn, tasks, errors, credentials',
    async () => {
      if (!existsSync(PYTHON)) {
        throw new Error(
          `${PYTHON} is missing: run \`bash scripts/services.sh start\` (npm test does); see .omega/services/pip.log`,
        );
      }
      const run = await runPytest({
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        PYTHONDONTWRITEBYTECODE: '1',
        // Machine settings numpy/OpenBLAS may need here (see the environment notes), never credentials.
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            (entry): entry is [string, string] => entry[0].startsWith('OPENBLAS_') && entry[1] !== undefined,
          ),
        ),
        OMEGA_URL: app.url,
        OMEGA_USERID: app.admin.userid,
        OMEGA_APIKEY: app.admin.apikey,
      });
      // pytest's output is shown when the suite fails: never with the key in it.
      const output = run.output.split(app.admin.apikey).join('***');
      const counts = summary(output);
      const report = `pytest exit ${run.code ?? run.signal}, counts ${JSON.stringify(counts)}:\n${output.slice(-20_000)}`;
      if (run.code !== 0) throw new Error(report);
      expect(counts.passed ?? 0).toBeGreaterThanOrEqual(MIN_PASSED);
      expect({ failed: counts.failed ?? 0, errors: (counts.error ?? 0) + (counts.errors ?? 0) }).toEqual({
        failed: 0,
        errors: 0,
      });
      expect(counts.skipped ?? 0).toBe(0);
      // The model actions ran on the worker process (over RabbitMQ), not in the API.
      const { body } = await app.api.get('/api/v1/runtime/workers').expect(200);
      const seen = (body.workers as Array<{ id: string; processed: number }>).find((w) => w.id === worker.id);
      expect(seen?.processed ?? 0).toBeGreaterThan(10);
    },
    PYTEST_TIMEOUT_MS + 60_000,
  );
});
