import { Injectable } from '@nestjs/common';
import { TenantContext } from '@omega/core';
import type { TaskMessage, TaskRecord, TaskRequest } from '@omega/runtime';
import { RunnableTasks, RunRequest } from '@omega/scripts';
import { JobsService } from './jobs.service';
import { JOB_RUN_ACTION } from './runtime/job-task.handler';

/** Job runs from the API: checks the job exists (404 here), then runs `job.run` on a worker. */
@Injectable()
export class JobRunsService {
  constructor(
    private readonly jobs: JobsService,
    private readonly tasks: RunnableTasks,
  ) {}

  async call(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskRecord> {
    return this.tasks.call(ctx, await this.prepare(ctx, name, request), request.timeoutSeconds);
  }

  async submit(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskMessage> {
    return this.tasks.submit(ctx, await this.prepare(ctx, name, request));
  }

  private async prepare(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskRequest> {
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
