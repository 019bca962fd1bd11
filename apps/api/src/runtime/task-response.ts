import type { TenantContext } from '@omega/core';
import { JOB_RUN_ACTION, JobsService } from '@omega/jobs';
import { MODEL_TASK_PREFIX } from '@omega/models';
import type { TaskRecord } from '@omega/runtime';
import { jobRunAnswer } from '../jobs/job-answers';
import { modelActionAnswer } from '../models/model-answers';

/**
 * omega-ml answers a finished async task as `{task_id, status, response}`, `response` being what the
 * synchronous call would have answered. This builds that answer for each kind of task the API submits.
 */
export async function taskResponse(
  jobs: JobsService,
  ctx: TenantContext,
  record: TaskRecord,
): Promise<unknown> {
  if (record.action.startsWith(MODEL_TASK_PREFIX))
    return modelActionAnswer(record.object ?? '', record.result);
  if (record.action === JOB_RUN_ACTION) {
    return jobRunAnswer(jobs, ctx, record.result as Record<string, unknown>);
  }
  // A script's run answer is its task's result as it is; other tasks have nothing else to say.
  return record.result;
}
