import { Logger } from '@nestjs/common';
import type { ChangeEvent, ChangeEvents, ChangeTransport } from '@omega/core';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import amqp, { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import { randomUUID } from 'node:crypto';

/** A publish waits this long for the broker before the change is reported as not announced. */
const PUBLISH_TIMEOUT_MS = 5_000;
/** How long a publish waits for its own event to come back (see `publish`). */
const ECHO_TIMEOUT_MS = 2_000;

/** The fanout exchange change events travel on; prefixed like the task queues, so platforms never mix. */
export function changeExchangeName(prefix: string): string {
  return `${prefix}.changes`;
}

/**
 * Change events between processes: one fanout exchange, and per process an exclusive, auto-deleted queue
 * bound to it, so every process hears every event (its own included) and nothing outlives a process.
 * Publishes wait for the broker's confirm.
 *
 * Events published while a process's connection is down are not kept for it: its queue went with the
 * connection. So on every reconnect (not the first connect) the process drops all its caches
 * (`ChangeEvents.reset`), and while it is disconnected `connected` is false so caches are not trusted.
 */
export class ChangeExchange implements ChangeTransport {
  private readonly logger = new Logger('ChangeExchange');
  private readonly connection: AmqpConnectionManager;
  private readonly channel: ChannelWrapper;
  private readonly exchange: string;
  private subscribed = false;
  private everConnected = false;
  /** Publishes waiting for their event to come back, by message id. */
  private readonly echoes = new Map<string, () => void>();

  constructor(url: string, prefix: string, events: ChangeEvents) {
    this.exchange = changeExchangeName(prefix);
    this.connection = amqp.connect([url], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      // Events are tiny: without noDelay Nagle's algorithm would hold each for tens of ms.
      connectionOptions: { noDelay: true },
    });
    this.connection.on('disconnect', ({ err }) => {
      this.subscribed = false;
      this.logger.warn(`Broker connection lost, caches are bypassed until it is back: ${err?.message}`);
    });
    this.channel = this.connection.createChannel({
      json: false,
      confirm: true,
      publishTimeout: PUBLISH_TIMEOUT_MS,
      setup: async (channel: ConfirmChannel) => {
        // Auto-deleted with the last process's queue: nothing of a platform outlives all its processes.
        await channel.assertExchange(this.exchange, 'fanout', { durable: false, autoDelete: true });
        const { queue } = await channel.assertQueue('', {
          exclusive: true,
          autoDelete: true,
          durable: false,
        });
        await channel.bindQueue(queue, this.exchange, '');
        await channel.consume(queue, (message) => this.receive(message, events), { noAck: true });
        // Only now is every later event sure to reach this process; what came before may be lost.
        if (this.everConnected) events.reset();
        this.everConnected = true;
        this.subscribed = true;
      },
    });
  }

  get connected(): boolean {
    return this.subscribed;
  }

  async waitForConnect(): Promise<void> {
    await this.channel.waitForConnect();
  }

  /**
   * Resolves once the broker confirmed the event and it came back to this process's own queue. The broker
   * hands a fanout message to every bound queue's consumers at once, so by the time this process has its
   * copy the others have been sent theirs: the caller's answer (say, to an admin who revoked a key) does
   * not overtake the event on its way to the other API processes. Without the echo within
   * ECHO_TIMEOUT_MS it resolves anyway (the event is confirmed; it is only slow).
   */
  async publish(event: ChangeEvent): Promise<void> {
    const messageId = randomUUID();
    const content = Buffer.from(JSON.stringify({ topic: event.topic, key: event.key }));
    let timer: NodeJS.Timeout | undefined;
    const echoed = new Promise<void>((resolve) => {
      this.echoes.set(messageId, resolve);
      timer = setTimeout(resolve, ECHO_TIMEOUT_MS);
    });
    try {
      await this.channel.publish(this.exchange, '', content, { contentType: 'application/json', messageId });
      await echoed;
    } finally {
      clearTimeout(timer);
      this.echoes.delete(messageId);
    }
  }

  async close(): Promise<void> {
    this.subscribed = false;
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }

  private receive(message: ConsumeMessage | null, events: ChangeEvents): void {
    if (!message) return;
    this.echoes.get(String(message.properties.messageId))?.();
    try {
      const parsed = JSON.parse(message.content.toString()) as Partial<ChangeEvent>;
      if (typeof parsed.topic === 'string' && typeof parsed.key === 'string')
        events.deliver({ topic: parsed.topic, key: parsed.key });
    } catch (error) {
      this.logger.warn(`Ignored an unreadable change event: ${(error as Error).message}`);
    }
  }
}
