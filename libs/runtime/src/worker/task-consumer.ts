import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { BrokerConnection } from '../broker/broker-connection';
import { TaskDelivery, TaskSubscription } from '../broker/task-subscription';
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
 * The worker: consumes its labels' queues (`OMEGA_WORKER_LABELS`, `OMEGA_WORKER_CONCURRENCY` tasks in
 * flight at most), takes each delivery to the executor and settles it only after the outcome is stored
 * (ack), dead-letters what must not be retried, sends the completion notice, and on shutdown stops taking
 * new tasks and finishes those in flight.
 */
@Injectable()
export class TaskConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  readonly workerId = newWorkerId();
  private readonly logger = new Logger(TaskConsumer.name);
  private readonly heartbeat: WorkerHeartbeat;
  private subscription?: TaskSubscription;
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
    private readonly broker: BrokerConnection,
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
  private consumerTag(label: string): string {
    return `${this.workerId}.${label}`;
  }

  /** Reports in, then starts consuming: the heartbeat is up before the first task can arrive. */
  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat.start();
    // The broker hands this worker's unacknowledged tasks to others: tell them at once which still run here.
    this.broker.onLost(() => void this.reportRunning());
    this.subscription = new TaskSubscription(this.broker, {
      prefix: this.config.mongoDbPrefix,
      labels: this.config.workerLabels,
      prefetch: this.config.workerConcurrency,
      consumerTag: (label) => this.consumerTag(label),
      onDelivery: (delivery) => void this.consume(delivery),
    });
    await this.subscription.waitForConnect();
  }

  private async consume(delivery: TaskDelivery): Promise<void> {
    if (this.draining) {
      delivery.nack(true);
      return;
    }
    this.inFlight++;
    try {
      const disposition = await this.run(delivery);
      this.settle(delivery, disposition);
    } catch (error) {
      await this.handBack(delivery, error as Error);
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
  private run(delivery: TaskDelivery): Promise<Disposition> {
    const { taskId, redelivered } = delivery;
    const current = taskId ? this.running.get(taskId) : undefined;
    if (current) return current;
    const run = this.executor.execute(delivery.data, this.workerId, { redelivered });
    if (taskId) {
      this.running.set(taskId, run);
      // The listing shows an asynchronous task running (its status, a redelivery's wait); a synchronous
      // call has no record to show it in, and a redelivery of one is never run again: no report for it.
      if (!isSynchronousCall(delivery.data)) this.heartbeat.soon();
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
    await this.subscription?.cancel();
    if (this.inFlight > 0) {
      this.logger.log(`Finishing ${this.inFlight} task(s) in flight before stopping`);
      await Promise.race([
        new Promise<void>((resolve) => this.drained.add(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS).unref()),
      ]);
    }
    await this.heartbeat.stop();
    await this.subscription?.close();
  }

  /**
   * A delivery whose outcome could not be stored goes back to the queue for another try (the database
   * may be down for a moment); one that fails this way `taskMaxAttempts` times here is dead-lettered, so
   * no message loops forever.
   */
  private async handBack(delivery: TaskDelivery, error: Error): Promise<void> {
    const key = delivery.fingerprint;
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
      await this.executor.recordUndeliverable(delivery.data, error.message);
      delivery.nack(false);
      return;
    }
    this.logger.error(`Could not record a task; handing it back: ${error.message}`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    delivery.nack(true);
  }

  private settle(delivery: TaskDelivery, disposition: Disposition): void {
    if (disposition.notice) delivery.reply(disposition.notice.replyTo, disposition.notice.notice);
    // The channel may have died with the broker since delivery: the message is then redelivered and the
    // stored outcome answers it without running the task again.
    if (disposition.settle === 'ack') delivery.ack();
    else delivery.nack(false);
  }
}

/** A synchronous call's task: answered on its caller's reply queue, recorded only afterwards. */
function isSynchronousCall(data: unknown): boolean {
  const trace = (data as { trace?: { deferredRecord?: unknown } } | undefined)?.trace;
  return trace?.deferredRecord === true;
}
