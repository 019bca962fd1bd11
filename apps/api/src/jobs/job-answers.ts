import { OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import { JobRun, JobsService, JobSummary } from '@omega/jobs';

const NOTEBOOK_SUFFIX = '.ipynb';

/** omega-ml names a job by its notebook file: `weekly` is `weekly.ipynb`. */
export function notebookName(name: string): string {
  return name.endsWith(NOTEBOOK_SUFFIX) ? name : `${name}${NOTEBOOK_SUFFIX}`;
}

/**
 * A job, found by its name or by omega-ml's `<name>.ipynb` (what `job` in the detail says), so a name a
 * detail answered can be asked for again.
 */
export async function findJob(jobs: JobsService, ctx: TenantContext, name: string): Promise<JobSummary> {
  try {
    return await jobs.describe(ctx, name);
  } catch (error) {
    const missing = error instanceof OmegaError && error.code === OmegaErrorCode.NotFound;
    if (!missing || !name.endsWith(NOTEBOOK_SUFFIX)) throw error;
    return jobs.describe(ctx, name.slice(0, -NOTEBOOK_SUFFIX.length));
  }
}

/**
 * omega-ml's job detail (`{job, job_results, job_runs, created, source_job?}`) over our summary: the
 * executed notebooks of its runs, the runs themselves and, for an executed notebook, its job.
 */
export function jobDetail(summary: JobSummary) {
  const kindMeta = summary.kindMeta as { runs?: JobRun[]; job?: string };
  const runs = kindMeta.runs ?? [];
  return {
    ...summary,
    job: notebookName(summary.name),
    job_results: runs.map((run) => run.result),
    job_runs: runs,
    ...(kindMeta.job ? { source_job: notebookName(kindMeta.job) } : {}),
  };
}

/**
 * What a finished run answers (and, under `response`, its async task's result): the job's detail after
 * the run, as omega-ml answers it, with the run's own fields (`job`, `status`, `result`, `runtimes`, …)
 * over it so clients that read the run keep reading it.
 */
export async function jobRunAnswer(
  jobs: JobsService,
  ctx: TenantContext,
  run: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const name = String(run.job);
  const detail = await jobs
    .describe(ctx, name)
    .then(jobDetail)
    .catch((error: unknown) => {
      // The job may be dropped while it ran; the run itself still answers.
      if (error instanceof OmegaError && error.code === OmegaErrorCode.NotFound) return undefined;
      throw error;
    });
  if (!detail) return run;
  const { name: _name, kind: _kind, kindMeta: _kindMeta, attributes: _attributes, ...fields } = detail;
  return { ...fields, ...run };
}
