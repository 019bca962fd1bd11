import { Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { principalOf } from '@omega/accounts';
import { OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import { JobRunsService, JobsService, MAX_NOTEBOOK_BYTES } from '@omega/jobs';
import type { Request, Response } from 'express';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { readMultipart } from '../http/read-multipart';
import { Tenant } from '../http/tenant.decorator';
import { validateBody } from '../http/validate-body';
import { parseAttributes, runRequest, sendRunFailure } from '../scripts/run-requests';
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
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto) {
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
  put(@Tenant() ctx: TenantContext, @Req() req: Request) {
    return this.upload(ctx, req);
  }

  @Post()
  @ApiOperation({
    summary: 'Store a notebook job: an .ipynb (nbformat 4, JavaScript/TypeScript cells, tslab kernel)',
  })
  @ApiConsumes('multipart/form-data')
  post(@Tenant() ctx: TenantContext, @Req() req: Request) {
    return this.upload(ctx, req);
  }

  @Get(':name/notebook')
  @ApiOperation({ summary: 'The notebook itself (a job, or an executed results/… notebook)' })
  notebook(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    return this.jobs.notebook(ctx, name);
  }

  @Get(':name')
  @ApiOperation({ summary: 'A job and its runs (status, time, duration, executed notebook, error)' })
  describe(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    return this.jobs.describe(ctx, name);
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a job on a worker; `?async=true` answers 202',
    description:
      'Answers `{job, status, result, runtimes, started, ended}` (`result`: the executed notebook); 422 on failure.',
  })
  async run(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { options, request } = await runRequest(req);
    if (options.async) {
      const task = await this.runs.submit(ctx, name, request);
      const location = `/api/v1/task/${task.id}/result`;
      res.status(202).setHeader('Location', location);
      return { job: name, task_id: task.id, status: 'PENDING', resource_uri: location };
    }
    const record = await this.runs.call(ctx, name, request);
    if (record.status === 'FAILURE') return sendRunFailure(res, record, { job: name });
    return { ...(record.result as Record<string, unknown>), task_id: record.id };
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop a job (its executed notebooks stay under results/)' })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    await this.jobs.drop(ctx, name);
    return { deleted: name };
  }

  private async upload(ctx: TenantContext, req: Request) {
    if (!(req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
      throw new OmegaError(
        OmegaErrorCode.UnsupportedMediaType,
        'Upload a notebook as multipart/form-data (file, name)',
      );
    }
    const { fields, file } = await readMultipart(req, MAX_NOTEBOOK_BYTES);
    const form = await validateBody(RunnableUploadFieldsDto, fields);
    if (!file || file.buffer.length === 0)
      throw OmegaError.invalidInput('multipart body has no notebook file');
    const principal = principalOf(req);
    if (!principal) throw new OmegaError(OmegaErrorCode.Unauthenticated, 'Invalid or missing credentials');
    return this.jobs.put(
      ctx,
      form.name,
      file.buffer,
      { userId: principal.userId, userid: principal.userid },
      parseAttributes(form.attributes),
    );
  }
}
