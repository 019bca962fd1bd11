import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childBundle } from './child-bundle';
import {
  CellOutcome,
  ChildError,
  ChildMessage,
  ChildRequest,
  ChildResponse,
  OmConnection,
  parseChildMessage,
} from './child/child-protocol';
import { encodeFrame, FrameError, FrameReader } from './child/frames';
import { findCommand, Isolation, probeIsolation } from './isolation';
import { LIMIT_EXCEEDED, SandboxLimits, SCRIPT_FAILED } from './sandbox-limits';
import { SandboxProxy, SendToChild, serviceHosts } from './sandbox-proxy';

/** Captured stdout and stderr each stop here; a script that prints more keeps running. */
export const MAX_CAPTURED_BYTES = 64 * 1024;
/** How often the resident size of a child is read. */
const RSS_POLL_MS = 100;
/** A child that answered and still runs this long after the channel was closed is ended. */
const EXIT_GRACE_MS = 5_000;
/** A Node process needs this much beside its heap (code, stacks, buffers) before the watchdog steps in. */
const RSS_HEADROOM_MB = 96;
/** Requests a child may have the worker make at once: user code cannot flood the API through it. */
const MAX_FETCHES_IN_FLIGHT = 32;
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

/** A child started with its limits and its own folder, waiting on its channel for one run. */
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
  /** The node process itself, once found (inside namespaces it is a child of `unshare`). */
  nodePid?: number;
}

/**
 * Runs user code in a child Node process of its own: its own network namespace (no network at all) and
 * PID namespace (no platform process to see or signal), an unprivileged user when the platform is root,
 * its own process group, no inherited environment (`env: {}`), a fresh folder only it can use, Node's
 * permission model (reads and writes only inside that folder, no child processes, no worker threads, no
 * native addons), a V8 heap cap plus a resident-size watchdog, a CPU-time backstop and a wall-clock
 * limit. A limit breach kills the child's process group (SIGKILL) and answers `LIMIT_EXCEEDED`.
 *
 * The child talks to this worker only over a pipe of length-prefixed frames, counted before they are
 * parsed and checked against the protocol: a frame over `OMEGA_SCRIPT_IPC_MAX_BYTES` or outside the
 * protocol ends the run as `SCRIPT_FAILED`. Its `fetch` (the SDK's too) is made here: the API with the
 * run's token, which never enters the child, or a host of `OMEGA_SCRIPT_EGRESS_HOSTS`.
 */
