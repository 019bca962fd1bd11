import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@omega/core';
import { WorkerModule } from './worker.module';

/**
 * The worker process. Until the runtime lands it boots, connects to MongoDB, reports the labels it will
 * consume and waits; the RabbitMQ consumer arrives with the models and runtime work.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config));
  app.enableShutdownHooks();
  new Logger('worker').log(
    `worker ready: labels ${config.workerLabels.join(', ')}, concurrency ${config.workerConcurrency}`,
  );
}

main().catch((error: Error) => {
  new Logger('worker').error(`Could not start: ${error.message}`);
  process.exit(1);
});
