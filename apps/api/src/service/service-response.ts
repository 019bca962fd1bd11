import type { TenantContext } from '@omega/core';
import { JOB_RUN_ACTION, JobsService } from '@omega/jobs';
import type { TaskRecord } from '@omega/runtime';
import { SCRIPT_RUN_ACTION } from '@omega/scripts';
import { jobRunAnswer } from '../jobs/job-answers';

/** A task's `resource_uri` when a service submitted it (omega-ml's clients send it back to read the task). */
export const SERVICE_RESOURCE = /^\/api\/(v1\/)?service\//;

/** omega-ml answers JSON lists and objects as they are and wraps anything else as `{data: value}`. */
export function bare(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? value : { data: value ?? null };
}

/**
 * A finished service call's answer: a model's value, a script's result, or a job's executed notebooks
 * (`job_results`), each bare, as omega-ml's service API answers it synchronously and under `response`.
 */
export async function serviceResponse(
  jobs: JobsService,
  ctx: TenantContext,
  record: TaskRecord,
): Promise<unknown> {
  const result = record.result as Record<string, unknown> | undefined;
  if (record.action === SCRIPT_RUN_ACTION) return bare(result?.result);
  if (record.action === JOB_RUN_ACTION)
    return bare((await jobRunAnswer(jobs, ctx, result ?? {})).job_results);
  return bare(record.result);
}
