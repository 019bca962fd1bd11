import { Module } from '@nestjs/common';
import { RuntimeClientModule, TaskRetentionModule } from '@omega/runtime';
import { SchedulesModule } from './schedules.module';
import { ScheduleIndexRebuilder } from './storage/schedule-index-rebuilder';
import { ScheduleTicker } from './ticker/schedule-ticker';

/**
 * The manager's part: the ticker that fires due schedules as `job.run` tasks, and task retention (see
 * TaskRecordsPruner), which like the ticker runs in one kind of process.
 */
@Module({
  imports: [SchedulesModule, RuntimeClientModule, TaskRetentionModule],
  providers: [ScheduleIndexRebuilder, ScheduleTicker],
  exports: [ScheduleTicker, ScheduleIndexRebuilder, SchedulesModule],
})
export class ScheduleTickerModule {}
