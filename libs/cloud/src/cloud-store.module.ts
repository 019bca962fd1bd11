import { Module } from '@nestjs/common';
import { CloudDatabase } from './cloud-database';
import { ManagerLease } from './manager/manager-lease';
import { WorkerPoolsRepository } from './pools/worker-pools.repository';
import { LiveSettings } from './settings/live-settings';

/** The cloud database's repositories, shared by the API side and the manager. Needs the storage core. */
@Module({
  providers: [CloudDatabase, WorkerPoolsRepository, LiveSettings, ManagerLease],
  exports: [WorkerPoolsRepository, LiveSettings, ManagerLease],
})
export class CloudStoreModule {}
