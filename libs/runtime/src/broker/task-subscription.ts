import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Writable } from 'node:stream';
import { TASK_PATTERN } from '../task/task';
import { BrokerConnection } from './broker-connection';
import { RESENT_HEADER } from './task-publisher';
import { declareTaskQueue } from './task-queues';

/** One delivery as the worker sees it: the decoded task data and how to settle it. */
export interface TaskDelivery {
  /** The task (the `data` of the `{pattern, data}` envelope), or what could not be read as one. */
  data: unknown;
  taskId?: string;
  /** Delivered before, or sent again by a publisher after a dropped channel. */
  redelivered: boolean;
  /** The raw bytes' fingerprint, to count failures of a message that has no id. */
  fingerprint: string;
  ack(): void;
  /** `requeue` false sends the message to the dead-letter queue. */
  nack(requeue: boolean): void;
  /** Sends a completion notice to a submitter's reply queue, on the channel the task came on. */
  reply(queue: string, body: unknown): void;
}

/**
 * The consuming side of the broker: one channel with `prefetch` unacknowledged tasks at most, consuming
 * each label's queue (declared here, with the dead-letter queue, on every connect). A delivery is settled
 * on the very channel it came on: after a reconnect its delivery tag means nothing on the new channel, so
 * settling a stale one is dropped (the broker redelivers it and the stored outcome answers).
 */
export class TaskSubscription {
  private readonly channel: ChannelWrapper;
  private current?: ConfirmChannel;
  private cancelled = false;

  constructor(
    connection: BrokerConnection,
    private readonly options: {
      prefix: string;
      labels: string[];
      prefetch: number;
      consumerTag: (label: string) => string;
      onDelivery: (delivery: TaskDelivery) => void;
    },
  ) {
    this.channel = connection.channel({
      name: 'task-subscription',
      confirm: false,
      setup: async (channel: ConfirmChannel) => {
        this.current = channel;
        if (this.cancelled) return;
        await channel.prefetch(options.prefetch);
        for (const label of options.labels) {
          const queue = await declareTaskQueue(channel, options.prefix, label);
          await channel.consume(queue, (message) => message && this.deliver(channel, message), {
            noAck: false,
            consumerTag: options.consumerTag(label),
          });
        }
      },
    });
  }

  async waitForConnect(): Promise<void> {
    await this.channel.waitForConnect();
  }

  /** Stops taking tasks; the ones already delivered can still be settled. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    const channel = this.current;
    if (!channel) return;
    for (const label of this.options.labels) {
      await channel.cancel(this.options.consumerTag(label)).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
  }

  private deliver(channel: Channel, message: ConsumeMessage): void {
    const messageId = message.properties.messageId as string | undefined;
    const hold = () => holdWrites(channel);
    this.options.onDelivery({
      data: envelopeData(message.content),
      ...(messageId ? { taskId: messageId } : {}),
      redelivered: message.fields.redelivered || message.properties.headers?.[RESENT_HEADER] === true,
      fingerprint: messageId ?? message.content.toString('base64').slice(0, 200),
      ack: () => safely(() => (channel.ack(message), hold())),
      nack: (requeue) => safely(() => (channel.nack(message, false, requeue), hold())),
      reply: (queue, body) =>
        safely(() => {
          channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
          hold();
        }),
    });
  }
}

/** The task inside the `{pattern, data}` envelope publishers send; anything else goes to the executor as is. */
function envelopeData(content: Buffer): unknown {
  try {
    const parsed = JSON.parse(content.toString()) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'pattern' in parsed && 'data' in parsed) {
      return (parsed as { pattern: unknown }).pattern === TASK_PATTERN
        ? (parsed as { data: unknown }).data
        : undefined;
    }
    return parsed;
  } catch {
    return undefined;
  }
}

/** Sockets whose writes are held until the frames of this turn of the event loop are all written. */
const held = new WeakSet<Writable>();

/**
 * Holds the connection's socket writes (cork) until amqplib wrote every frame sent in this turn: a task's
 * notice and its ack then leave in one write, not two (one system call and one read on the broker per
 * task instead of two). amqplib writes a channel's frames from a setImmediate scheduled on the next tick
 * after the send; the uncork is scheduled after that (so call this after sending), and runs in the same
 * pass of the event loop right after those writes: nothing waits longer than before.
 */
function holdWrites(channel: Channel): void {
  const socket = (channel as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  if (!socket || held.has(socket) || socket.destroyed) return;
  held.add(socket);
  socket.cork();
  process.nextTick(() =>
    setImmediate(() => {
      held.delete(socket);
      socket.uncork();
    }),
  );
}

function safely(action: () => unknown): void {
  try {
    action();
  } catch {
    // The channel closed with its connection: see the class comment.
  }
}
