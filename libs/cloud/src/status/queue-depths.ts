import { taskQueueName } from '@omega/runtime';
import { connect } from 'amqplib';

const CONNECT_TIMEOUT_MS = 3_000;

/** Messages waiting per label; `null` for a label whose queue does not exist yet (no task was ever sent). */
export type QueueDepths = Record<string, number | null>;

/**
 * Reads task queue depths with a passive declare on a short-lived connection. It lives here, not in the
 * runtime's broker folder, because only the cloud status reads it and it changes nothing on the broker.
 */
export async function readQueueDepths(url: string, prefix: string, labels: string[]): Promise<QueueDepths> {
  const connection = await connect(url, { timeout: CONNECT_TIMEOUT_MS });
  connection.on('error', () => undefined);
  const depths: QueueDepths = {};
  try {
    for (const label of labels) {
      // A missing queue closes the channel it was checked on: one channel per check.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        depths[label] = (await channel.checkQueue(taskQueueName(prefix, label))).messageCount;
        await channel.close();
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
        depths[label] = null;
      }
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  return depths;
}
