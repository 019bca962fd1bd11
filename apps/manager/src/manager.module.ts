import { DynamicModule, Module } from '@nestjs/common';
import { CloudManagerModule, loadCloudSettings, type CloudSettings } from '@omega/cloud';
import { OmegaConfig, OmegaConfigModule, OmegaCoreModule } from '@omega/core';
import { ScheduleTickerModule } from '@omega/schedules';
import { ManagerHealthController } from './manager-health.controller';

/**
 * The cloud manager: fires job schedules across all tenants (see `ScheduleTicker`) and carries out worker
 * pool requests through its driver (see `PoolReconciler`).
 */
@Module({})
export class ManagerModule {
  /** Without cloud settings the manager only fires schedules (driver `none`). */
  static forRoot(config: OmegaConfig, cloud: CloudSettings = loadCloudSettings({})): DynamicModule {
    return {
      module: ManagerModule,
      imports: [
        OmegaConfigModule.forRoot(config),
        OmegaCoreModule,
        ScheduleTickerModule,
        CloudManagerModule.forRoot(cloud),
      ],
      controllers: [ManagerHealthController],
    };
  }
}
