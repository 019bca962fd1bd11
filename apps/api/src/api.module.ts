import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@omega/accounts';
import { ConsoleModule } from '@omega/console';
import { OmegaConfig, OmegaConfigModule, OmegaCoreModule } from '@omega/core';
import { DatasetsModule } from '@omega/datasets';
import { FilesModule } from '@omega/files';
import { MetricsModule } from '@omega/metrics';
import { MljsModule } from '@omega/mljs';
import { ModelRunsModule } from '@omega/models';
import { OnnxModule } from '@omega/onnx';
import { SqlModule } from '@omega/sql';
import { JobRunsModule } from '@omega/jobs';
import { ScriptRunsModule } from '@omega/scripts';
import { ChangeExchangeModule } from '@omega/runtime';
import { AdminController } from './admin/admin.controller';
import { AuthController } from './auth/auth.controller';
import { CloudHttpModule } from './cloud/cloud-http.module';
import { ClientConfigController } from './config/client-config.controller';
import { DatasetsController } from './datasets/datasets.controller';
import { FilesController } from './files/files.controller';
import { ModelsController } from './models/models.controller';
import { RuntimeController } from './runtime/runtime.controller';
import { SchedulesApiModule } from './schedules/schedules-api.module';
import { ScriptsController } from './scripts/scripts.controller';
import { ServiceApiModule } from './service/service-api.module';
import { JobsController } from './jobs/jobs.controller';
import { SystemController } from './system/system.controller';
import { TrackingApiModule } from './tracking/tracking-api.module';
import { TrackedModelsController } from './tracking/tracked-models.controller';

/**
 * The REST API: a thin shell over the libs. Every route needs credentials unless marked `@Public()`
 * (AuthModule's global guard). Storage kinds are chosen here, by importing their modules;
 * each registers its plugin itself.
 */
@Module({})
export class ApiModule {
  static forRoot(config: OmegaConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        OmegaConfigModule.forRoot(config),
        OmegaCoreModule,
        // Before AuthModule: principal caches must hear of changes made by every replica.
        ChangeExchangeModule,
        AuthModule,
        MetricsModule,
        DatasetsModule,
        SqlModule,
        FilesModule,
        ModelRunsModule,
        OnnxModule,
        MljsModule,
        ScriptRunsModule,
        JobRunsModule,
        SchedulesApiModule,
        ServiceApiModule,
        TrackingApiModule,
        ConsoleModule,
        CloudHttpModule,
      ],
      controllers: [
        SystemController,
        AuthController,
        ClientConfigController,
        AdminController,
        DatasetsController,
        FilesController,
        // Before ModelsController, whose `:name/:action` would take `track` for an action.
        TrackedModelsController,
        ModelsController,
        RuntimeController,
        ScriptsController,
        JobsController,
      ],
    };
  }
}
