import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { HEARTBEAT_INTERVAL_MS, WorkerDirectory, WorkerInfo } from './worker-directory';

/** Reports one worker to the directory until stopped; a failed report is logged and retried next time. */
export class WorkerHeartbeat {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private timer?: NodeJS.Timeout;
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
    this.timer = undefined;
    await this.directory.remove(this.describe().id).catch(() => undefined);
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
