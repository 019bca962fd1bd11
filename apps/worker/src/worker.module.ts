import { DynamicModule, Module } from '@nestjs/common';
import { OmegaConfig, OmegaConfigModule, OmegaCoreModule } from '@omega/core';
import { DatasetsModule } from '@omega/datasets';
import { MljsModule } from '@omega/mljs';
import { ModelsModule } from '@omega/models';
import { OnnxModule } from '@omega/onnx';
import { ChangeExchangeModule, RuntimeWorkerModule } from '@omega/runtime';
import { JobsModule } from '@omega/jobs';
import { ScriptsModule } from '@omega/scripts';
import { TrackingModule } from '@omega/tracking';

/** The worker: the runtime's consumer plus the kinds whose tasks it runs, each registering its handlers. */
@Module({})
export class WorkerModule {
  static forRoot(config: OmegaConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        OmegaConfigModule.forRoot(config),
        OmegaCoreModule,
        RuntimeWorkerModule,
        // Change events from every process: the worker's model caches drop what changed elsewhere.
        ChangeExchangeModule,
        DatasetsModule,
        ModelsModule,
        OnnxModule,
        MljsModule,
        ScriptsModule,
        JobsModule,
        // Scheduled drift checks (`model.monitor` tasks).
        TrackingModule,
      ],
    };
  }
}
