import { Logger, Module } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { BrokerDispatcher } from './client/broker-dispatcher';
import { InProcessDispatcher } from './client/in-process-dispatcher';
import { RuntimeClient } from './client/runtime-client';
import { TaskDispatcher } from './client/task-dispatcher';
import { TaskExecutor } from './execution/task-executor';
import { RuntimeCoreModule } from './runtime-core.module';
import { WorkerDirectory } from './workers/worker-directory';

/** How long boot waits for the broker before going on (calls answer 503 until it is reachable). */
const BROKER_BOOT_WAIT_MS = 5_000;

/**
 * Submitting tasks: RabbitMQ when `OMEGA_BROKER_URL` is set, otherwise the in-process runner (the
 * embedded default), behind one `RuntimeClient`.
 */
@Module({
  imports: [RuntimeCoreModule],
  providers: [
    {
      provide: TaskDispatcher,
      inject: [OMEGA_CONFIG, TaskExecutor, WorkerDirectory],
      useFactory: async (config: OmegaConfig, executor: TaskExecutor, directory: WorkerDirectory) => {
        if (!config.brokerUrl) {
          const dispatcher = new InProcessDispatcher(
            executor,
            directory,
            config.workerLabels,
            config.workerConcurrency,
          );
          await dispatcher.start();
          return dispatcher;
        }
        const dispatcher = new BrokerDispatcher(config.brokerUrl, config.mongoDbPrefix, directory);
        const connected = await Promise.race([
          dispatcher.connect().then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), BROKER_BOOT_WAIT_MS).unref()),
        ]);
        if (!connected)
          new Logger('RuntimeClientModule').warn(
            'The task broker is not reachable yet; retrying in the background',
          );
        return dispatcher;
      },
    },
    RuntimeClient,
  ],
  exports: [RuntimeClient, RuntimeCoreModule],
})
export class RuntimeClientModule {}
