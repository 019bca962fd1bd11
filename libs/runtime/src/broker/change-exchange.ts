import { Logger } from '@nestjs/common';
import type { ChangeEvent, ChangeEvents, ChangeTransport } from '@omega/core';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { ChannelWrapper } from 'amqp-connection-manager';
import { randomUUID } from 'node:crypto';
import { BrokerConnection } from './broker-connection';
import { ChangePresence, HELLO_INTERVAL_MS, LEASE_MARGIN_MS, LEASE_MS } from './change-exchange-presence';

/** A publish waits this long for the broker before the change is reported as not announced. */
const PUBLISH_TIMEOUT_MS = 5_000;

/** The fanout exchange change events travel on; prefixed like the task queues, so platforms never mix. */
export function changeExchangeName(prefix: string): string {
  return `${prefix}.changes`;
}

/** The AMQP `type` of each message on the exchange (events carry none, as before). */
const HELLO = 'hello';
const BYE = 'bye';
const ACK = 'ack';

/** A publish waiting for the other processes to confirm they handled its event. */
interface Pending {
  acked: Set<string>;
  /** The peers it waits for, known once this process has caught up past the event's confirm. */
  peers?: string[];
  /** Resolves the publish when every peer acknowledged. */
  done: () => void;
}

/**
 * Change events between processes: one fanout exchange, and per process an exclusive, auto-deleted queue
 * bound to it, so every process hears every event (its own included) and nothing outlives a process.
 *
 * The guarantee: `publish` resolves only once every other live process has run its handlers for the
 * event, or once any that has not can no longer answer from its caches. Each process announces itself
 * every HELLO_INTERVAL_MS (see `ChangePresence`: the roster of peers, and this process's lease); a process
 * that receives an event runs its handlers, then acknowledges to the publisher's queue. The publisher
 * waits for the broker's confirm, then for one of its own announcements to come back (so its roster holds
 * every process whose queue got the event before it), then for the acknowledgement of every peer on that
 * roster; at LEASE_MS after the confirm it stops waiting, since a peer that has not handled the event by
 * then has no lease left and bypasses its caches until it catches up. So an admin's answer never overtakes
 * the event: the next request anywhere sees the change.
 *
 * Events published while a process's connection is down are not kept for it: its queue went with the
 * connection. So on every (re)connect the process drops all its caches (`ChangeEvents.reset`), and until
 * its first announcement is back `current` is false and caches are not trusted.
 *
 * It rides the process's one broker connection (`BrokerConnection`) on a channel of its own, whose setup
 * runs again on every reconnect; the connection is closed by its owner, after this channel.
 */
export class ChangeExchange implements ChangeTransport {
  private readonly logger = new Logger('ChangeExchange');
  private readonly channel: ChannelWrapper;
  private readonly exchange: string;
  private readonly presence = new ChangePresence(randomUUID());
  /** This process's queue of the current connection, where acknowledgements come to. */
  private queue?: string;
  private readonly pending = new Map<string, Pending>();
  /** Announcements awaited by publishes (by sequence number), resolved when they come back. */
  private readonly syncs = new Map<number, () => void>();
  private readonly helloTimer: NodeJS.Timeout;
  /** Callers of `waitForConnect` waiting for the first announcement to come back. */
  private readonly whenCurrent: Array<() => void> = [];
  /** Stops listening for the connection's losses. */
  private readonly unlisten: () => void;

  constructor(broker: BrokerConnection, prefix: string, events: ChangeEvents) {
    this.exchange = changeExchangeName(prefix);
    this.unlisten = broker.onLost(() => {
      this.restart();
      this.logger.warn('Caches are bypassed until the broker connection is back');
    });
    this.channel = broker.channel({
      name: 'change-exchange',
      confirm: true,
      publishTimeoutMs: PUBLISH_TIMEOUT_MS,
      setup: async (channel: ConfirmChannel) => {
        this.restart();
        // Auto-deleted with the last process's queue: nothing of a platform outlives all its processes.
        await channel.assertExchange(this.exchange, 'fanout', { durable: false, autoDelete: true });
        const { queue } = await channel.assertQueue('', {
          exclusive: true,
          autoDelete: true,
          durable: false,
        });
        await channel.bindQueue(queue, this.exchange, '');
        await channel.consume(queue, (message) => this.receive(message, events), { noAck: true });
        // Only now is every later event sure to reach this process; what came before may be lost. Also on
        // the first connect: a principal read from the database while unbound must not be kept.
        events.reset();
        this.queue = queue;
        this.hello();
      },
    });
    this.helloTimer = setInterval(() => this.hello(), HELLO_INTERVAL_MS);
    this.helloTimer.unref();
  }

  /** Subscribed, and every event confirmed more than LEASE_MS ago has been handled here. */
  get current(): boolean {
    return this.queue !== undefined && this.presence.current;
  }

