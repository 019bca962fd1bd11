import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { HEARTBEAT_INTERVAL_MS, WorkerDirectory, WorkerInfo } from './worker-directory';

/** How soon a task that started shows in the directory. */
const RUNNING_REPORT_MS = 200;

/** Reports one worker to the directory until stopped; a failed report is logged and retried next time. */
export class WorkerHeartbeat {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private timer?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;
  private readonly started = new Date();

  constructor(
    private readonly directory: WorkerDirectory,
    private readonly describe: () => Pick<
      WorkerInfo,
      'id' | 'labels' | 'concurrency' | 'mode' | 'inFlight' | 'processed' | 'running'
    >,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.timer = undefined;
    this.pending = undefined;
    await this.directory.remove(this.describe().id).catch(() => undefined);
  }

  /**
   * Reports within RUNNING_REPORT_MS: called when a task starts, since a first delivery writes nothing
   * until its outcome and the heartbeat is what shows it running (task status STARTED, and to a
   * redelivery). Calls in between share one report, so a busy worker writes at most a few per second.
   */
  soon(): void {
    if (this.pending || !this.timer) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.beat();
    }, RUNNING_REPORT_MS);
    this.pending.unref();
  }

  /** Reports now, between the regular beats (e.g. when the broker connection dropped). */
  async beat(): Promise<void> {
    try {
      await this.directory.heartbeat({
        ...this.describe(),
        host: hostname(),
        pid: process.pid,
        started: this.started,
      });
    } catch (error) {
      this.logger.warn(`Heartbeat failed: ${(error as Error).message}`);
    }
  }
}
