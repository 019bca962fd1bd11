import type { OmegaConfig } from '@omega/core';
import {
  BrokerConnection,
  TASK_PATTERN,
  TaskDelivery,
  TaskSubscription,
  taskQueueName,
} from '@omega/runtime';
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { deleteQueues, queueDepth } from './support/broker';
import { pollUntil } from './support/poll';
import { testBrokerUrl } from './support/worker-process';

const PREFIX = `twrites${process.pid}`;
const LABEL = 'default';

/**
 * A worker settles a task with its completion notice and its ack: both frames must leave the worker's
 * socket in one write (one system call, one read on the broker), and both must arrive.
 */
describe('task subscription writes', () => {
  const url = testBrokerUrl();
  let broker: BrokerConnection;
  let subscription: TaskSubscription;
  let client: ChannelModel;
  const deliveries: TaskDelivery[] = [];
  let settle: (delivery: TaskDelivery) => void = () => undefined;

  beforeAll(async () => {
    broker = new BrokerConnection({ brokerUrl: url } as OmegaConfig);
    subscription = new TaskSubscription(broker, {
      prefix: PREFIX,
      labels: [LABEL],
      prefetch: 4,
      consumerTag: (label) => `${PREFIX}.${label}`,
      onDelivery: (delivery) => {
        deliveries.push(delivery);
        settle(delivery);
      },
    });
    await subscription.waitForConnect();
    client = await connect(url);
  });

  afterAll(async () => {
    await subscription.close();
    await broker.onApplicationShutdown();
    await client.close();
    await deleteQueues(url, PREFIX);
  });

  it('sends a task’s notice and its ack in one socket write', async () => {
    const channel = await client.createChannel();
    const ownSocket = (channel as unknown as { connection: { stream: Socket } }).connection.stream;
    const { queue: replyQueue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    const notices: unknown[] = [];
    await channel.consume(
      replyQueue,
      (message: ConsumeMessage | null) => message && notices.push(JSON.parse(message.content.toString())),
      { noAck: true },
    );

    // Every write of a socket other than this test's own client, with its socket: other connections of the
    // process (database, heartbeats) may write meanwhile, so the subscription's socket is told apart below.
    const writes: { socket: Socket; buffers: number }[] = [];
    const original = { write: Socket.prototype._write, writev: Socket.prototype._writev };
    Socket.prototype._write = function (this: Socket, ...args: Parameters<Socket['_write']>) {
      if (this !== ownSocket) writes.push({ socket: this, buffers: 1 });
      return original.write.apply(this, args);
    };
    Socket.prototype._writev = function (this: Socket, ...args: Parameters<NonNullable<Socket['_writev']>>) {
      if (this !== ownSocket) writes.push({ socket: this, buffers: args[0].length });
      return original.writev!.apply(this, args);
    };
    try {
      settle = (delivery) => {
        writes.length = 0;
        delivery.reply(replyQueue, { id: delivery.taskId, status: 'SUCCESS' });
        delivery.ack();
      };
      const id = randomUUID();
      const task = { id, tenant: 'writes', action: 'runtime.ping', args: [], kwargs: {}, label: LABEL };
      channel.sendToQueue(
        taskQueueName(PREFIX, LABEL),
        Buffer.from(JSON.stringify({ pattern: TASK_PATTERN, data: task })),
        { messageId: id },
      );
      await pollUntil(
        () => notices.length,
        (count) => count > 0,
      );
      expect(notices).toEqual([{ id, status: 'SUCCESS' }]);
      expect(deliveries.map((delivery) => delivery.taskId)).toEqual([id]);
      // One write holding both frames (the notice, then the ack), and no other write on that socket.
      const subscription = writes.find((write) => write.buffers === 2)?.socket;
      expect(subscription).toBeDefined();
      expect(writes.filter((write) => write.socket === subscription).map((write) => write.buffers)).toEqual([
        2,
      ]);
    } finally {
      Socket.prototype._write = original.write;
      Socket.prototype._writev = original.writev;
      settle = () => undefined;
    }

    // The ack arrived: once the subscription lets go, nothing goes back to the queue.
    await subscription.cancel();
    await subscription.close();
    expect(await queueDepth(url, taskQueueName(PREFIX, LABEL))).toBe(0);
  });
});
