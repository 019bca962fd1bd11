import { Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock/clock';
import { SchedulesService } from './schedules.service';
import { ScheduleIndexRepository } from './storage/schedule-index.repository';
import { ScheduleTriggersRepository } from './storage/schedule-triggers.repository';
import { SchedulesRepository } from './storage/schedules.repository';

/**
 * Setting and reading job schedules (the API, the jobs kind at put). Needs `OmegaCoreModule`. Firing them
 * is the manager's part: `ScheduleTickerModule`.
 */
@Module({
  providers: [
    { provide: Clock, useClass: SystemClock },
    SchedulesRepository,
    ScheduleIndexRepository,
    ScheduleTriggersRepository,
    SchedulesService,
  ],
  exports: [
    Clock,
    SchedulesService,
    SchedulesRepository,
    ScheduleIndexRepository,
    ScheduleTriggersRepository,
  ],
})
export class SchedulesModule {}
