import { Module } from '@nestjs/common';
import { SchedulesModule } from '@omega/schedules';
import { SchedulesController } from './schedules.controller';

/** Job schedules over REST; the manager fires them. */
@Module({
  imports: [SchedulesModule],
  controllers: [SchedulesController],
})
export class SchedulesApiModule {}
