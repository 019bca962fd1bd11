import { DynamicModule, Module } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import type { CloudSettings } from './cloud-settings';
import { CLOUD_SETTINGS } from './cloud-settings.provider';
import { CloudStoreModule } from './cloud-store.module';
import { LocalWorkerDriver } from './drivers/local-worker-driver';
import { WORKER_DRIVER, type WorkerDriver } from './drivers/worker-driver';
import { PoolReconciler } from './manager/pool-reconciler';

/** The manager's side: the driver its settings name and the loop that applies pool requests through it. */
@Module({})
export class CloudManagerModule {
  static forRoot(settings: CloudSettings): DynamicModule {
    return {
      module: CloudManagerModule,
      imports: [CloudStoreModule],
      providers: [
        { provide: CLOUD_SETTINGS, useValue: settings },
        {
          provide: WORKER_DRIVER,
          inject: [OMEGA_CONFIG],
          useFactory: (config: OmegaConfig) => driverFor(settings, config),
        },
        PoolReconciler,
      ],
      exports: [PoolReconciler],
    };
  }
}

async function driverFor(settings: CloudSettings, config: OmegaConfig): Promise<WorkerDriver> {
  switch (settings.driver) {
    case 'local':
      return new LocalWorkerDriver(settings.workerCommand);
    case 'kubernetes': {
      // Loaded only here: @kubernetes/client-node is an ES module, which Node 20 requires fine but Jest
      // cannot, and every app and test that imports the manager module would otherwise load it.
      const { KubernetesWorkerDriver } = await import('./drivers/kubernetes-worker-driver');
      return new KubernetesWorkerDriver({
        namespace: settings.k8sNamespace,
        release: settings.k8sRelease,
        keda: settings.k8sKeda,
        templatePool: settings.k8sTemplatePool,
        queuePrefix: config.mongoDbPrefix,
      });
    }
    case 'none':
      return noDriver;
  }
}

/** Scaling left to the cluster's own autoscalers (or done by hand): requests stay pending. */
const noDriver: WorkerDriver = {
  name: 'none',
  supervises: false,
  apply: () => Promise.reject(new Error('this manager has no driver (OMEGA_CLOUD_DRIVER=none)')),
  discover: () => Promise.resolve([]),
  shutdown: () => Promise.resolve(),
};
