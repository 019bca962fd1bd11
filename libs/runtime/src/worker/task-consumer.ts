import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import type { RmqContext } from '@nestjs/microservices';
import type { Channel, Message } from 'amqplib';
import { RESENT_HEADER } from '../broker/task-publisher';
import { Disposition, TaskExecutor } from '../execution/task-executor';
import { WorkerDirectory } from '../workers/worker-directory';
import { WorkerHeartbeat } from '../workers/worker-heartbeat';
import { newWorkerId } from '../workers/worker-identity';

/** How long shutdown waits for tasks in flight before letting go (they are then redelivered). */
const DRAIN_TIMEOUT_MS = 60_000;
/** Pause before handing back a task the executor could not record (database down), to avoid a hot loop. */
const RETRY_PAUSE_MS = 1_000;
/** Deliveries this worker could not record, by message; bounded so a flood of bad messages cannot grow it. */
const MAX_TRACKED_FAILURES = 10_000;

/**
 * The worker side of the broker: takes each delivery to the executor and settles it only after the
 * outcome is stored (ack), dead-letters what must not be retried, sends the completion notice, and on
 * shutdown stops taking new tasks and finishes those in flight.
 */
@Injectable()
export class TaskConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  readonly workerId = newWorkerId();
  private readonly logger = new Logger(TaskConsumer.name);
  private readonly heartbeat: WorkerHeartbeat;
  private readonly channels = new Set<Channel>();
  private inFlight = 0;
  private processed = 0;
  private draining = false;
  private readonly drained = new Set<() => void>();
  private readonly recordFailures = new Map<string, number>();
  /** The tasks running here, by id: a redelivery of one of them waits for it instead of running it again. */
  private readonly running = new Map<string, Promise<Disposition>>();

  constructor(
    private readonly executor: TaskExecutor,
    directory: WorkerDirectory,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {
    this.heartbeat = new WorkerHeartbeat(directory, () => ({
      id: this.workerId,
      labels: this.config.workerLabels,
      concurrency: this.config.workerConcurrency,
      mode: 'broker',
      inFlight: this.inFlight,
      processed: this.processed,
      running: [...this.running.keys()],
    }));
  }

  /** The consumer tag of a label's queue, so shutdown can cancel exactly this worker's consumers. */
  consumerTag(label: string): string {
    return `${this.workerId}.${label}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat.start();
  }

  async consume(data: unknown, context: RmqContext): Promise<void> {
    const channel = context.getChannelRef() as Channel;
    const message = context.getMessage() as Message;
    this.channels.add(channel);
    if (this.draining) {
      channel.nack(message, false, true);
      return;
    }
    this.inFlight++;
    try {
      const disposition = await this.run(data, message);
      this.settle(channel, message, disposition);
    } catch (error) {
      await this.handBack(channel, message, data, error as Error);
    } finally {
      this.inFlight--;
      this.processed++;
      if (this.inFlight === 0) for (const resolve of this.drained) resolve();
    }
  }

  /**
   * When the broker connection drops, RabbitMQ hands the unacknowledged tasks to the next consumer, this
   * worker included once it reconnects. One still running here is answered by that run; the heartbeat is
   * sent at once so other workers see which tasks this worker still holds.
   */
  private run(data: unknown, message: Message): Promise<Disposition> {
    const taskId = message.properties.messageId as string | undefined;
    const current = taskId ? this.running.get(taskId) : undefined;
    if (current) return current;
    const redelivered = message.fields.redelivered || message.properties.headers?.[RESENT_HEADER] === true;
    const run = this.executor.execute(data, this.workerId, { redelivered });
    if (taskId) {
      this.running.set(taskId, run);
      this.heartbeat.soon();
      const forget = () => {
        if (this.running.get(taskId) === run) this.running.delete(taskId);
      };
      run.then(forget, forget);
    }
    return run;
  }

  /** Reports at once which tasks this worker still runs (called when its broker connection drops). */
  async reportRunning(): Promise<void> {
    if (this.running.size > 0) await this.heartbeat.beat();
  }

  /** Stops consuming, then waits for the tasks in flight: their results are stored and acknowledged. */
  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    for (const channel of this.channels) {
      for (const label of this.config.workerLabels) {
        await channel.cancel(this.consumerTag(label)).catch(() => undefined);
      }
    }
    if (this.inFlight > 0) {
      this.logger.log(`Finishing ${this.inFlight} task(s) in flight before stopping`);
      await Promise.race([
        new Promise<void>((resolve) => this.drained.add(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS).unref()),
      ]);
    }
    await this.heartbeat.stop();
  }

  /**
   * A delivery whose outcome could not be stored goes back to the queue for another try (the database
   * may be down for a moment); one that fails this way `taskMaxAttempts` times here is dead-lettered, so
   * no message loops forever.
   */
  private async handBack(channel: Channel, message: Message, data: unknown, error: Error): Promise<void> {
    const key = message.properties.messageId ?? message.content.toString('base64').slice(0, 200);
    const failures = (this.recordFailures.get(key) ?? 0) + 1;
    this.recordFailures.set(key, failures);
    if (this.recordFailures.size > MAX_TRACKED_FAILURES) {
      this.recordFailures.delete(this.recordFailures.keys().next().value as string);
    }
    if (failures >= this.config.taskMaxAttempts) {
      this.logger.error(
        `Dead-lettering a task that could not be recorded ${failures} times: ${error.message}`,
      );
      this.recordFailures.delete(key);
      await this.executor.recordUndeliverable(data, error.message);
      safely(() => channel.nack(message, false, false));
      return;
    }
    this.logger.error(`Could not record a task; handing it back: ${error.message}`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    safely(() => channel.nack(message, false, true));
  }

  private settle(channel: Channel, message: Message, disposition: Disposition): void {
    if (disposition.notice) {
      const { replyTo, notice } = disposition.notice;
      safely(() =>
        channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(notice)), {
          contentType: 'application/json',
        }),
      );
    }
    // The channel may have died with the broker since delivery: the message is then redelivered and the
    // stored outcome answers it without running the task again.
    if (disposition.settle === 'ack') safely(() => channel.ack(message));
    else safely(() => channel.nack(message, false, false));
  }
}

function safely(action: () => unknown): void {
  try {
    action();
  } catch {
    // A closed channel: see settle().
  }
}
