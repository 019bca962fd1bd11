import { Module } from '@nestjs/common';
import { RuntimeCoreModule } from '../runtime-core.module';
import { TaskRecordsPruner } from './task-records-pruner';

/** Task retention's periodic pruner; the process that fires schedules imports it. */
@Module({
  imports: [RuntimeCoreModule],
  providers: [TaskRecordsPruner],
  exports: [TaskRecordsPruner],
})
export class TaskRetentionModule {}
