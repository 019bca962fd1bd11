import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  getSchemaPath,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import type { TenantContext } from '@omega/core';
import { ARROW_MEDIA_TYPE, CSV_MEDIA_TYPE } from '@omega/datasets';
import { experimentAnswer, ExperimentsService } from '@omega/tracking';
import type { Request, Response } from 'express';
import { ApiStreamAnswer, DeletedDto } from '../http/answer-docs';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { sendStream } from '../http/send-answer';
import { TableReadParams, TableReadQuery, tableReadParams } from '../http/table-read-query';
import { Tenant } from '../http/tenant.decorator';
import {
  CompareDto,
  CompareQueryDto,
  CreateExperimentDto,
  EndRunDto,
  ExperimentDataRowDto,
  ExperimentDto,
  ExperimentListDto,
  LoggedDto,
  LogRunDto,
  MetricSummaryDto,
  RunDto,
  RunListDto,
  RunsQueryDto,
  RunStateDto,
  SeriesDto,
  SeriesQueryDto,
  StartRunDto,
} from './experiment.dto';

const RUN = new ParseIntPipe({ errorHttpStatusCode: 400 });

@ApiTags('experiments')
// Referenced by name inside RunDto's metrics map, so listed for the document.
@ApiExtraModels(MetricSummaryDto, ExperimentDataRowDto)
@Controller('api/v1/experiment')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Get()
  @ApiOperation({ summary: 'List experiments' })
  @ApiOkResponse({ type: ExperimentListDto })
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto): Promise<ExperimentListDto> {
    const { items, total } = await this.experiments.list(ctx, { ...query, skip: query.offset });
    return listEnvelope(items, total, query);
  }

  @Post()
  @ApiOperation({ summary: 'Create an experiment (409 if it exists, unless exist_ok)' })
  @ApiCreatedResponse({ type: ExperimentDto, description: 'created' })
  @ApiOkResponse({ type: ExperimentDto, description: '`exist_ok` and it exists: the existing experiment' })
  async create(
    @Tenant() ctx: TenantContext,
    @Body() body: CreateExperimentDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExperimentDto> {
    const { experiment, created } = await this.experiments.create(ctx, body.name, {
      description: body.description,
      attributes: body.attributes,
      existOk: body.exist_ok,
    });
    res.status(created ? 201 : 200);
    return experiment;
  }

  @Get(':name')
  @ApiOperation({ summary: 'An experiment' })
  @ApiOkResponse({ type: ExperimentDto })
  get(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<ExperimentDto> {
    return this.experiments.get(ctx, name);
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop an experiment and everything its runs logged' })
  @ApiOkResponse({ type: DeletedDto })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<DeletedDto> {
    await this.experiments.drop(ctx, name);
    return { deleted: name };
  }

  @Get(':name/runs')
  @ApiOperation({ summary: "An experiment's runs with their params, artifacts and metric summaries" })
  @ApiOkResponse({ type: RunListDto })
  async runs(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Query() query: RunsQueryDto,
  ): Promise<RunListDto> {
    const limit = query.limit ?? 100;
    const offset = query.offset ?? 0;
    const { runs, total } = await this.experiments.runs(ctx, name, { skip: offset, limit });
    return { experiment: name, runs, meta: { limit, offset, total_count: total } };
  }

  @Post(':name/runs')
  @ApiOperation({ summary: 'Start a run (numbered 1, 2, …), as the caller' })
  @ApiCreatedResponse({ type: RunStateDto })
  start(
    @Tenant() ctx: TenantContext,
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() body: StartRunDto,
  ): Promise<RunStateDto> {
    return this.experiments.startRun(ctx, name, principal.userid, body.tags);
  }

  @Get(':name/runs/:run')
  @ApiOperation({ summary: 'One run' })
  @ApiOkResponse({ type: RunDto })
  run(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Param('run', RUN) run: number,
  ): Promise<RunDto> {
    return this.experiments.run(ctx, name, run);
  }

  @Post(':name/runs/:run/end')
  @HttpCode(200)
  @ApiOperation({ summary: 'End a run (completed, failed or killed); nothing more can be logged into it' })
  @ApiOkResponse({ type: RunStateDto })
  end(
    @Tenant() ctx: TenantContext,
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('run', RUN) run: number,
    @Body() body: EndRunDto,
  ): Promise<RunStateDto> {
    return this.experiments.endRun(ctx, name, run, body.status ?? 'completed', principal.userid);
  }

  @Post(':name/runs/:run/log')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log params, metrics, artifacts and tags into a running run, in one batch',
    description:
      'Up to 100,000 metric points per call, as points (`metrics`) or as columns per metric (`series`); ' +
      'up to 1,000 params, tags and artifacts. Everything is checked before anything is written: a refused ' +
      'batch (400) writes nothing.',
  })
  @ApiOkResponse({ type: LoggedDto })
  log(
    @Tenant() ctx: TenantContext,
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('run', RUN) run: number,
    @Body() body: LogRunDto,
  ): Promise<LoggedDto> {
    return this.experiments.logBatch(ctx, name, run, principal.userid, body);
  }

  @Get(':name/compare')
  @ApiOperation({ summary: '2 to 5 runs side by side: params (and which differ), last metric values' })
  @ApiOkResponse({ type: CompareDto })
  compare(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Query() query: CompareQueryDto,
  ): Promise<CompareDto> {
    return this.experiments.compare(ctx, name, query.runs);
  }

  @Get(':name/metrics/:key')
  @ApiOperation({ summary: "One metric's points per run, by step (what curves are drawn from)" })
  @ApiOkResponse({ type: SeriesDto })
  async series(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Param('key') key: string,
    @Query() query: SeriesQueryDto,
  ): Promise<SeriesDto> {
    const byRun = await this.experiments.series(ctx, name, key, query.runs);
    return {
      key,
      runs: query.runs.map((run) => ({
        run,
        points: (byRun.get(run) ?? []).map(({ step, value, time }) => ({ step, value, time })),
      })),
    };
  }

  @Get(':name/data')
  @ApiOperation({
    summary: "An experiment's data as a table",
    description:
      'Columns run, event (start, end, param, tag, artifact, metric, or a tracked model action), key, value, ' +
      'text, step, dt, user. Filters as for datasets (`run=2`, `event=metric`, `key__in=loss,acc`, ' +
      '`value__gt=0.5`), plus `columns`, `sort`, `skip`, `limit`. JSON records, CSV or Arrow by Accept or `format`.',
  })
  @ApiStreamAnswer({
    description: 'the rows as JSON records, or a CSV or Arrow stream',
    json: { type: 'array', items: { $ref: getSchemaPath(ExperimentDataRowDto) } },
    binary: [CSV_MEDIA_TYPE, ARROW_MEDIA_TYPE],
  })
  async data(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @TableReadQuery() query: TableReadParams,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const table = await this.experiments.table(ctx, name);
    const answer = experimentAnswer(table, tableReadParams(query), req.header('accept'));
    await sendStream(res, answer.mediaType, answer.write);
  }
}
