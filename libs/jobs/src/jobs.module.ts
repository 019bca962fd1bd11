import { Module } from '@nestjs/common';
import { SchedulesModule } from '@omega/schedules';
import { ScriptRunsModule, ScriptsModule } from '@omega/scripts';
import { JobRunsService } from './job-runs.service';
import { JobHistoryLock } from './storage/job-history-lock';
import { JobsService } from './jobs.service';
import { JobTaskHandler } from './runtime/job-task.handler';
import { NotebookPlugin } from './storage/notebook.plugin';

/**
 * Notebook jobs in `jobs/` (kind `notebook.ipynb`) and the worker-side handler of `job.run`; notebooks
 * run in the scripts lib's sandbox. Workers (and anything that runs jobs itself) import this.
 */
@Module({
  imports: [ScriptsModule, SchedulesModule],
  providers: [NotebookPlugin, JobHistoryLock, JobsService, JobTaskHandler],
  exports: [JobsService],
})
export class JobsModule {}

/** Jobs plus running them through the runtime: what the API imports. */
@Module({
  imports: [JobsModule, ScriptRunsModule],
  providers: [JobRunsService],
  exports: [JobsModule, JobRunsService],
})
export class JobRunsModule {}
