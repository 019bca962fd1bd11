import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { existsSync } from 'node:fs';
import { childBundle } from './child-bundle';
import type {
  CellOutcome,
  ChildError,
  ChildMessage,
  ChildRequest,
  ChildResponse,
} from './child/child-protocol';
import type { OmConnection } from './child/child-protocol';
import { LIMIT_EXCEEDED, SandboxLimits, SCRIPT_FAILED } from './sandbox-limits';

/** Captured stdout and stderr each stop here; a script that prints more keeps running. */
export const MAX_CAPTURED_BYTES = 64 * 1024;
/** How often the resident size of a child is read. */
const RSS_POLL_MS = 100;
/** A Node process needs this much beside its heap (code, stacks, buffers) before the watchdog steps in. */
const RSS_HEADROOM_MB = 96;
/** The CPU-time backstop: Node's helper threads count too, so it sits well above the wall-clock limit. */
const CPU_LIMIT_FACTOR = 2;
const CPU_LIMIT_MARGIN_SECONDS = 10;

export type SandboxJob =
  | { mode: 'script'; code: string; args: unknown[] }
  | { mode: 'notebook'; cells: { index: number; code: string }[] };

export interface SandboxOutcome {
  ok: boolean;
  result?: unknown;
  /** `LIMIT_EXCEEDED` or `SCRIPT_FAILED` when `ok` is false. */
  code?: string;
  error?: ChildError;
  cells?: CellOutcome[];
  stdout: string;
  stderr: string;
  started: Date;
  ended: Date;
}

/**
 * Runs user code in a child Node process of its own: no inherited environment (`env: {}`), a fresh
 * temporary working folder, Node's permission model (reads and writes only inside that folder, no child
 * processes, no worker threads, no native addons), a V8 heap cap plus a resident-size watchdog, and a
 * wall-clock limit. A limit breach kills the child (SIGKILL) and answers `LIMIT_EXCEEDED`; the worker
 * itself never runs user code, so it keeps serving.
 */
/** A child started with its limits and its own folder, waiting on its IPC channel for one run. */
interface StartedChild {
  child: ChildProcess;
  folder: string;
  limits: SandboxLimits;
  stdout: Capture;
  stderr: Capture;
  /** Set when the process could not be started. */
  failure?: Error;
  /** How the process ended, whenever it does (even before its run was sent). */
  closed: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
}

@Injectable()
export class ScriptSandbox implements OnModuleDestroy {
  private readonly logger = new Logger(ScriptSandbox.name);
  /**
   * One child started ahead for the next run, once a run has happened: the node start, the load of
   * the child's code and the warm-up of `fetch` (the SDK's first request) are then off that run's path.
   * Each child still serves exactly one run.
   */
  private spare?: StartedChild;
  private spareStarting = false;
  private closing = false;

  constructor(@Inject(OMEGA_CONFIG) private readonly config: OmegaConfig) {}

  limits(): SandboxLimits {
    return { timeoutMs: this.config.scriptTimeoutSeconds * 1000, memoryMb: this.config.scriptMemoryMb };
  }

