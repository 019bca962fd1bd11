import { Logger } from '@nestjs/common';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { ChannelWrapper } from 'amqp-connection-manager';
import { TASK_PATTERN, TaskMessage, TaskNotice } from '../task/task';
import { BrokerConnection } from './broker-connection';
import {
  DEAD_LETTER_QUEUE_OPTIONS,
  deadLetterQueueName,
  declareTaskQueue,
  taskQueueName,
  taskQueueOptions,
} from './task-queues';

/** A label queue's backlog and its consumers, as the broker counts them. */
export interface QueueStats {
  messages: number;
  consumers: number;
}

/** A publish waits this long for the broker (including a reconnect) before the call fails with 503. */
const PUBLISH_TIMEOUT_MS = 15_000;
/** Marks a task sent again after a dropped channel: the broker may hold an earlier copy. */
export const RESENT_HEADER = 'x-omega-resent';
/** Pause before sending again a task whose channel closed before the broker confirmed it. */
const RESEND_PAUSE_MS = 250;

/**
 * The submitting side of the broker: publishes asynchronous tasks as persistent messages on a confirm
 * channel (a publish resolves only once RabbitMQ has taken responsibility for it), synchronous calls as
 * transient messages on a plain channel (see `publish`), and listens on a private reply queue for
 * completion notices. amqp-connection-manager reconnects after a broker restart and resends what was not
 * confirmed; task ids make such a resend harmless.
 */
export class TaskPublisher {
  private readonly logger = new Logger(TaskPublisher.name);
  private readonly channel: ChannelWrapper;
  /** Synchronous calls go out on this one: no confirms, nothing queued in amqp-connection-manager. */
  private readonly calls: ChannelWrapper;
  /** The plain channel while it is open. */
  private callChannel?: Channel;
  private readonly declared = new Set<string>();
  private replyQueue?: string;

  constructor(
    connection: BrokerConnection,
    private readonly queuePrefix: string,
    onNotice: (notice: TaskNotice) => void,
  ) {
    this.channel = connection.channel({
      name: 'task-publisher',
      confirm: true,
      publishTimeoutMs: PUBLISH_TIMEOUT_MS,
      setup: async (channel: ConfirmChannel) => {
        await channel.assertQueue(deadLetterQueueName(this.queuePrefix), DEAD_LETTER_QUEUE_OPTIONS);
        // A fresh, server-named queue per connection: notices for waits begun before a reconnect are
        // lost with the old queue, and those waits fall back to reading the task record.
        const { queue } = await channel.assertQueue('', {
          exclusive: true,
          autoDelete: true,
          durable: false,
        });
        await channel.consume(queue, (message) => this.receive(message, onNotice), { noAck: true });
        this.replyQueue = queue;
      },
    });
    this.calls = connection.channel({
      name: 'task-publisher-calls',
      confirm: false,
      setup: async (channel: Channel) => {
        this.callChannel = channel;
        channel.once('close', () => {
          if (this.callChannel === channel) this.callChannel = undefined;
        });
      },
    });
    // Until the setup ran again, calls take the durable path (no queue to answer them on).
    connection.onLost(() => {
      this.replyQueue = undefined;
      this.callChannel = undefined;
    });
  }

  /** The queue completion notices come back on, once connected. */
  get replyTo(): string | undefined {
    return this.replyQueue;
  }

  async waitForConnect(): Promise<void> {
    await this.channel.waitForConnect();
  }

  /**
   * Resolves once RabbitMQ confirmed the task. A publish cut off by a dropped channel is ambiguous (the
   * broker may hold the message or not), so it is sent again, with the same id, until confirmed or the
   * timeout: a second copy of a task is acknowledged without running (see TaskExecutor), a lost one is not.
   */
  async publish(task: TaskMessage): Promise<void> {
    const queue = taskQueueName(this.queuePrefix, task.label);
    const content = Buffer.from(JSON.stringify({ pattern: TASK_PATTERN, data: task }));
    // A synchronous call (its record deferred until after the answer) is sent transient and unconfirmed,
    // straight onto the plain channel: its guarantee is at most once per request, and its caller waits on
    // this process's reply queue, which a broker restart deletes. A restart may lose such a call (a
    // transient message dies with the broker), and so may a connection that drops while the message is
    // still on its way; the caller then gets 504 after its timeout, never a second or wrong answer. A
    // confirm would cost a frame each way and a wait on every predict, for the rare publish cut off
    // mid-way. Asynchronous tasks stay persistent and confirmed: they must survive a broker restart. A
    // label's first call takes the confirmed path, which declares the label's queue.
    const persistent = task.trace.deferredRecord !== true;
    if (!persistent && this.callChannel && this.declared.has(task.label)) {
      try {
        this.callChannel.sendToQueue(queue, content, {
          persistent: false,
          contentType: 'application/json',
          messageId: task.id,
        });
        return;
      } catch {
        // The channel closed under us (nothing was written): the confirmed path below waits for it.
        this.callChannel = undefined;
      }
    }
    const deadline = Date.now() + PUBLISH_TIMEOUT_MS;
    for (let resent = false; ; resent = true) {
      try {
        await this.declare(task.label);
        await this.channel.sendToQueue(queue, content, {
          persistent,
          contentType: 'application/json',
          messageId: task.id,
          timeout: Math.max(1, deadline - Date.now()),
          // A copy sent again may meet the first one: the worker treats it as a redelivery (see TaskExecutor).
          ...(resent ? { headers: { [RESENT_HEADER]: true } } : {}),
        });
        return;
      } catch (error) {
        if (!isChannelClosed(error) || Date.now() + RESEND_PAUSE_MS >= deadline) {
          throw new OmegaError(
            OmegaErrorCode.ServiceUnavailable,
            `The task broker did not accept the task: ${(error as Error).message}`,
          );
        }
        this.logger.warn(`Task ${task.id}: the channel closed before the broker confirmed it; sending again`);
        await new Promise((resolve) => setTimeout(resolve, RESEND_PAUSE_MS));
      }
    }
  }

  private async declare(label: string): Promise<void> {
    if (this.declared.has(label)) return;
    // Added as a setup step, so the queue is declared again on every reconnect.
    await this.channel.addSetup((channel: ConfirmChannel) =>
      declareTaskQueue(channel, this.queuePrefix, label),
    );
    this.declared.add(label);
  }

  /**
   * Messages waiting and consumers of each label's queue. Declared rather than checked: checking a queue
   * that is gone would close the channel tasks are published on.
   */
  async queues(labels: string[]): Promise<Map<string, QueueStats>> {
    const stats = new Map<string, QueueStats>();
    for (const label of labels) {
      const queue = taskQueueName(this.queuePrefix, label);
      const { messageCount, consumerCount } = await this.channel.assertQueue(
        queue,
        taskQueueOptions(this.queuePrefix),
      );
      stats.set(label, { messages: messageCount, consumers: consumerCount });
    }
    return stats;
  }

  async close(): Promise<void> {
    this.callChannel = undefined;
    await this.calls.close().catch(() => undefined);
    await this.channel.close().catch(() => undefined);
  }

  private receive(message: ConsumeMessage | null, onNotice: (notice: TaskNotice) => void): void {
    if (!message) return;
    try {
      onNotice(JSON.parse(message.content.toString()) as TaskNotice);
    } catch (error) {
      this.logger.warn(`Ignored an unreadable completion notice: ${(error as Error).message}`);
    }
  }
}

/** amqp-connection-manager's rejection of a publish whose channel went away before the confirm. */
function isChannelClosed(error: unknown): boolean {
  return error instanceof Error && /(channel|connection) closed/i.test(error.message);
}
