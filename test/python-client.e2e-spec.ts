import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { PYTHON, pytestSummary, runPytest } from './support/pytest';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const PYTEST_TIMEOUT_MS = 8 * 60_000;
/** As many tests as clients/python/tests holds: fewer passing means some were lost or skipped. */
const MIN_PASSED = 78;

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
      const run = await runPytest(
        ['clients/python/tests', '-q', '--tb=short'],
        { OMEGA_URL: app.url, OMEGA_USERID: app.admin.userid, OMEGA_APIKEY: app.admin.apikey },
        PYTEST_TIMEOUT_MS,
      );
      // pytest's output is shown when the suite fails: never with the key in it.
      const output = run.output.split(app.admin.apikey).join('***');
      const counts = pytestSummary(output);
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