  async run(
    job: SandboxJob,
    api: OmConnection,
    limits: SandboxLimits = this.limits(),
  ): Promise<SandboxOutcome> {
    const started = this.takeSpare(limits) ?? (await this.startChild(limits, false));
    this.keepSpare(limits);
    try {
      const request: ChildRequest =
        job.mode === 'script'
          ? { mode: 'script', api, file: join(started.folder, 'script.js'), args: job.args }
          : { mode: 'notebook', api, cells: job.cells };
      if (job.mode === 'script')
        await writeFile(join(started.folder, 'script.js'), job.code, { mode: 0o600 });
      return await this.runIn(started, request);
    } finally {
      if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
      await rm(started.folder, { recursive: true, force: true });
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    const spare = this.spare;
    this.spare = undefined;
    if (spare) await this.dispose(spare);
  }

  /** The spare, when it is alive and was started with these limits; a spare that is not is disposed of. */
  private takeSpare(limits: SandboxLimits): StartedChild | undefined {
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return undefined;
    const alive =
      spare.failure === undefined && spare.child.exitCode === null && spare.child.signalCode === null;
    if (alive && spare.limits.timeoutMs === limits.timeoutMs && spare.limits.memoryMb === limits.memoryMb) {
      return spare;
    }
    void this.dispose(spare);
    return undefined;
  }

  private keepSpare(limits: SandboxLimits): void {
    if (this.spare || this.spareStarting || this.closing) return;
    this.spareStarting = true;
    this.startChild(limits, true)
      .then(async (started) => {
        if (this.spare || this.closing) await this.dispose(started);
        else this.spare = started;
      })
      .catch((error: Error) => this.logger.warn(`No spare sandbox child: ${error.message}`))
      .finally(() => (this.spareStarting = false));
  }

  private async dispose(started: StartedChild): Promise<void> {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
    await rm(started.folder, { recursive: true, force: true });
  }

  /** A fresh folder with the child's code, and the child started in it, waiting for its run. */
  private async startChild(limits: SandboxLimits, warm: boolean): Promise<StartedChild> {
    const folder = await mkdtemp(join(tmpdir(), 'omega-run-'));
    try {
      await writeFile(join(folder, 'child.js'), await childBundle(), { mode: 0o600 });
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    // prlimit (util-linux) execs node with a CPU-time cap: a backstop that ends a spinning child even if
    // this worker dies and cannot kill it. Where prlimit is missing the child runs without it.
    const cpuSeconds = Math.ceil(limits.timeoutMs / 1000) * CPU_LIMIT_FACTOR + CPU_LIMIT_MARGIN_SECONDS;
    const backstop = prlimitPath();
    const [command, prefix] = backstop
      ? [backstop, [`--cpu=${cpuSeconds}`, process.execPath]]
      : [process.execPath, []];
    const child = spawn(
      command,
      [
        ...prefix,
        '--experimental-permission',
        `--allow-fs-read=${folder}/`,
        `--allow-fs-write=${folder}/`,
        '--disable-warning=ExperimentalWarning',
        `--max-old-space-size=${limits.memoryMb}`,
        '--stack-size=984',
        join(folder, 'child.js'),
        ...(warm ? ['--warm'] : []),
      ],
      // No variable of the worker's reaches user code: not the database URL, not the secret key.
      { cwd: folder, env: {}, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    );
    const started: StartedChild = {
      child,
      folder,
      limits,
      stdout: new Capture(),
      stderr: new Capture(),
      closed: new Promise((resolve) =>
        child.once('close', (exitCode, signal) => resolve({ exitCode, signal })),
      ),
    };
    child.stdout?.on('data', (chunk: Buffer) => started.stdout.add(chunk));
    child.stderr?.on('data', (chunk: Buffer) => started.stderr.add(chunk));
    child.once('error', (error) => (started.failure = error));
    return started;
  }

  /** Sends the run to a started child and answers how it ended, within the limits it was started with. */
  private runIn(started: StartedChild, request: ChildRequest): Promise<SandboxOutcome> {
    const { child, limits, stdout, stderr } = started;
    const begun = new Date();
    return new Promise<SandboxOutcome>((resolve) => {
      let response: ChildResponse | undefined;
      const finishedCells: CellOutcome[] = [];
      let breach: string | undefined;
      let broken: string | undefined;
      /** Ends the child; `limit` says whether a limit was breached or the sandbox itself failed. */
      const kill = (reason: string, limit = true): void => {
        if (limit) breach ??= reason;
        else broken ??= reason;
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      const deadline = setTimeout(
        () => kill(`wall-clock limit of ${Math.round(limits.timeoutMs / 1000)} s`),
        limits.timeoutMs,
      );
      const rssLimitMb = limits.memoryMb + RSS_HEADROOM_MB;
      const watchdog = setInterval(() => {
        void residentMb(child.pid).then((mb) => {
          if (mb !== undefined && mb > rssLimitMb)
            kill(`memory limit of ${limits.memoryMb} MiB (resident ${mb} MiB)`);
        });
      }, RSS_POLL_MS);
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'cell') finishedCells.push(message.cell);
        else response = message;
      });
      const send = () =>
        child.send(request, (error) => {
          if (error) kill(`The sandbox could not be sent its run: ${error.message}`, false);
        });
      // A spare was spawned long ago; a child started for this run may still be starting.
      if (child.pid !== undefined) send();
      else child.once('spawn', send);
      if (started.failure) kill(`The sandbox could not start: ${started.failure.message}`, false);
      child.once('error', (error) => kill(`The sandbox could not start: ${error.message}`, false));
      void started.closed.then(({ exitCode, signal }) => {
        clearTimeout(deadline);
        clearInterval(watchdog);
        const ended = new Date();
        const base = { stdout: stdout.text(), stderr: stderr.text(), started: begun, ended };
        const heapDied = /heap out of memory|Reached heap limit/i.test(base.stderr) || signal === 'SIGABRT';
        if (breach === undefined && heapDied && !response)
          breach = `memory limit of ${limits.memoryMb} MiB (V8 heap)`;
        // Signals this process did not send: the CPU-time backstop (SIGXCPU, then SIGKILL) or the kernel's
        // out-of-memory killer.
        if (breach === undefined && !response && (signal === 'SIGXCPU' || signal === 'SIGKILL'))
          breach = `CPU-time or system memory limit (${signal})`;
        if (broken !== undefined) {
          this.logger.error(broken);
          resolve({ ...base, ok: false, code: SCRIPT_FAILED, error: { name: 'Error', message: broken } });
        } else if (breach !== undefined) {
          resolve({
            ...base,
            ok: false,
            code: LIMIT_EXCEEDED,
            cells: response?.cells ?? finishedCells,
            error: { name: 'LimitExceeded', message: `The run exceeded its ${breach} and was stopped` },
          });
        } else if (response?.ok) {
          resolve({ ...base, ok: true, result: response.result, cells: response.cells });
        } else if (response) {
          resolve({ ...base, ok: false, code: SCRIPT_FAILED, error: response.error, cells: response.cells });
        } else {
          const how = signal ? `signal ${signal}` : `exit code ${exitCode}`;
          this.logger.debug(`sandbox child ended with ${how} before answering`);
          resolve({
            ...base,
            ok: false,
            code: SCRIPT_FAILED,
            cells: finishedCells,
            error: { name: 'Error', message: `The run ended (${how}) before it answered` },
          });
        }
      });
    });
  }
}

let prlimit: string | null | undefined;

/** Where prlimit is (an absolute path: the child's empty environment has no PATH to search), or null. */
function prlimitPath(): string | null {
  prlimit ??=
    (process.env.PATH ?? '/usr/bin:/bin')
      .split(delimiter)
      .filter((folder) => folder !== '')
      .map((folder) => join(folder, 'prlimit'))
      .find((path) => existsSync(path)) ?? null;
  return prlimit;
}

/** The child's resident set size in MiB, from /proc (Linux); undefined where it cannot be read. */
async function residentMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/** Keeps the first MAX_CAPTURED_BYTES of a stream and counts the rest. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  add(chunk: Buffer): void {
    const room = MAX_CAPTURED_BYTES - this.kept;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(0, room));
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${text}\n…[${this.dropped} more bytes not kept]` : text;
  }
}
