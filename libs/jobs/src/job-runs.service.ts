import { Injectable } from '@nestjs/common';
import { TenantContext } from '@omega/core';
import { RunRequest, RunsService, StoredRun, StoredRuns } from '@omega/runtime';
import { JobsService } from './jobs.service';
import { JOB_RUN_ACTION } from './runtime/job-task.handler';

/** Job runs from the API: `job.run` on a worker, acting for the caller. */
@Injectable()
export class JobRunsService extends StoredRuns {
  constructor(
    private readonly jobs: JobsService,
    runs: RunsService,
  ) {
    super(runs);
  }

  protected async prepare(ctx: TenantContext, name: string, request: RunRequest): Promise<StoredRun> {
    const meta = await this.jobs.metadata(ctx, name);
    return {
      action: JOB_RUN_ACTION,
      object: name,
      runAs: request.runAs,
      attributes: meta.attributes,
      require: request.require,
      timeoutSeconds: request.timeoutSeconds,
      requestId: request.requestId,
    };
  }
}
