import type { ConfirmChannel, Options } from 'amqplib';

/**
 * Queue names start with the deployment's database prefix (`OMEGA_MONGO_DB_PREFIX`, `omega` by default):
 * two deployments sharing a broker never take each other's tasks.
 */

/** Where tasks that must never be retried end up, for an operator to inspect. */
export function deadLetterQueueName(prefix: string): string {
  return `${prefix}.tasks.dead`;
}

/** One durable queue per worker label. */
export function taskQueueName(prefix: string, label: string): string {
  return `${prefix}.tasks.${label}`;
}

/**
 * Options of every task queue. Publisher and worker both declare the queue, and RabbitMQ refuses a second
 * declaration with other arguments, so they come from this one place.
 */
export function taskQueueOptions(prefix: string): Options.AssertQueue {
  return {
    durable: true,
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadLetterQueueName(prefix) },
  };
}

export const DEAD_LETTER_QUEUE_OPTIONS: Options.AssertQueue = { durable: true };

/** The dead-letter queue and a label's task queue, declared together: a task never lands nowhere. */
export async function declareTaskQueue(
  channel: Pick<ConfirmChannel, 'assertQueue'>,
  prefix: string,
  label: string,
): Promise<string> {
  await channel.assertQueue(deadLetterQueueName(prefix), DEAD_LETTER_QUEUE_OPTIONS);
  const queue = taskQueueName(prefix, label);
  await channel.assertQueue(queue, taskQueueOptions(prefix));
  return queue;
}
