import { DynamicModule, Module } from '@nestjs/common';
import { OmegaConfig, OmegaConfigModule, OmegaCoreModule } from '@omega/core';

@Module({})
export class ManagerModule {
  static forRoot(config: OmegaConfig): DynamicModule {
    return { module: ManagerModule, imports: [OmegaConfigModule.forRoot(config), OmegaCoreModule] };
  }
}
