import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { LatencyStats, measureLatency, warmUp, withDeadline } from '../support/latency';
import { RAW_QUEUE_PREFIX } from './runtime-platform';

/**
 * The raw amqplib baselines: what the broker alone costs, with nothing of the platform in the way. Each
 * side has its own connection, as the API and the worker have; both live in this process. Sockets are
 * opened with TCP_NODELAY unless a run asks for amqplib's default (Nagle's algorithm on), which the
 * platform's connections use: a consumer that publishes and then acks writes twice in a row, and with
 * Nagle on the second write waits for the broker's delayed ACK (about 40 ms on Linux).
 */

interface SocketChoice {
  /** TCP_NODELAY on both connections; amqplib's default is off. */
  noDelay: boolean;
}

/** The longest a raw run may take before it counts as lost. */
const DEADLINE_MS = 120_000;

export interface RoundTripLevel {
  concurrency: number;
  count: number;
}

/**
 * Request/reply (RabbitMQ's RPC pattern): a consumer on a queue echoes each request to its `replyTo` with
 * its `correlationId`; the client listens on an exclusive reply queue. `durable` publishes the requests
 * persistent on a confirm channel to a durable queue and waits for the confirm as well as the reply, as
 * the platform's publisher does; otherwise requests are transient and unconfirmed (the classic RPC).
 */
export async function rawRoundTrip(
  url: string,
  options: SocketChoice & { durable: boolean; warmup: number; levels: RoundTripLevel[]; payload: Buffer },
): Promise<LatencyStats[]> {
  const server = await connect(url, { noDelay: options.noDelay });
  const client = await connect(url, { noDelay: options.noDelay });
  const requestQueue = `${RAW_QUEUE_PREFIX}.rpc`;
  try {
    const serverChannel = await server.createChannel();
    await serverChannel.prefetch(Math.max(...options.levels.map((level) => level.concurrency)));
    await serverChannel.deleteQueue(requestQueue);
    await serverChannel.assertQueue(
      requestQueue,
      options.durable ? { durable: true } : { durable: false, autoDelete: true },
    );
    await serverChannel.consume(requestQueue, (message) => {
      if (!message) return;
      serverChannel.sendToQueue(message.properties.replyTo as string, message.content, {
        correlationId: message.properties.correlationId as string,
      });
      serverChannel.ack(message);
    });

    const channel: Channel | ConfirmChannel = options.durable
      ? await client.createConfirmChannel()
      : await client.createChannel();
    const { queue: replyQueue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    const waiting = new Map<string, () => void>();
    await channel.consume(
      replyQueue,
      (message) => {
        const id = message?.properties.correlationId as string | undefined;
        if (id) waiting.get(id)?.();
      },
      { noAck: true },
    );

    const roundTrip = () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply within 10 s')), 10_000);
        const correlationId = randomUUID();
        // The durable variant resolves once both the reply and the confirm are in, whichever comes last.
        let outstanding = options.durable ? 2 : 1;
        const done = () => {
          if (--outstanding > 0) return;
          clearTimeout(timer);
          waiting.delete(correlationId);
          resolve();
        };
        waiting.set(correlationId, done);
        const properties = { replyTo: replyQueue, correlationId, persistent: options.durable };
        if (options.durable) {
          (channel as ConfirmChannel).sendToQueue(requestQueue, options.payload, properties, (error) =>
            error ? reject(error as Error) : done(),
          );
        } else {
          channel.sendToQueue(requestQueue, options.payload, properties);
        }
      });

    await warmUp(options.warmup, 1, roundTrip);
    const results: LatencyStats[] = [];
    for (const level of options.levels) {
      await warmUp(options.warmup, level.concurrency, roundTrip);
      results.push(await measureLatency(level.count, level.concurrency, roundTrip));
    }
    await serverChannel.deleteQueue(requestQueue);
    return results;
  } finally {
    await closeQuietly(client);
    await closeQuietly(server);
  }
}

export interface ThroughputResult {
  count: number;
  seconds: number;
  perSecond: number;
  /** Publish-to-confirm latency of each message. */
  publish: LatencyStats;
}

/**
 * Task-queue throughput by hand: `count` persistent messages published on a confirm channel to a durable
 * queue, `window` publishes awaiting their confirm at most, and a consumer (prefetch `prefetch`) that
 * acknowledges each delivery. Timed from the first publish to the last acknowledgement.
 */
export async function rawThroughput(
  url: string,
  options: {
    count: number;
    warmup: number;
    window: number;
    prefetch: number;
    payload: (index: number) => Buffer;
  },
): Promise<ThroughputResult> {
  const consumerConnection = await connect(url, { noDelay: true });
  const publisherConnection = await connect(url, { noDelay: true });
  const queue = `${RAW_QUEUE_PREFIX}.tasks`;
  try {
    const consumer = await consumerConnection.createChannel();
    await consumer.deleteQueue(queue);
    await consumer.assertQueue(queue, { durable: true });
    await consumer.prefetch(options.prefetch);
    let acknowledged = 0;
    let target = 0;
    let reached: () => void = () => undefined;
    await consumer.consume(queue, (message) => {
      if (!message) return;
      consumer.ack(message);
      if (++acknowledged === target) reached();
    });
    const publisher = await publisherConnection.createConfirmChannel();
    const publish = (index: number) =>
      new Promise<void>((resolve, reject) =>
        publisher.sendToQueue(
          queue,
          options.payload(index),
          { persistent: true, contentType: 'application/json', messageId: randomUUID() },
          (error) => (error ? reject(error as Error) : resolve()),
        ),
      );
    const run = async (count: number): Promise<{ seconds: number; publish: LatencyStats }> => {
      target = acknowledged + count;
      const allAcknowledged = new Promise<void>((resolve) => (reached = resolve));
      const started = process.hrtime.bigint();
      const published = await measureLatency(count, options.window, publish);
      await withDeadline(allAcknowledged, DEADLINE_MS, `acknowledging ${count} raw messages`);
      return { seconds: Number(process.hrtime.bigint() - started) / 1e9, publish: published };
    };

    await run(options.warmup);
    const { seconds, publish: published } = await run(options.count);
    await consumer.deleteQueue(queue);
    return { count: options.count, seconds, perSecond: options.count / seconds, publish: published };
  } finally {
    await closeQuietly(publisherConnection);
    await closeQuietly(consumerConnection);
  }
}

/** Publish-to-confirm latency of one persistent message to a durable queue nobody consumes. */
export async function rawPublishConfirm(
  url: string,
  options: { count: number; warmup: number; concurrency: number; payload: Buffer },
): Promise<LatencyStats> {
  const connection = await connect(url, { noDelay: true });
  const queue = `${RAW_QUEUE_PREFIX}.confirm`;
  try {
    const channel = await connection.createConfirmChannel();
    await channel.deleteQueue(queue);
    await channel.assertQueue(queue, { durable: true });
    const publish = () =>
      new Promise<void>((resolve, reject) =>
        channel.sendToQueue(queue, options.payload, { persistent: true }, (error) =>
          error ? reject(error as Error) : resolve(),
        ),
      );
    await warmUp(options.warmup, options.concurrency, publish);
    const stats = await measureLatency(options.count, options.concurrency, publish);
    await channel.deleteQueue(queue);
    return stats;
  } finally {
    await closeQuietly(connection);
  }
}

async function closeQuietly(connection: ChannelModel): Promise<void> {
  await connection.close().catch(() => undefined);
}
