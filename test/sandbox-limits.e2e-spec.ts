import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const SECRET_KEY = randomBytes(32).toString('base64url');
/** The wall-clock limit; the CPU-time backstop is derived from it (twice it, plus 10 s). */
const TIMEOUT_SECONDS = 5;
const CPU_BACKSTOP_SECONDS = TIMEOUT_SECONDS * 2 + 10;
/** libs/scripts/src/sandbox/script-sandbox.ts: MAX_CAPTURED_BYTES. */
const CAPTURED_BYTES = 64 * 1024;

/** A process of this machine as /proc tells it. */
interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
  /** User plus system CPU time, in seconds. */
  cpuSeconds: number;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields after it are split safely.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return { pid, ppid: Number(fields[1]), comm, cmdline, cpuSeconds: ticks / 100 };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined);
}

/** The sandboxed node processes started (through unshare, setpriv and prlimit) below `ancestor`. */
function sandboxChildrenOf(ancestor: number): ProcessInfo[] {
  const all = processes();
  const byPid = new Map(all.map((info) => [info.pid, info]));
  const descends = (info: ProcessInfo) => {
    for (let at = byPid.get(info.ppid); at; at = byPid.get(at.ppid)) if (at.pid === ancestor) return true;
    return false;
  };
  return all.filter((info) => info.comm === 'node' && info.cmdline.includes('/child.js') && descends(info));
}

async function waitFor<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = check();
    if (found !== undefined) return found;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * The limits the sandbox claims beside its isolation (test/sandbox-isolation.e2e-spec.ts): the captured
 * output cap, no worker threads, no native addons, and the CPU-time backstop that ends a spinning child
 * even when the worker that should kill it is gone.
 */
describe('the script sandbox limits', () => {
  let app: TestApp;
  let worker: WorkerProcess;

  const upload = (name: string, source: string) =>
    app.api.post('/api/v1/script/').field('name', name).attach('file', Buffer.from(source), `${name}.js`);

  const startOurWorker = () =>
    startWorker(app.config, {
      env: {
        OMEGA_SECRET_KEY: SECRET_KEY,
        OMEGA_API_URL: app.url,
        OMEGA_SCRIPT_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
      },
    });

  beforeAll(async () => {
    app = await startTestApp({
      broker: true,
      config: { secretKey: SECRET_KEY, scriptTimeoutSeconds: TIMEOUT_SECONDS },
    });
    worker = await startOurWorker();
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  it('ends a spinning child by its CPU-time backstop when the worker that runs it is killed', async () => {
    // A worker of its own takes the task (the suite's worker pauses meanwhile), so the spinning child is
    // its first, not a spare started ahead.
    await worker.stop();
    const spinner = await startOurWorker();
    try {
      await upload('spin', 'exports.run = () => { for (;;) {} };').expect(201);
      await app.api.post('/api/v1/script/spin/run?async=true').send([]).expect(202);
      const child = await waitFor(
        () => sandboxChildrenOf(spinner.pid).find((info) => !info.cmdline.includes('--warm')),
        'the sandboxed child of the run',
        30_000,
      );
      await spinner.kill();
      // Nothing is left to end it but the kernel's RLIMIT_CPU, set by prlimit before node started.
      let last: ProcessInfo = child;
      await waitFor(
        () => {
          const now = readProcess(child.pid);
          if (now?.comm !== 'node') return true;
          last = now;
          return undefined;
        },
        `the orphaned child (pid ${child.pid}) to be ended by its CPU-time limit`,
        (CPU_BACKSTOP_SECONDS * 4 + 60) * 1000,
      );
      // It was the CPU limit that ended it: as last seen (sampled, so a little short of the end) it had
      // used most of it — far past the wall-clock limit the dead worker would have enforced.
      expect(last.cpuSeconds).toBeGreaterThanOrEqual(CPU_BACKSTOP_SECONDS * 0.8);
    } finally {
      await spinner.kill();
      worker = await startOurWorker();
    }
  }, 300_000);

  it('keeps the first 64 KiB of stdout and stderr, says how much more there was, and the run goes on', async () => {
    await upload(
      'chatty',
      `exports.run = () => {
        const line = 'x'.repeat(1023);
        for (let i = 0; i < 200; i++) { console.log(line); console.error(line); }
        return 'finished';
      };`,
    ).expect(201);
    const { body } = await app.api.post('/api/v1/script/chatty/run').send([]).expect(200);
    expect(body.result).toBe('finished');
    for (const stream of [body.stdout, body.stderr] as string[]) {
      const [kept, note] = stream.split('\n…[');
      expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(CAPTURED_BYTES);
      expect(Buffer.byteLength(kept)).toBeGreaterThanOrEqual(CAPTURED_BYTES - 1024);
      // 200 lines of 1,024 bytes were written; what was read past the cap is counted (output still in
      // the pipe when the run answered is not read at all).
      expect(note).toMatch(/^\d+ more bytes not kept\]$/);
      expect(Number(/^\d+/.exec(note)?.[0])).toBeGreaterThan(0);
    }
  }, 120_000);

  it('starts no worker thread and loads no native addon', async () => {
    // A file outside the script's package named in the source is refused when it is uploaded.
    const named = await upload(
      'addon',
      "exports.run = () => require('/usr/lib/x86_64-linux-gnu/libc.so.6.node');",
    );
    expect(named.status).toBe(400);
    expect(named.body.message).toMatch(/imports must be files of the script's package/);
    await upload(
      'escape',
      `exports.run = () => {
        const outcome = (attempt) => { try { attempt(); return 'ALLOWED'; } catch (error) { return error.code ?? error.message; } };
        return {
          workerThread: outcome(() => new (require('node:worker_threads').Worker)('1', { eval: true })),
          dlopen: outcome(() => process.dlopen({ exports: {} }, '/usr/lib/x86_64-linux-gnu/libc.so.6')),
          // An addon written into its own folder (which it may write) and loaded by a path built at run
          // time, so the upload's build cannot see it. Were addons allowed, this would fail later, as
          // ERR_DLOPEN_FAILED (not an ELF file).
          requireAddon: outcome(() => {
            require('node:fs').writeFileSync('evil.node', 'not an ELF file');
            return require([process.cwd(), 'evil.node'].join('/'));
          }),
        };
      };`,
    ).expect(201);
    const { body } = await app.api.post('/api/v1/script/escape/run').send([]).expect(200);
    expect(body.result).toEqual({
      workerThread: 'ERR_ACCESS_DENIED',
      dlopen: 'ERR_DLOPEN_DISABLED',
      requireAddon: 'ERR_DLOPEN_DISABLED',
    });
  }, 120_000);
});
