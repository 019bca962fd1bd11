import type { QueueStats } from '../broker/task-publisher';
import type { TaskMessage, TaskNotice } from '../task/task';

/**
 * How submitted tasks reach a worker: over RabbitMQ, or to the runner inside this process when no broker
 * is configured (the embedded default). Both deliver completion notices to `onNotice`.
 */
export abstract class TaskDispatcher {
  protected noticeListener: (notice: TaskNotice) => void = () => undefined;

  onNotice(listener: (notice: TaskNotice) => void): void {
    this.noticeListener = listener;
  }

  /** Resolves once the task cannot be lost (the broker confirmed it, or the runner holds it). */
  abstract dispatch(task: TaskMessage): Promise<void>;

  /** Where a worker should send this task's completion notice; absent while notices cannot arrive. */
  abstract replyTo(): string | undefined;

  /** Whether some live worker consumes `label`. */
  abstract isLabelServed(label: string): Promise<boolean>;

  /** Tasks waiting and consumers per label (the metrics). */
  abstract queues(labels: string[]): Promise<Map<string, QueueStats>>;

  abstract close(): Promise<void>;
}