  /** Resolves once connected and current (its first announcement came back), so caches may be used. */
  async waitForConnect(): Promise<void> {
    await this.channel.waitForConnect();
    if (!this.current) await new Promise<void>((resolve) => this.whenCurrent.push(resolve));
  }

  /**
   * Resolves once every other live process handled the event, or could no longer answer from its caches
   * (see the class comment). Rejects when the broker does not confirm it within PUBLISH_TIMEOUT_MS.
   */
  async publish(event: ChangeEvent): Promise<void> {
    const messageId = randomUUID();
    const content = Buffer.from(JSON.stringify({ topic: event.topic, key: event.key }));
    let done: () => void = () => undefined;
    const acknowledged = new Promise<void>((resolve) => (done = resolve));
    const pending: Pending = { acked: new Set(), done };
    this.pending.set(messageId, pending);
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.channel.publish(this.exchange, '', content, {
        contentType: 'application/json',
        messageId,
        appId: this.presence.id,
        replyTo: this.queue,
      });
      // From the confirm on, a process that has not handled the event loses its lease within LEASE_MS.
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), LEASE_MS + LEASE_MARGIN_MS);
      });
      const everyPeer = this.sync().then(() => {
        pending.peers = this.presence.livePeers();
        this.settle(pending);
        return acknowledged.then(() => true);
      });
      if (!(await Promise.race([everyPeer, deadline])))
        this.logger.warn(
          'A change event was not acknowledged by every process in time: those late bypass their caches ' +
            'until they catch up',
        );
    } finally {
      clearTimeout(timer);
      this.pending.delete(messageId);
    }
  }

  /** Says goodbye and closes this channel; the shared connection stays with `BrokerConnection`. */
  async close(): Promise<void> {
    clearInterval(this.helloTimer);
    this.unlisten();
    // Peers stop waiting for this process's acknowledgements at once instead of at their deadline.
    if (this.queue !== undefined)
      await this.channel
        .publish(this.exchange, '', Buffer.from('{}'), { type: BYE, appId: this.presence.id })
        .catch(() => undefined);
    this.queue = undefined;
    await this.channel.close().catch(() => undefined);
  }

  /**
   * A new queue (or none): announcements sent before are never coming back, so publishes waiting for one
   * end at their deadline instead.
   */
  private restart(): void {
    this.queue = undefined;
    this.presence.restart();
    this.syncs.clear();
  }

  /** Announces this process (and renews its lease when the announcement comes back). */
  private hello(): number | undefined {
    if (this.queue === undefined) return undefined;
    const sequence = this.presence.nextHello();
    this.channel
      .publish(this.exchange, '', Buffer.from(String(sequence)), { type: HELLO, appId: this.presence.id })
      .catch((error: Error) => this.logger.warn(`Could not announce this process: ${error.message}`));
    return sequence;
  }

  /** Resolves when an announcement sent now came back: everything confirmed before it was handled here. */
  private sync(): Promise<void> {
    return new Promise<void>((resolve) => {
      const sequence = this.hello();
      if (sequence === undefined) return; // Disconnected: the publish ends at its deadline.
      this.syncs.set(sequence, resolve);
    });
  }

  private settle(pending: Pending): void {
    if (pending.peers?.every((peer) => pending.acked.has(peer))) pending.done();
  }

  private receive(message: ConsumeMessage | null, events: ChangeEvents): void {
    if (!message) return;
    const { type, appId, correlationId, messageId, replyTo } = message.properties as {
      type?: string;
      appId?: string;
      correlationId?: string;
      messageId?: string;
      replyTo?: string;
    };
    const from = String(appId);
    if (type === HELLO) {
      const sequence = Number(message.content.toString());
      if (this.presence.heard(from, sequence)) {
        if (this.current) for (const resolve of this.whenCurrent.splice(0)) resolve();
        for (const [awaited, resolve] of this.syncs)
          if (awaited <= sequence) {
            this.syncs.delete(awaited);
            resolve();
          }
      }
      return;
    }
    if (type === BYE) return this.presence.left(from);
    if (type === ACK) {
      const pending = this.pending.get(String(correlationId));
      if (pending) {
        pending.acked.add(from);
        this.settle(pending);
      }
      return;
    }
    try {
      const parsed = JSON.parse(message.content.toString()) as Partial<ChangeEvent>;
      if (typeof parsed.topic === 'string' && typeof parsed.key === 'string')
        events.deliver({ topic: parsed.topic, key: parsed.key });
    } catch (error) {
      this.logger.warn(`Ignored an unreadable change event: ${(error as Error).message}`);
    }
    // Handled (the handlers are synchronous): the publisher may stop waiting for this process.
    if (from !== this.presence.id && replyTo && messageId)
      this.channel
        .publish('', replyTo, Buffer.alloc(0), {
          type: ACK,
          appId: this.presence.id,
          correlationId: messageId,
        })
        .catch((error: Error) => this.logger.warn(`Could not acknowledge a change event: ${error.message}`));
  }
}
