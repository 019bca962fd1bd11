import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import {
  globToRegExp,
  MetadataRepository,
  OmegaError,
  OmegaErrorCode,
  OmegaStores,
  TenantContext,
} from '@omega/core';
import { JobRun, JobRunsService, JobsService, Notebook } from '@omega/jobs';
import { Schedule, SchedulesService } from '@omega/schedules';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { CsrfForm, ListingQuery, NoticeQuery, RunForm, ScheduleForm } from '../../http/console-forms';
import { CONSOLE_BASE } from '../../rendering/console-files';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { searchPattern } from '../objects/object-browser';
import { namedPage, PAGE_SIZE } from '../listing/cursor-page';
import { runRequestOf } from '../scripts/run-form';
import { describeCron } from './cron-text';
import { notebookView } from './notebook-view';
import { ConsoleForm, ConsolePage } from '../../http/console-openapi';

const JOBS_PREFIX = 'jobs';
const RESULTS = 'results/';
/** The jobs store's executed notebooks: `results/<job>_<time>.ipynb`. */
const RESULT_NAMES = /^results\//;
const NEXT_TIMES = 5;
const RECENT_TRIGGERS = 10;
const NOTICES: Record<string, string> = {
  scheduled: 'The schedule was saved.',
  unscheduled: 'The schedule was dropped.',
};

/**
 * Notebook jobs: the listing, a page per job (its notebook read-only, its runs, its schedule with the
 * next times and recent triggers), each executed result notebook, running a job now and setting or
 * dropping its schedule. Changes need a role above readonly (the auth guard refuses readonly posts).
 */
@Controller('console/jobs')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleJobsController {
  constructor(
    private readonly stores: OmegaStores,
    private readonly metadata: MetadataRepository,
    private readonly jobs: JobsService,
    private readonly runs: JobRunsService,
    private readonly schedules: SchedulesService,
    private readonly view: ConsoleRenderer,
  ) {}

  @ConsolePage('The notebook jobs, paged and searchable')
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListingQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Result notebooks share the jobs' store; they are shown on their job's page, so the listing, its
    // search and its count leave every name under `results/` out (in the database, however many runs).
    const glob = searchPattern(query.q);
    const { items, total } = await this.metadata.list(TenantContext.of(principal.tenant), {
      prefix: this.stores.for(JOBS_PREFIX).prefix,
      pattern: glob ? globToRegExp(glob) : undefined,
      exclude: RESULT_NAMES,
      after: query.after,
      limit: PAGE_SIZE + 1,
    });
    const shown = items.slice(0, PAGE_SIZE).map((meta) => this.jobs.summary(meta));
    this.view.render(req, res, 'jobs', {
      title: 'Jobs',
      q: query.q ?? '',
      page: namedPage('jobs', query, shown, total, items.length > PAGE_SIZE, (job) => job.name),
    });
  }

  @ConsolePage('One job: its notebook, schedule and runs')
  @Get(':name')
  async job(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: NoticeQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.page(principal, name, req, res, { notice: query.done ? (NOTICES[query.done] ?? '') : '' });
  }

  /** An executed notebook of the job (`results/<job>_<time>.ipynb`), with its outputs and errors. */
  @ConsolePage('One result notebook of a job, rendered')
  @Get(':name/results/:result')
  async result(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('result') result: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (resultOf(`${RESULTS}${result}`).resultJob !== name) throw OmegaError.notFound(`${RESULTS}${result}`);
    const ctx = TenantContext.of(principal.tenant);
    const notebook = await this.jobs.notebook(ctx, `${RESULTS}${result}`);
    this.view.render(req, res, 'job-result', {
      title: `Result ${result}`,
      job: name,
      result,
      run: (notebook.metadata.omega ?? {}) as Record<string, unknown>,
      cells: notebookView(notebook),
    });
  }

  /** Runs the job now for the logged-in user: waits and shows how it went, or opens its task. */
  @ConsoleForm('the task page of the run')
  @Post(':name/run')
  async run(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() form: RunForm,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant);
    const request = runRequestOf({ mode: form.mode }, principal, req.header('x-request-id'));
    if (form.mode === 'async') {
      const task = await this.runs.submit(ctx, name, request);
      res.redirect(303, `${CONSOLE_BASE}/tasks/${task.id}`);
      return;
    }
    const record = await this.runs.call(ctx, name, request);
    await this.page(principal, name, req, res, { run: record }, record.status === 'FAILURE' ? 422 : 200);
  }

  /** Sets or changes the schedule: a cron expression or plain English, checked as the API checks it. */
  @ConsoleForm('the job page')
  @Post(':name/schedule')
  async setSchedule(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() form: ScheduleForm,
    @Res() res: Response,
  ): Promise<void> {
    await this.schedules.schedule(TenantContext.of(principal.tenant), name, {
      cron: form.cron,
      text: form.text,
      timezone: form.timezone,
    });
    res.redirect(303, `${jobPath(name)}?done=scheduled`);
  }

  @ConsoleForm('the job page')
  @Post(':name/schedule/drop')
  async dropSchedule(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() _form: CsrfForm,
    @Res() res: Response,
  ): Promise<void> {
    await this.schedules.dropSchedule(TenantContext.of(principal.tenant), name);
    res.redirect(303, `${jobPath(name)}?done=unscheduled`);
  }

  private async page(
    principal: Principal,
    name: string,
    req: Request,
    res: Response,
    data: Record<string, unknown>,
    status = 200,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant);
    const meta = await this.jobs.metadata(ctx, name);
    const job = this.jobs.summary(meta);
    const [notebook, schedule, triggers] = await Promise.all([
      this.jobs.notebook(ctx, name),
      this.schedules.get(ctx, name).catch(notFoundAs(undefined)),
      this.schedules.listTriggers(ctx, name, RECENT_TRIGGERS),
    ]);
    const history = ((job.kindMeta.runs ?? []) as JobRun[])
      .slice()
      .reverse()
      .map((run) => ({ ...run, ...resultOf(run.result) }));
    this.view.render(
      req,
      res,
      'job',
      {
        title: `Job ${job.name}`,
        job,
        cells: notebookView(notebook as Notebook),
        history,
        schedule: schedule && this.scheduleView(schedule),
        triggers,
        canChange: principal.role !== 'readonly',
        ...data,
      },
      status,
    );
  }

  private scheduleView(schedule: Schedule) {
    return {
      ...schedule,
      english: schedule.text ?? describeCron(schedule.cron),
      next: this.schedules.nextTimesOf(schedule, NEXT_TIMES),
    };
  }
}

/** Where a result notebook is shown, for a name under `results/`. */
function resultOf(name: string): { resultJob?: string; resultPath?: string } {
  if (!name.startsWith(RESULTS)) return {};
  const file = name.slice(RESULTS.length);
  const job = file.replace(/_\d{8}T\d{9}Z\.ipynb$/, '');
  return { resultJob: job, resultPath: `${jobPath(job)}/results/${encodeURIComponent(file)}` };
}

function jobPath(name: string): string {
  return `${CONSOLE_BASE}/jobs/${encodeURIComponent(name)}`;
}

function notFoundAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof OmegaError && error.code === OmegaErrorCode.NotFound) return value;
    throw error;
  };
}
