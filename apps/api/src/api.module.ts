import { DynamicModule, Module } from '@nestjs/common';
import { OmegaConfig, OmegaConfigModule, OmegaCoreModule } from '@omega/core';
import { DatasetsModule } from '@omega/datasets';
import { FilesModule } from '@omega/files';
import { MetricsModule } from '@omega/metrics';
import { DatasetsController } from './datasets/datasets.controller';
import { FilesController } from './files/files.controller';
import { SystemController } from './system/system.controller';

/**
 * The REST API: a thin shell over the libs. Storage kinds are chosen here, by importing their modules;
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
        MetricsModule,
        DatasetsModule,
        FilesModule,
      ],
      controllers: [SystemController, DatasetsController, FilesController],
    };
  }
}
