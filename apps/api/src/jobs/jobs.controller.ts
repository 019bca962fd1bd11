import { Controller, Delete, Get, HttpCode, Next, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { TenantContext } from '@omega/core';
import { JobRunsService, JobsService, MAX_NOTEBOOK_BYTES } from '@omega/jobs';
import type { NextFunction, Request, Response } from 'express';
import { DeletedDto } from '../http/answer-docs';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { pathSegments, runTarget } from '../http/run-path';
import { Tenant } from '../http/tenant.decorator';
import { answerRun, parseAttributes, readRunnableUpload } from '../scripts/run-requests';
import {
  JobDetailDto,
  JobDto,
  JobListDto,
  JobRunAcceptedDto,
  JobRunAnswerDto,
  NotebookDto,
} from './job-answer.dto';
import { findJob, jobDetail, jobRunAnswer } from './job-answers';
import { RunnableUploadFieldsDto } from '../scripts/script.dto';

@ApiTags('jobs')
@Controller('api/v1/job')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly runs: JobRunsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List jobs (and their executed notebooks under results/)' })
  @ApiOkResponse({ type: JobListDto })
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto): Promise<JobListDto> {
    const { items, total } = await this.jobs.list(ctx, {
      pattern: query.pattern,
      skip: query.offset,
      limit: query.limit,
    });
    return listEnvelope(items, total, query);
  }

  @Put()
  @ApiOperation({ summary: 'Store a notebook job (multipart: file, name, attributes); same as POST' })
  @ApiConsumes('multipart/form-data')
  @ApiOkResponse({ type: JobDto, description: 'the stored job' })
  put(@Tenant() ctx: TenantContext, @Req() req: Request): Promise<JobDto> {
    return this.upload(ctx, req);
  }

  @Post()
  @ApiOperation({
    summary: 'Store a notebook job: an .ipynb (nbformat 4, JavaScript/TypeScript cells, tslab kernel)',
  })
  @ApiConsumes('multipart/form-data')
  @ApiCreatedResponse({ type: JobDto, description: 'the stored job' })
  post(@Tenant() ctx: TenantContext, @Req() req: Request): Promise<JobDto> {
    return this.upload(ctx, req);
  }

  @Get(':name/notebook')
  @ApiOperation({ summary: 'The notebook itself (a job, or an executed results/… notebook)' })
  @ApiOkResponse({ type: NotebookDto })
  notebook(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<NotebookDto> {
    return this.jobs.notebook(ctx, name);
  }

  @Get(':name')
  @ApiOperation({
    summary: 'A job and its runs (status, time, duration, executed notebook, error)',
    description:
      "omega-ml's `{job: '<name>.ipynb', job_results, job_runs, created}` (and `source_job` for an executed " +
      "notebook) beside the job's own fields; `<name>.ipynb` finds the job too.",
  })
  @ApiOkResponse({ type: JobDetailDto })
  async describe(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    return jobDetail(await findJob(this.jobs, ctx, name));
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a job on a worker; `?async=true` (or the header `async: true`) answers 202',
    description:
      'Answers the job detail after the run (`job_results`, `job_runs`, `created`) with the run: `{job, status, ' +
      'result, runtimes, started, ended}` (`result`: the executed notebook); 422 on failure.',
  })
  @ApiOkResponse({ type: JobRunAnswerDto })
  @ApiAcceptedResponse({ type: JobRunAcceptedDto, description: 'with `?async=true`: the task submitted' })
  async run(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const job = await findJob(this.jobs, ctx, name);
    return answerRun('job', this.runs, ctx, job.name, req, res, (run) => jobRunAnswer(this.jobs, ctx, run));
  }

  /**
   * omega-ml's `GET /api/v1/job/<path>` (a name with a raw `/`, e.g. `reports/monthly`): the job's detail as
   * `GET :name` answers it; `<path>/notebook` its notebook. A job's schedule (`:name/schedule[/triggers]`)
   * is the schedules routes' own, so those paths pass on to them.
   */
  @Get('*path')
  @ApiExcludeEndpoint()
  async describeByPath(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Res() res: Response,
    @Next() next: NextFunction,
  ): Promise<void> {
    const segments = pathSegments(path);
    const last = segments[segments.length - 1];
    if (last === 'schedule' || (last === 'triggers' && segments[segments.length - 2] === 'schedule')) {
      return next();
    }
    const answer =
      last === 'notebook' && segments.length > 1
        ? await this.notebook(ctx, segments.slice(0, -1).join('/'))
        : await this.describe(ctx, segments.join('/'));
    res.json(answer);
  }

  /** omega-ml's `POST /api/v1/job/<path>/run`: a name with a raw `/` runs too. */
  @Post('*path')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  runByPath(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(ctx, runTarget(path, 'job'), req, res);
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop a job (its executed notebooks stay under results/)' })
  @ApiOkResponse({ type: DeletedDto })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<DeletedDto> {
    await this.jobs.drop(ctx, name);
    return { deleted: name };
  }

  private async upload(ctx: TenantContext, req: Request): Promise<JobDto> {
    const { form, file, owner } = await readRunnableUpload(
      req,
      RunnableUploadFieldsDto,
      MAX_NOTEBOOK_BYTES,
      'notebook',
    );
    return this.jobs.put(ctx, form.name, file.buffer, owner, parseAttributes(form.attributes));
  }
}
