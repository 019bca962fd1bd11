import { DynamicModule, Module } from '@nestjs/common';
import { OmegaConfig, OmegaConfigModule, OmegaCoreModule } from '@omega/core';

@Module({})
export class WorkerModule {
  static forRoot(config: OmegaConfig): DynamicModule {
    return { module: WorkerModule, imports: [OmegaConfigModule.forRoot(config), OmegaCoreModule] };
  }
}
