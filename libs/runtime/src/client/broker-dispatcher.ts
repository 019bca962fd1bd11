import { BrokerConnection } from '../broker/broker-connection';
import { QueueStats, TaskPublisher } from '../broker/task-publisher';
import type { TaskMessage } from '../task/task';
import { WorkerDirectory } from '../workers/worker-directory';
import { TaskDispatcher } from './task-dispatcher';

/** Tasks go to RabbitMQ, one durable queue per label; worker processes run them. */
export class BrokerDispatcher extends TaskDispatcher {
  private readonly publisher: TaskPublisher;

  constructor(
    connection: BrokerConnection,
    queuePrefix: string,
    private readonly directory: WorkerDirectory,
  ) {
    super();
    this.publisher = new TaskPublisher(connection, queuePrefix, (notice) => this.noticeListener(notice));
  }

  async connect(): Promise<void> {
    await this.publisher.waitForConnect();
  }

  dispatch(task: TaskMessage): Promise<void> {
    return this.publisher.publish(task);
  }

  replyTo(): string | undefined {
    return this.publisher.replyTo;
  }

  isLabelServed(label: string): Promise<boolean> {
    return this.directory.isLabelServed(label);
  }

  queues(labels: string[]): Promise<Map<string, QueueStats>> {
    return this.publisher.queues(labels);
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}
