import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { loadConfig, nestLogLevels } from '@omega/core';
import {
  deadLetterQueueName,
  DEAD_LETTER_QUEUE_OPTIONS,
  TaskConsumer,
  taskQueueName,
  taskQueueOptions,
} from '@omega/runtime';
import { connect } from 'amqplib';
import { WorkerModule } from './worker.module';

/**
 * The worker process: a Nest microservice on the RabbitMQ transport, one consumer per label in
 * `OMEGA_WORKER_LABELS`, each with `OMEGA_WORKER_CONCURRENCY` tasks in flight at most.
 */
async function main(): Promise<void> {
  const logger = new Logger('worker');
  const config = loadConfig();
  if (!config.brokerUrl || !config.mongoUrl) {
    throw new Error(
      'A worker needs OMEGA_BROKER_URL and OMEGA_MONGO_URL (the embedded default runs tasks inside the API)',
    );
  }
  await declareDeadLetterQueue(config.brokerUrl, deadLetterQueueName(config.mongoDbPrefix));

  const app = await NestFactory.create(WorkerModule.forRoot(config), {
    logger: nestLogLevels(config.logLevel),
  });
  const consumer = app.get(TaskConsumer);
  for (const label of config.workerLabels) {
    const microservice = app.connectMicroservice<MicroserviceOptions>(
      {
        transport: Transport.RMQ,
        options: {
          urls: [config.brokerUrl],
          queue: taskQueueName(config.mongoDbPrefix, label),
          queueOptions: taskQueueOptions(config.mongoDbPrefix),
          noAck: false,
          prefetchCount: config.workerConcurrency,
          consumerTag: consumer.consumerTag(label),
          socketOptions: {
            heartbeatIntervalInSeconds: 5,
            reconnectTimeInSeconds: 1,
            // Task messages and acks are small: Nagle's algorithm would hold each for tens of ms.
            connectionOptions: { noDelay: true },
          },
        },
      },
      { inheritAppConfig: true },
    );
    // The broker hands this worker's unacknowledged tasks to others: tell them at once which still run here.
    microservice.status.subscribe((status) => {
      if (status === 'disconnected') void consumer.reportRunning();
    });
  }
  await app.init();
  await app.startAllMicroservices();
  // SIGTERM (Kubernetes, Ctrl-C): stop taking tasks, finish those in flight, then exit cleanly.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: finishing tasks in flight, then stopping`);
      void app.close().then(
        () => process.exit(0),
        (error: Error) => {
          logger.error(`Unclean stop: ${error.message}`);
          process.exit(1);
        },
      );
    });
  }
  logger.log(
    `worker ${consumer.workerId} ready: labels ${config.workerLabels.join(', ')}, concurrency ${config.workerConcurrency}`,
  );
}

/** Dead-lettered tasks need somewhere to land before the first one does. */
async function declareDeadLetterQueue(url: string, queue: string): Promise<void> {
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, DEAD_LETTER_QUEUE_OPTIONS);
  } finally {
    await connection.close();
  }
}

main().catch((error: Error) => {
  new Logger('worker').error(`Could not start: ${error.message}`);
  process.exit(1);
});
