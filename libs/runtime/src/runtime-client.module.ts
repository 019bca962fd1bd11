import { Logger, Module } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { MetricsModule } from '@omega/metrics';
import { BrokerConnection } from './broker/broker-connection';
import { BrokerDispatcher } from './client/broker-dispatcher';
import { InProcessDispatcher } from './client/in-process-dispatcher';
import { RuntimeClient } from './client/runtime-client';
import { TaskDispatcher } from './client/task-dispatcher';
import { TaskExecutor } from './execution/task-executor';
import { RuntimeMetrics } from './metrics/runtime-metrics';
import { RuntimeCoreModule } from './runtime-core.module';
import { RunsService } from './runs/runs.service';
import { WorkerDirectory } from './workers/worker-directory';

/** How long boot waits for the broker before going on (calls answer 503 until it is reachable). */
const BROKER_BOOT_WAIT_MS = 5_000;

/**
 * Submitting tasks: RabbitMQ when `OMEGA_BROKER_URL` is set, otherwise the in-process runner (the
 * embedded default), behind one `RuntimeClient`.
 */
@Module({
  imports: [RuntimeCoreModule, MetricsModule],
  providers: [
    RuntimeMetrics,
    {
      provide: TaskDispatcher,
      inject: [OMEGA_CONFIG, TaskExecutor, WorkerDirectory, BrokerConnection],
      useFactory: async (
        config: OmegaConfig,
        executor: TaskExecutor,
        directory: WorkerDirectory,
        broker: BrokerConnection,
      ) => {
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
        const dispatcher = new BrokerDispatcher(broker, config.mongoDbPrefix, directory);
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
    RunsService,
  ],
  exports: [RuntimeClient, RunsService, RuntimeCoreModule],
})
export class RuntimeClientModule {}
