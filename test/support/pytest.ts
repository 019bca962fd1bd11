import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The venv `scripts/services.sh start` (so `npm test`) makes, with pytest, scikit-learn, skl2onnx, pandas. */
export const PYTHON = join(ROOT, '.omega', 'python', 'bin', 'python');

export interface PytestRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs pytest as a child process (never synchronously: the API answering it lives in this process), with
 * `env` as its whole environment plus the machine settings numpy/OpenBLAS may need — never credentials
 * the caller did not put there.
 */
export function runPytest(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<PytestRun> {
  const machine = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0].startsWith('OPENBLAS_') && entry[1] !== undefined,
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-m', 'pytest', ...args, '-p', 'no:cacheprovider'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        PYTHONDONTWRITEBYTECODE: '1',
        ...machine,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
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
export function pytestSummary(output: string): Record<string, number> {
  const line = output
    .trim()
    .split('\n')
    .reverse()
    .find((text) => /\d+ (passed|failed|error|errors|skipped)/.test(text) && / in [\d.]+s/.test(text));
  const counts: Record<string, number> = {};
  for (const [, count, what] of (line ?? '').matchAll(/(\d+) (\w+)/g)) counts[what] = Number(count);
  return counts;
}
