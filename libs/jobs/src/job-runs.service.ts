import { Injectable } from '@nestjs/common';
import { TenantContext } from '@omega/core';
import type { TaskRequest } from '@omega/runtime';
import { RunnableTasks, RunRequest, StoredRuns } from '@omega/scripts';
import { JobsService } from './jobs.service';
import { JOB_RUN_ACTION } from './runtime/job-task.handler';

/** Job runs from the API: `job.run` on a worker, acting for the caller. */
@Injectable()
export class JobRunsService extends StoredRuns {
  constructor(
    private readonly jobs: JobsService,
    tasks: RunnableTasks,
  ) {
    super(tasks);
  }

  protected async prepare(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskRequest> {
    const meta = await this.jobs.metadata(ctx, name);
    return {
      action: JOB_RUN_ACTION,
      object: name,
      args: [],
      kwargs: { runAs: { userId: request.runAs.userId, userid: request.runAs.userid } },
      label: this.tasks.label(request.require, meta.attributes),
      requestId: request.requestId,
    };
  }
}
