import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import type { ConfirmChannel } from 'amqplib';
import amqp, { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';

/**
 * The process's one connection to RabbitMQ, opened on first use (a process without `OMEGA_BROKER_URL`
 * never dials). amqp-connection-manager reconnects after a broker restart and runs each channel's setup
 * again, so queues, consumers and reply queues come back with the connection. Publisher, consumer and
 * topology, and the change-events exchange (change-exchange.ts) open their channels here, and the cloud
 * status peeks at queue depths on it; nothing else dials AMQP. `BrokerModule` provides the one instance.
 */
@Injectable()
export class BrokerConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(BrokerConnection.name);
  private connection?: AmqpConnectionManager;
  private readonly lostListeners = new Set<() => void>();

  constructor(@Inject(OMEGA_CONFIG) private readonly config: OmegaConfig) {}

  /** A channel whose `setup` runs on every (re)connect; confirm channels resolve publishes on the broker's ack. */
  channel(options: {
    name: string;
    confirm: boolean;
    publishTimeoutMs?: number;
    setup: (channel: ConfirmChannel) => Promise<unknown>;
  }): ChannelWrapper {
    return this.connect().createChannel({
      name: options.name,
      json: false,
      confirm: options.confirm,
      ...(options.publishTimeoutMs ? { publishTimeout: options.publishTimeoutMs } : {}),
      setup: options.setup,
    });
  }

  /**
   * Messages waiting in each queue, by a passive check that changes nothing on the broker: a queue that does
   * not exist (no task was ever sent to it) is `null`. Waits at most `timeoutMs` for the connection, so a
   * status page answers "broker down" rather than hanging.
   */
  async peekQueueDepths(queues: string[], timeoutMs: number): Promise<Map<string, number | null>> {
    const manager = this.connect();
    if (!manager.connection) await manager.connect({ timeout: timeoutMs });
    const connection = manager.connection;
    if (!connection) throw new Error('the broker connection dropped');
    const depths = new Map<string, number | null>();
    for (const queue of queues) {
      // A missing queue closes the channel it was checked on: one short-lived channel per check.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        depths.set(queue, (await channel.checkQueue(queue)).messageCount);
        await channel.close();
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
        depths.set(queue, null);
      }
    }
    return depths;
  }

  /**
   * Called each time the connection drops (the broker then redelivers this process's unacknowledged tasks).
   * Answers a function that removes the listener.
   */
  onLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => void this.lostListeners.delete(listener);
  }

  /** Runs after every module's destroy hook: publisher and consumer have settled what they hold. */
  async onApplicationShutdown(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
  }

  private connect(): AmqpConnectionManager {
    if (this.connection) return this.connection;
    if (!this.config.brokerUrl)
      throw new Error('OMEGA_BROKER_URL is not set: there is no broker to connect to');
    const connection = amqp.connect([this.config.brokerUrl], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      // Task messages, notices and acks are small: Nagle's algorithm would hold each for tens of ms.
      connectionOptions: { noDelay: true },
    });
    connection.on('disconnect', ({ err }) => {
      this.logger.warn(`Broker connection lost: ${err?.message}`);
      for (const listener of this.lostListeners) listener();
    });
    this.connection = connection;
    return connection;
  }
}
