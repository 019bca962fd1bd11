import { deadLetterQueueName, taskQueueName } from '@omega/runtime';
import { connect } from 'amqplib';

/** Labels the test suites use; their queues are removed when a suite ends. */
const TEST_LABELS = ['default', 'gpu'];

/** Removes a test prefix's queues, so durable queues do not pile up in the broker across runs. */
export async function deleteQueues(url: string, prefix: string, labels: string[] = []): Promise<void> {
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    for (const label of new Set([...TEST_LABELS, ...labels]))
      await channel.deleteQueue(taskQueueName(prefix, label));
    await channel.deleteQueue(deadLetterQueueName(prefix));
  } finally {
    await connection.close();
  }
}

/** Messages waiting in a queue; rejects when the queue does not exist or the broker refuses the check. */
export async function queueDepth(url: string, queue: string): Promise<number> {
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    // A missing queue or a channel error must fail the caller's wait, not read as "empty": the waits on an
    // empty queue would otherwise pass without checking anything.
    channel.on('error', () => undefined);
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Puts raw bytes on a queue, as a misbehaving producer would. */
export async function publishRaw(url: string, queue: string, content: Buffer): Promise<void> {
  const connection = await connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, content, { persistent: true });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}
