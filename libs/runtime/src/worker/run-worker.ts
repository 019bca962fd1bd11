import { DynamicModule, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { initOrClose, loadConfig, nestLogLevels, OmegaConfig } from '@omega/core';
import { TaskConsumer } from './task-consumer';

/**
 * Starts a worker process from its module (the kinds whose tasks it runs): checks the configuration,
 * boots the module (TaskConsumer reports in and consumes its labels' queues), and on SIGINT/SIGTERM
 * (Kubernetes, Ctrl-C) stops taking tasks, finishes those in flight, then exits.
 */
export async function runWorker(module: (config: OmegaConfig) => DynamicModule): Promise<void> {
  const logger = new Logger('worker');
  const config = loadConfig();
  if (!config.brokerUrl || !config.mongoUrl) {
    throw new Error(
      'A worker needs OMEGA_BROKER_URL and OMEGA_MONGO_URL (the embedded default runs tasks inside the API)',
    );
  }
  const app = await NestFactory.createApplicationContext(module(config), {
    logger: nestLogLevels(config.logLevel),
  });
  await initOrClose(app);
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
  const consumer = app.get(TaskConsumer);
  logger.log(
    `worker ${consumer.workerId} ready: labels ${config.workerLabels.join(', ')}, concurrency ${config.workerConcurrency}`,
  );
}