@Injectable()
export class ScriptSandbox implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ScriptSandbox.name);
  /**
   * One child started ahead for the next run, once a run has happened: the node start, the load of
   * the child's code and the warm-up of `fetch` are then off that run's path. Each child still serves
   * exactly one run.
   */
  private spare?: StartedChild;
  private spareStarting = false;
  private closing = false;
  private host?: Promise<{ isolation: Isolation; runs: string }>;
  private readonly proxy: SandboxProxy;

  constructor(@Inject(OMEGA_CONFIG) private readonly config: OmegaConfig) {
    this.proxy = new SandboxProxy(config.scriptEgressHosts, [
      ...serviceHosts(config.mongoUrl),
      ...serviceHosts(config.brokerUrl),
      ...serviceHosts(config.sqlUrl),
      ...serviceHosts(config.apiUrl),
    ]);
  }

  limits(): SandboxLimits {
    return { timeoutMs: this.config.scriptTimeoutSeconds * 1000, memoryMb: this.config.scriptMemoryMb };
  }

  /** The host is probed once, at start: a host that cannot isolate user code says so in the log now. */
  async onModuleInit(): Promise<void> {
    await this.prepared();
  }

  async run(
    job: SandboxJob,
    api: OmConnection,
    limits: SandboxLimits = this.limits(),
  ): Promise<SandboxOutcome> {
    const { isolation } = await this.prepared();
    if (isolation.refusal) {
      const now = new Date();
      const error = { name: 'Error', message: isolation.refusal };
      return { ok: false, code: SCRIPT_FAILED, error, stdout: '', stderr: '', started: now, ended: now };
    }
    const started = this.takeSpare(limits) ?? (await this.startChild(limits, false));
    this.keepSpare(limits);
    try {
      const standIn = randomBytes(24).toString('base64url');
      const om: OmConnection = { ...api, token: standIn };
      const file = join(started.folder, 'script.js');
      const request: ChildRequest =
        job.mode === 'script'
          ? { mode: 'script', api: om, file, args: job.args }
          : { mode: 'notebook', api: om, cells: job.cells };
      // Readable by the child's user only through the folder, which is that user's alone.
      if (job.mode === 'script') await writeFile(file, job.code, { mode: 0o644 });
      return await this.runIn(started, request, { api, standIn });
    } finally {
      await this.dispose(started);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    const spare = this.spare;
    this.spare = undefined;
    if (spare) await this.dispose(spare);
    const host = await this.host?.catch(() => undefined);
    if (host) await rm(host.runs, { recursive: true, force: true });
  }

  /** How children start here, and the folder their run folders go in (listable by the platform only). */
  private prepared(): Promise<{ isolation: Isolation; runs: string }> {
    this.host ??= (async () => {
      const isolation = await probeIsolation(this.config.scriptIsolation, this.config.scriptUser);
      if (isolation.refusal) this.logger.error(`${isolation.refusal} Every script and notebook run fails.`);
      else if (isolation.mode === 'none')
        this.logger.warn(
          'OMEGA_SCRIPT_ISOLATION=none: scripts and notebooks run without namespaces and reach the network ' +
            'and every service this process reaches (unsafe)',
        );
      const runs = await mkdtemp(join(tmpdir(), 'omega-runs-'));
      // The child's user may enter its own run folder but not list the others.
      await chmod(runs, 0o711);
      return { isolation, runs };
    })();
    return this.host;
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
    killGroup(started.child);
    await rm(started.folder, { recursive: true, force: true });
  }

  /** A fresh folder with the child's code, and the child started in it, waiting for its run. */
  private async startChild(limits: SandboxLimits, warm: boolean): Promise<StartedChild> {
    const { isolation, runs } = await this.prepared();
    const folder = await mkdtemp(join(runs, 'run-'));
    try {
      await writeFile(join(folder, 'child.js'), await childBundle(), { mode: 0o644 });
      if (isolation.owner) await chown(folder, isolation.owner.uid, isolation.owner.gid);
      await chmod(folder, 0o700);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    // prlimit (util-linux) execs node with a CPU-time cap: a backstop that ends a spinning child even if
    // this worker dies and cannot kill it. Where prlimit is missing the child runs without it.
    const cpuSeconds = Math.ceil(limits.timeoutMs / 1000) * CPU_LIMIT_FACTOR + CPU_LIMIT_MARGIN_SECONDS;
    prlimit ??= findCommand('prlimit') ?? null;
    const [command, ...prefix] = [
      ...isolation.prefix,
      ...(prlimit ? [prlimit, `--cpu=${cpuSeconds}`] : []),
      process.execPath,
    ];
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
      // No variable of the worker's reaches user code: not the database URL, not the secret key, and no
      // NODE_CHANNEL_FD (fd 3 is a plain pipe). Detached: a session and process group of its own, so it
      // is killed whole and cannot signal this one's group.
      { cwd: folder, env: {}, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true },
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
    // A child that dies mid-write must not take this process with it (EPIPE).
    (child.stdio[3] as Socket | null)?.on('error', () => undefined);
    child.once('error', (error) => (started.failure = error));
    return started;
  }

  /** Sends the run to a started child and answers how it ended, within the limits it was started with. */
  private runIn(
    started: StartedChild,
    request: ChildRequest,
    credentials: { api: OmConnection; standIn: string },
  ): Promise<SandboxOutcome> {
    const { child, limits, stdout, stderr } = started;
    const channel = child.stdio[3] as Socket;
    const begun = new Date();
    const aborted = new AbortController();
    return new Promise<SandboxOutcome>((resolve) => {
      let response: ChildResponse | undefined;
      const finishedCells: CellOutcome[] = [];
      let breach: string | undefined;
      let broken: string | undefined;
      /** Ends the child; `limit` says whether a limit was breached or the run broke the sandbox's rules. */
      const kill = (reason: string, limit = true): void => {
        if (limit) breach ??= reason;
        else broken ??= reason;
        killGroup(child);
      };
      const deadline = setTimeout(
        () => kill(`wall-clock limit of ${Math.round(limits.timeoutMs / 1000)} s`),
        limits.timeoutMs,
      );
      const rssLimitMb = limits.memoryMb + RSS_HEADROOM_MB;
      const watchdog = setInterval(() => {
        void this.nodePid(started)
          .then(residentMb)
          .then((mb) => {
            if (mb !== undefined && mb > rssLimitMb)
              kill(`memory limit of ${limits.memoryMb} MiB (resident ${mb} MiB)`);
          });
      }, RSS_POLL_MS);
      const send: SendToChild = async (message, data) => {
        if (channel.destroyed) throw new Error('The sandbox child is gone');
        if (!channel.write(encodeFrame(message, data)))
          await new Promise<void>((done) => {
            channel.once('drain', done);
            aborted.signal.addEventListener('abort', () => done(), { once: true });
          });
      };
      let inFlight = 0;
      const handle = (message: ChildMessage, data: Buffer): void => {
        if (message.type === 'cell') finishedCells.push(message.cell);
        else if (message.type === 'done') {
          const { type: _type, ...answer } = message;
          response = answer;
          // The answer is in: requests still being served for the run are dropped, and closing the channel
          // tells the child to exit (it waits for this, so no write of ours can cut off its answer).
          clearTimeout(deadline);
          aborted.abort();
          channel.end();
          setTimeout(() => killGroup(child), EXIT_GRACE_MS).unref();
        } else if (inFlight >= MAX_FETCHES_IN_FLIGHT) {
          const why = `A run makes at most ${MAX_FETCHES_IN_FLIGHT} requests at once`;
          void send({ type: 'fail', id: message.id, message: why }).catch(() => undefined);
        } else {
          inFlight += 1;
          void this.proxy
            .serve(message, data, { ...credentials, signal: aborted.signal }, send)
            .finally(() => (inFlight -= 1));
        }
      };
      const reader = new FrameReader(this.config.scriptIpcMaxBytes);
      channel.on('data', (chunk: Buffer) => {
        if (broken !== undefined) return;
        try {
          for (const frame of reader.push(chunk)) handle(parseChildMessage(frame.message), frame.data);
        } catch (error) {
          const why =
            error instanceof FrameError
              ? error.message
              : `The sandbox child sent a message outside its protocol: ${(error as Error).message}`;
          kill(`${why}; the run was stopped`, false);
        }
      });
      // A spare was spawned long ago; a child started for this run may still be starting.
      const sendRun = () =>
        send({ type: 'run', maxMessageBytes: this.config.scriptIpcMaxBytes, ...request }).catch(
          (error: Error) => kill(`The sandbox could not be sent its run: ${error.message}`, false),
        );
      if (child.pid !== undefined) void sendRun();
      else child.once('spawn', () => void sendRun());
      if (started.failure) kill(`The sandbox could not start: ${started.failure.message}`, false);
      child.once('error', (error) => kill(`The sandbox could not start: ${error.message}`, false));
      void started.closed.then((exit) => {
        clearTimeout(deadline);
        clearInterval(watchdog);
        aborted.abort();
        const ended = new Date();
        const { exitCode, signal, stderrText } = nodeExit(exit, stderr.text());
        const base = { stdout: stdout.text(), stderr: stderrText, started: begun, ended };
        const heapDied = /heap out of memory|Reached heap limit/i.test(base.stderr) || signal === 'SIGABRT';
        if (breach === undefined && heapDied && !response)
          breach = `memory limit of ${limits.memoryMb} MiB (V8 heap)`;
        // Signals this process did not send: the CPU-time backstop (SIGXCPU, then SIGKILL) or the kernel's
        // out-of-memory killer.
        if (breach === undefined && !response && (signal === 'SIGXCPU' || signal === 'SIGKILL'))
          breach = `CPU-time or system memory limit (${signal})`;
        if (broken !== undefined) {
          this.logger.warn(broken);
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

  /**
   * The pid of node itself: the child process when there are no namespaces, else the one process that
   * `unshare` forked (setpriv and prlimit exec into node), found once in /proc.
   */
  private async nodePid(started: StartedChild): Promise<number | undefined> {
    const pid = started.child.pid;
    if (pid === undefined) return undefined;
    const { isolation } = await this.prepared();
    if (isolation.prefix.length === 0) return pid;
    if (started.nodePid === undefined) {
      const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      const first = Number(children.trim().split(/\s+/)[0]);
      if (first > 0) started.nodePid = first;
    }
    return started.nodePid;
  }
}

let prlimit: string | null | undefined;

/**
 * How node ended, seen through `unshare`: it ends itself with the signal that ended node, except SIGKILL
 * (the CPU-time backstop's, the kernel's out-of-memory killer's), which it cannot raise on itself; it then
 * exits 1 with this line on stderr.
 */
const UNSHARE_SAW_SIGKILL = /^unshare: sigprocmask unblock failed: .*\n?/m;

function nodeExit(
  exit: { exitCode: number | null; signal: NodeJS.Signals | null },
  stderrText: string,
): { exitCode: number | null; signal: NodeJS.Signals | null; stderrText: string } {
  if (exit.exitCode === 1 && UNSHARE_SAW_SIGKILL.test(stderrText))
    return { exitCode: null, signal: 'SIGKILL', stderrText: stderrText.replace(UNSHARE_SAW_SIGKILL, '') };
  return { ...exit, stderrText };
}

/** SIGKILL to the child's whole process group (it was started detached, as its group's leader). */
function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** A process's resident set size in MiB, from /proc (Linux); undefined where it cannot be read. */
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
