import { DynamicModule, Module } from '@nestjs/common';
import { OmegaConfig, OmegaConfigModule, OmegaCoreModule } from '@omega/core';
import { ScheduleTickerModule } from '@omega/schedules';

/** The cloud manager: fires job schedules across all tenants (see `ScheduleTicker`). */
@Module({})
export class ManagerModule {
  static forRoot(config: OmegaConfig): DynamicModule {
    return {
      module: ManagerModule,
      imports: [OmegaConfigModule.forRoot(config), OmegaCoreModule, ScheduleTickerModule],
    };
  }
}
