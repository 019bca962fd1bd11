import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const ROOT = join(__dirname, '..');
const PACKAGE = join(ROOT, 'clients', 'r');
const R_TIMEOUT_MS = 8 * 60_000;
/** As many tests as clients/r/tests/testthat holds: fewer passing means some were lost. */
const MIN_PASSED = 22;
/** Debian has no r-cran-arrow: the Parquet test is skipped (and says so) where arrow is missing. */
const ARROW_SKIPS = 1;

interface Run {
  code: number | null;
  output: string;
}

/** Runs R as a child process (never synchronously: the API answering it lives in this process). */
function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), R_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The machine's PATH and HOME and R's own settings, never the caller's credentials. */
function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    // Suggested packages (arrow) may be missing: Debian does not package arrow.
    _R_CHECK_FORCE_SUGGESTS_: 'false',
  };
}

/** testthat's results as counts, printed by the runner below as one line. */
const RUNNER = `
args <- commandArgs(trailingOnly = TRUE)
.libPaths(c(args[1], .libPaths()))
library(testthat)
results <- testthat::test_dir(args[2], package = "omegats", load_package = "installed",
                              stop_on_failure = FALSE, reporter = testthat::ProgressReporter$new(show_praise = FALSE))
df <- as.data.frame(results)
cat(sprintf("\\nOMEGATS-SUMMARY tests=%d passed=%d failed=%d skipped=%d errors=%d expectations=%d\\n",
            nrow(df), sum(!df$failed & !df$skipped & !df$error), sum(df$failed > 0), sum(df$skipped),
            sum(df$error), sum(df$nb)))
`;

function summary(output: string): Record<string, number> {
  const line = /OMEGATS-SUMMARY (.*)/.exec(output)?.[1] ?? '';
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map(([, key, value]) => [key, Number(value)]));
}

describe('the R client (clients/r) against the platform', () => {
  let app: TestApp;
  let worker: WorkerProcess;
  const work = mkdtempSync(join(tmpdir(), 'omegats-r-'));

  beforeAll(async () => {
    const secretKey = randomBytes(32).toString('base64url');
    app = await startTestApp({ broker: true, config: { secretKey } });
    // Scripts on the worker call the API back with a token the API must accept.
    worker = await startWorker(app.config, { env: { OMEGA_SECRET_KEY: secretKey, OMEGA_API_URL: app.url } });
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'is an R CMD check-clean package (no errors, no warnings)',
    async () => {
      const built = await run('R', ['CMD', 'build', '--no-manual', PACKAGE], work, baseEnv());
      expect({ code: built.code, output: built.output }).toMatchObject({ code: 0 });
      const tarball = readdirSync(work).find((file) => /^omegats_.*\.tar\.gz$/.test(file));
      expect(tarball).toBeDefined();
      // The tests need a platform: the next test runs them against this one; here the package itself.
      const check = await run(
        'R',
        ['CMD', 'check', '--no-manual', '--no-tests', tarball as string],
        work,
        baseEnv(),
      );
      const status = /Status: (.*)/.exec(check.output)?.[1];
      if (check.code !== 0 || !status || /ERROR|WARNING/.test(status)) {
        throw new Error(`R CMD check exit ${check.code}, status ${status}:\n${check.output.slice(-15_000)}`);
      }
      expect(status).toMatch(/^(OK|\d+ NOTEs?)$/);
    },
    R_TIMEOUT_MS + 60_000,
  );

  it(
    'passes its testthat suite: credentials, data frames with filters, files, ONNX predictions, tasks, scripts, jobs',
    async () => {
      const lib = join(work, 'lib');
      mkdirSync(lib, { recursive: true });
      const install = await run('R', ['CMD', 'INSTALL', `--library=${lib}`, PACKAGE], work, {
        ...baseEnv(),
        R_LIBS_USER: lib,
      });
      if (install.code !== 0) {
        throw new Error(`R CMD INSTALL exit ${install.code}:\n${install.output}`);
      }
      const tests = await run('Rscript', ['-e', RUNNER, lib, join(PACKAGE, 'tests', 'testthat')], work, {
        ...baseEnv(),
        OMEGA_URL: app.url,
        OMEGA_USERID: app.admin.userid,
        OMEGA_APIKEY: app.admin.apikey,
        OMEGA_TEST_FIXTURES: join(ROOT, 'test', 'fixtures', 'onnx'),
      });
      // testthat's output is shown when the suite fails: never with the key in it.
      const output = tests.output.split(app.admin.apikey).join('***');
      const counts = summary(output);
      process.stdout.write(`R client testthat: ${JSON.stringify(counts)}\n`);
      const report = `Rscript exit ${tests.code}, counts ${JSON.stringify(counts)}:\n${output.slice(-20_000)}`;
      if (tests.code !== 0 || counts.tests === undefined || counts.failed !== 0 || counts.errors !== 0) {
        throw new Error(report);
      }
      expect({ failed: counts.failed, errors: counts.errors }).toEqual({ failed: 0, errors: 0 });
      expect(counts.passed).toBeGreaterThanOrEqual(MIN_PASSED);
      expect(counts.skipped).toBe(ARROW_SKIPS);
      // The model actions, scripts and jobs ran on the worker process (over RabbitMQ), not in the API.
      const { body } = await app.api.get('/api/v1/runtime/workers').expect(200);
      const seen = (body.workers as Array<{ id: string; processed: number }>).find((w) => w.id === worker.id);
      expect(seen?.processed ?? 0).toBeGreaterThan(10);
    },
    R_TIMEOUT_MS + 60_000,
  );
});
