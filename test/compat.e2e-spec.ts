import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { PYTHON, pytestSummary, runPytest } from './support/pytest';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const PYTEST_TIMEOUT_MS = 8 * 60_000;
/** test/compat's ported tests that apply to omega-ts: fewer passing means some were lost. */
const MIN_PASSED = 52;
/** The generative-AI tests and the service tests of Python-function models, skipped by design with their reason. */
const BY_DESIGN_SKIPS = 17;

/**
 * omega-ml 0.18's REST API tests, ported in test/compat (pytest), against the API as it is started: with
 * the embedded runtime (the default, no broker) and with RabbitMQ and a worker process.
 */
async function passesTheCompatSuite(app: TestApp): Promise<void> {
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: run \`bash scripts/services.sh start\` (npm test does)`);
  }
  const run = await runPytest(
    ['test/compat', '-q', '--tb=short', '-rs', '--rootdir', 'test/compat'],
    { OMEGA_URL: app.url, OMEGA_USERID: app.admin.userid, OMEGA_APIKEY: app.admin.apikey },
    PYTEST_TIMEOUT_MS,
  );
  // pytest's output is shown when the suite fails: never with the key in it.
  const output = run.output.split(app.admin.apikey).join('***');
  const counts = pytestSummary(output);
  if (run.code !== 0) {
    throw new Error(
      `pytest exit ${run.code ?? run.signal}, ${JSON.stringify(counts)}:\n${output.slice(-20_000)}`,
    );
  }
  expect(counts.passed ?? 0).toBeGreaterThanOrEqual(MIN_PASSED);
  expect({ failed: counts.failed ?? 0, errors: (counts.error ?? 0) + (counts.errors ?? 0) }).toEqual({
    failed: 0,
    errors: 0,
  });
  // Every skip is a named by-design one: `-rs` lists each with its reason.
  expect(counts.skipped ?? 0).toBe(BY_DESIGN_SKIPS);
  const reasons = [...output.matchAll(/^SKIPPED \[\d+\] [^:]+:\d+: (.*)$/gm)].map((match) => match[1]);
  expect(reasons).toHaveLength(BY_DESIGN_SKIPS);
  for (const reason of reasons) expect(reason).toMatch(/^by design: /);
}

describe('omega-ml REST API compatibility (test/compat)', () => {
  describe('embedded runtime (the default)', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp({ config: { secretKey: randomBytes(32).toString('base64url') } });
    });

    afterAll(async () => {
      await app?.close();
    });

    it('passes the ported suite', () => passesTheCompatSuite(app), PYTEST_TIMEOUT_MS + 60_000);
  });

  describe('broker and a worker process', () => {
    let app: TestApp;
    let worker: WorkerProcess;

    beforeAll(async () => {
      const secretKey = randomBytes(32).toString('base64url');
      app = await startTestApp({ broker: true, config: { secretKey } });
      worker = await startWorker(app.config, {
        env: { OMEGA_SECRET_KEY: secretKey, OMEGA_API_URL: app.url },
      });
    });

    afterAll(async () => {
      await worker?.stop();
      await app?.close();
    });

    it(
      'passes the ported suite, its tasks run by the worker',
      async () => {
        await passesTheCompatSuite(app);
        const { body } = await app.api.get('/api/v1/runtime/workers').expect(200);
        const seen = (body.workers as Array<{ id: string; processed: number }>).find(
          (w) => w.id === worker.id,
        );
        expect(seen?.processed ?? 0).toBeGreaterThan(10);
      },
      PYTEST_TIMEOUT_MS + 60_000,
    );
  });
});
