import { Logger } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import type { PoolObservation, PoolTarget, WorkerDriver } from './worker-driver';

const READY = /worker \S+ ready/;
/** A draining worker finishes the tasks it holds; past this it is killed so shutdown cannot hang. */
const SHUTDOWN_GRACE_MS = 10 * 60_000;

interface LocalWorker {
  child: ChildProcess;
  label: string;
  concurrency: number;
  ready: boolean;
  stopping: boolean;
  exited: Promise<void>;
}

/**
 * Worker processes on the manager's own machine. Scaling down sends SIGTERM to the newest workers: a worker
 * stops taking tasks, finishes those it holds and exits, so no task is lost. A worker that dies is started
 * again on the next round. A changed concurrency replaces workers one at a time, the new one ready before
 * the old one drains.
 */
export class LocalWorkerDriver implements WorkerDriver {
  readonly name = 'local';
  readonly supervises = true;
  private readonly logger = new Logger('LocalWorkerDriver');
  private readonly workers: LocalWorker[] = [];

  constructor(
    private readonly command: string[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async apply(target: PoolTarget): Promise<PoolObservation> {
    const live = () => this.workers.filter((w) => w.label === target.label && !w.stopping);
    const current = live();
    const fresh = current.filter((w) => w.concurrency === target.concurrency);
    const stale = current.filter((w) => w.concurrency !== target.concurrency);
    const excess = current.length - target.replicas;
    const freshReady = fresh.every((w) => w.ready);
    if (excess < 0) {
      for (let i = excess; i < 0; i += 1) this.start(target);
    } else if (excess > 0) {
      if (fresh.length >= target.replicas) {
        // Enough workers with the wanted settings: the stale go once those are ready, then the newest.
        if (fresh.filter((w) => w.ready).length >= target.replicas) stale.forEach((w) => this.drain(w));
        fresh
          .slice(target.replicas)
          .reverse()
          .forEach((w) => this.drain(w));
      } else if (freshReady) {
        // A replacement is ready (or the pool shrinks): stale workers go, oldest first.
        stale.slice(0, excess).forEach((w) => this.drain(w));
      }
    } else if (stale.length > 0 && current.every((w) => w.ready)) {
      // One replacement at a time, so the pool never has fewer ready workers than asked for.
      this.start(target);
    }
    const after = live();
    return { running: after.length, ready: after.filter((w) => w.ready).length };
  }

  async discover(): Promise<{ label: string; replicas: number }[]> {
    // Every local worker is this driver's own: there is nothing to find.
    return [];
  }

  async shutdown(): Promise<void> {
    for (const worker of this.workers) this.drain(worker);
    await Promise.all(this.workers.map((w) => w.exited));
  }

  private start(target: PoolTarget): void {
    const [file, ...args] = this.command;
    const child = spawn(file, args, {
      env: {
        ...this.env,
        OMEGA_WORKER_LABELS: target.label,
        OMEGA_WORKER_CONCURRENCY: String(target.concurrency),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker: LocalWorker = {
      child,
      label: target.label,
      concurrency: target.concurrency,
      ready: false,
      stopping: false,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
    };
    this.workers.push(worker);
    let seen = '';
    const forward = (chunk: Buffer): void => {
      const text = chunk.toString();
      if (!worker.ready) {
        seen = (seen + text).slice(-4096);
        if (READY.test(seen)) worker.ready = true;
      }
      // The manager's log carries its workers' lines, so one log shows the machine.
      for (const line of text.split('\n'))
        if (line.trim()) process.stdout.write(`[worker ${child.pid}] ${line}\n`);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    child.once('error', (error) =>
      this.logger.error(`worker of ${target.label} did not start: ${error.message}`),
    );
    void worker.exited.then(() => {
      this.workers.splice(this.workers.indexOf(worker), 1);
      if (!worker.stopping)
        this.logger.warn(`worker ${child.pid} of ${target.label} exited by itself; starting another`);
    });
    this.logger.log(`started worker ${child.pid} for ${target.label} (concurrency ${target.concurrency})`);
  }

  private drain(worker: LocalWorker): void {
    if (worker.stopping) return;
    worker.stopping = true;
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
    worker.child.kill('SIGTERM');
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), SHUTDOWN_GRACE_MS);
    timer.unref();
    void worker.exited.then(() => clearTimeout(timer));
    this.logger.log(`draining worker ${worker.child.pid} of ${worker.label}`);
  }
}
