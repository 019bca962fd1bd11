import { Logger } from '@nestjs/common';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import type { QueueStats } from '../broker/task-publisher';
import { TaskExecutor } from '../execution/task-executor';
import type { TaskMessage } from '../task/task';
import { WorkerHeartbeat } from '../workers/worker-heartbeat';
import { WorkerDirectory } from '../workers/worker-directory';
import { newWorkerId } from '../workers/worker-identity';
import { TaskDispatcher } from './task-dispatcher';

const LOCAL_REPLY = 'in-process';

/**
 * The embedded runtime: with no broker configured the API runs tasks itself, through the same executor
 * and records as a worker process, at most `concurrency` at a time. Tasks queued here live in memory: a
 * task still PENDING when the process stops is not run (its record stays PENDING).
 */
export class InProcessDispatcher extends TaskDispatcher {
  private readonly logger = new Logger(InProcessDispatcher.name);
  private readonly workerId = newWorkerId();
  private readonly queue: TaskMessage[] = [];
  private readonly heartbeat: WorkerHeartbeat;
  private running = 0;
  /** Ids of the tasks running here: the heartbeat shows them (a first run writes nothing until its end). */
  private readonly runningIds = new Set<string>();
  private processed = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly executor: TaskExecutor,
    directory: WorkerDirectory,
    private readonly labels: string[],
    private readonly concurrency: number,
  ) {
    super();
    this.heartbeat = new WorkerHeartbeat(directory, () => ({
      id: this.workerId,
      labels: this.labels,
      concurrency: this.concurrency,
      mode: 'in-process',
      inFlight: this.running,
      processed: this.processed,
      running: [...this.runningIds],
    }));
  }

  async start(): Promise<void> {
    await this.heartbeat.start();
  }

  async dispatch(task: TaskMessage): Promise<void> {
    if (this.closed) throw new OmegaError(OmegaErrorCode.ServiceUnavailable, 'The runtime is shutting down');
    if (!this.labels.includes(task.label)) {
      // Without a broker no other worker can ever take it: refuse rather than keep it pending forever.
      throw new OmegaError(
        OmegaErrorCode.ServiceUnavailable,
        `No worker serves label "${task.label}": the embedded runtime serves ${this.labels.join(', ')}`,
      );
    }
    this.queue.push(task);
    this.pump();
  }

  replyTo(): string {
    return LOCAL_REPLY;
  }

  async isLabelServed(label: string): Promise<boolean> {
    return this.labels.includes(label);
  }

  /** The in-memory queue per label; this process is the one consumer of the labels it serves. */
  async queues(labels: string[]): Promise<Map<string, QueueStats>> {
    const stats = new Map<string, QueueStats>();
    for (const label of labels) {
      const messages = this.queue.filter((task) => task.label === label).length;
      stats.set(label, { messages, consumers: this.labels.includes(label) ? 1 : 0 });
    }
    return stats;
  }

  /** Finishes the tasks already taken, then stops. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.running > 0 || this.queue.length > 0)
      await new Promise<void>((resolve) => this.idle.add(resolve));
    await this.heartbeat.stop();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const task = this.queue.shift() as TaskMessage;
      this.running++;
      this.runningIds.add(task.id);
      this.heartbeat.soon();
      void this.executor
        .execute(task, this.workerId)
        .then((disposition) => {
          if (disposition.notice) this.noticeListener(disposition.notice.notice);
        })
        .catch((error: Error) => this.logger.error(`Task ${task.id} could not be recorded: ${error.message}`))
        .finally(() => {
          this.running--;
          this.runningIds.delete(task.id);
          this.processed++;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const resolve of this.idle) resolve();
        });
    }
  }
}
