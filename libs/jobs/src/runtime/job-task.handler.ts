import { Injectable } from '@nestjs/common';
import { OmegaError, TenantContext } from '@omega/core';
import { assertRunIdentity, TaskHandler, TaskHandlerContract, TaskMessage } from '@omega/runtime';
import { LIMIT_EXCEEDED, SandboxRunError, SCRIPT_FAILED } from '@omega/scripts';
import { JOB_RUN_ACTION } from '@omega/schedules';
import { JobRunOutcome, JobsService } from '../jobs.service';

// The action is named where schedules submit it (the lower lib); the jobs kind handles it.
export { JOB_RUN_ACTION };

/**
 * Runs a notebook job on a worker. The task's `object` is the job; `args` are unused; `kwargs.runAs` names
 * the user it acts for, else the job's owner (scheduled runs send `[]` and `{}`). A failed run is a
 * FAILURE task whose message names the executed notebook that shows the error.
 */
@Injectable()
@TaskHandler({ actions: [JOB_RUN_ACTION] })
export class JobTaskHandler implements TaskHandlerContract {
  constructor(private readonly jobs: JobsService) {}

  async handle(ctx: TenantContext, task: TaskMessage): Promise<JobRunOutcome> {
    if (!task.object) throw OmegaError.invalidInput('A job task names its job');
    const runAs = task.kwargs.runAs;
    if (runAs !== undefined) assertRunIdentity(runAs);
    const outcome = await this.jobs.run(ctx, task.object, { runAs });
    if (outcome.status === 'FAILURE') {
      const code = outcome.error?.code === LIMIT_EXCEEDED ? LIMIT_EXCEEDED : SCRIPT_FAILED;
      throw new SandboxRunError(
        code,
        `Job ${task.object} failed: ${outcome.error?.message ?? 'unknown error'} (executed notebook: ${outcome.result})`,
      );
    }
    return outcome;
  }
}
