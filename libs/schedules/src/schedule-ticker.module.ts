import { Module } from '@nestjs/common';
import { RuntimeClientModule } from '@omega/runtime';
import { SchedulesModule } from './schedules.module';
import { ScheduleIndexRebuilder } from './storage/schedule-index-rebuilder';
import { ScheduleTicker } from './ticker/schedule-ticker';

/** The manager's part: the ticker that fires due schedules as `job.run` tasks. */
@Module({
  imports: [SchedulesModule, RuntimeClientModule],
  providers: [ScheduleIndexRebuilder, ScheduleTicker],
  exports: [ScheduleTicker, ScheduleIndexRebuilder, SchedulesModule],
})
export class ScheduleTickerModule {}
