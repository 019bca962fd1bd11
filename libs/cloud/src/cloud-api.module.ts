import { Module } from '@nestjs/common';
import { AuthModule } from '@omega/accounts';
import { RuntimeCoreModule } from '@omega/runtime';
import { CloudStoreModule } from './cloud-store.module';
import { WorkerPoolsService } from './pools/worker-pools.service';
import { CloudConfigService } from './settings/cloud-config.service';
import { CloudStatusService } from './status/cloud-status.service';
import { CloudTenantsService } from './tenants/cloud-tenants.service';

/**
 * What the API does for `/api/v1/cloud/…`: status and tenants directly, worker pools and live settings as
 * documents the manager carries out. Needs the storage core and accounts (audit, tenants, users, keys).
 */
@Module({
  imports: [CloudStoreModule, AuthModule, RuntimeCoreModule],
  providers: [WorkerPoolsService, CloudStatusService, CloudTenantsService, CloudConfigService],
  exports: [WorkerPoolsService, CloudStatusService, CloudTenantsService, CloudConfigService],
})
export class CloudApiModule {}
