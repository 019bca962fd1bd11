import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExcludeEndpoint,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { principalOf } from '@omega/accounts';
import { OmegaError, TenantContext } from '@omega/core';
import {
  ARROW_MEDIA_TYPE,
  arrowTableSource,
  CSV_MEDIA_TYPE,
  negotiateFormat,
  PARQUET_MEDIA_TYPE,
  TableFormat,
} from '@omega/datasets';
import {
  BatchInput,
  BatchPredictions,
  DEFAULT_BATCH_ROWS,
  MODEL_ACTIONS,
  ModelRunsService,
  ModelsService,
  toFeatureMatrix,
} from '@omega/models';
import type { Request, Response } from 'express';
import { PassThrough } from 'node:stream';
import { DeletedDto } from '../http/answer-docs';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { readMultipart } from '../http/read-multipart';
import { Tenant } from '../http/tenant.decorator';
import { validateBody } from '../http/validate-body';
import { asyncRequested } from '../http/async-request';
import { modelActionAnswer, modelDetail, UNSUPPORTED_MODEL_ACTIONS } from './model-answers';
import {
  ModelActionAnswerDto,
  ModelDetailDto,
  ModelDto,
  ModelListDto,
  ModelTaskAcceptedDto,
  ModelVersionsDto,
} from './model-answer.dto';
import { modelRunRequest, parseUploadFields } from './model-requests';
import { CreateModelDto, ModelActionQueryDto, MODEL_ACTION_QUERY_KEYS, PromoteModelDto } from './model.dto';

/** Model files are parsed whole before they are stored; this bounds what one upload may hold in memory. */
export const MAX_MODEL_BYTES = 1024 * 1024 * 1024;

/** A model action's 200: the action's answer, or a batched predict's JSON orientations (records, dict). */
const ACTION_ANSWER = {
  description:
    'predict runs in batches (`?batch=` rows per model call) when asked for `?result=` (stored as a dataset, ' +
    'answered as a summary), `?batch=`, `?orient=`, a dataset format (`?format=` or Accept: CSV, Arrow IPC, ' +
    'Parquet), an Arrow IPC body, or a table too large for one call: the predictions stream back.',
  schema: {
    anyOf: [
      { $ref: getSchemaPath(ModelActionAnswerDto) },
      { type: 'array', items: { type: 'object', additionalProperties: true } },
      {
        type: 'object',
        properties: { data: { type: 'object' }, index: { type: 'object' } },
        required: ['data', 'index'],
      },
    ],
  },
};

@ApiTags('models')
@ApiExtraModels(ModelActionAnswerDto)
@Controller('api/v1/model')
export class ModelsController {
  constructor(
    private readonly models: ModelsService,
    private readonly runs: ModelRunsService,
    private readonly batches: BatchPredictions,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List models' })
  @ApiOkResponse({ type: ModelListDto })
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto): Promise<ModelListDto> {
    const { items, total } = await this.models.list(ctx, { ...query, skip: query.offset });
    return listEnvelope(items, total, query);
  }

  @Post()
  @ApiOperation({
    summary:
      'Store a model: upload a file (multipart: file, name, kind, attributes, tags) or create one from a spec (JSON)',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({ type: CreateModelDto })
  @ApiCreatedResponse({ type: ModelDto, description: 'the stored model' })
  async put(@Tenant() ctx: TenantContext, @Req() req: Request): Promise<ModelDto> {
    if ((req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
      const { fields, file } = await readMultipart(req, MAX_MODEL_BYTES);
      if (!file || file.buffer.length === 0)
        throw OmegaError.invalidInput('multipart body has no model file');
      const upload = await parseUploadFields(fields, file.filename);
      return this.models.putArtifact(ctx, upload.name, upload.kind, file.buffer, upload);
    }
    const body = await validateBody(CreateModelDto, req.body);
    return this.models.create(ctx, body.name, { algorithm: body.algorithm, params: body.params }, body);
  }

  @Get(':name/versions')
  @ApiOperation({ summary: "A model's versions (newest first) and tags" })
  @ApiOkResponse({ type: ModelVersionsDto })
  versions(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<ModelVersionsDto> {
    return this.models.versions(ctx, name);
  }

  @Post(':name/promote')
  @HttpCode(200)
  @ApiOperation({ summary: 'Copy a model with all its versions and their lineage to another bucket' })
  @ApiOkResponse({ type: ModelDto, description: 'the model in the other bucket' })
  promote(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Body() body: PromoteModelDto,
  ): Promise<ModelDto> {
    return this.models.promote(ctx, name, body.to);
  }

  @Get(':name')
  @ApiOperation({
    summary: "A model's Metadata (`name`, `name@tag`, `name@3`, `name^`)",
    description:
      "omega-ml's `{model, result: {name, kind, created, modified, bucket}}` beside the Metadata's own fields.",
  })
  @ApiOkResponse({ type: ModelDetailDto })
  async metadata(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    return modelDetail(await this.models.metadata(ctx, name));
  }

  @Put(':name/:action')
  @ApiOperation({
    summary:
      'Run a model action: predict, predict_proba, fit, partial_fit, score, transform, decision_function',
    description:
      'X and Y come from `?datax=` / `?datay=` (dataset names) or the body (`{columns, data, shape}` for X, or ' +
      '`{X, Y}`). Other query parameters are passed to the action. `?async=true` answers 202 with a Location. ' +
      'An action the model kind has not (`decision_function` of a regressor; `complete`, `embed`) is a 400.',
  })
  @ApiOkResponse(ACTION_ANSWER)
  @ApiProduces('application/json', CSV_MEDIA_TYPE, ARROW_MEDIA_TYPE, PARQUET_MEDIA_TYPE)
  @ApiAcceptedResponse({ type: ModelTaskAcceptedDto })
  action(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Param('action') action: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.runAction(ctx, name, action, query, req, res);
  }

  @Post(':name/:action')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a model action (same as PUT)' })
  @ApiOkResponse(ACTION_ANSWER)
  @ApiProduces('application/json', CSV_MEDIA_TYPE, ARROW_MEDIA_TYPE, PARQUET_MEDIA_TYPE)
  @ApiAcceptedResponse({ type: ModelTaskAcceptedDto })
  actionByPost(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Param('action') action: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.runAction(ctx, name, action, query, req, res);
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop a model and all its versions' })
  @ApiOkResponse({ type: DeletedDto })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<DeletedDto> {
    await this.models.drop(ctx, name);
    return { deleted: name };
  }

  /*
   * Names with a raw `/` (`PUT /api/v1/model/project/test/regression/predict`), as omega-ml routes them:
   * the last segment is the action, the rest the name. The routes above describe the API; these only
   * take the paths they cannot, so the OpenAPI document stays one entry per operation.
   */

  @Get('*path')
  @ApiExcludeEndpoint()
  pathGet(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { name, last } = splitPath(path);
    if (last === 'versions') return this.models.versions(ctx, name);
    if (isActionName(last)) return this.runAction(ctx, name, last, query, req, res);
    return this.metadata(ctx, joinPath(path));
  }

  @Put('*path')
  @ApiExcludeEndpoint()
  pathPut(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { name, last } = splitPath(path);
    return this.runAction(ctx, name, last, query, req, res);
  }

  @Post('*path')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async pathPost(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { name, last } = splitPath(path);
    if (last === 'promote') return this.promote(ctx, name, await validateBody(PromoteModelDto, req.body));
    return this.runAction(ctx, name, last, query, req, res);
  }

  @Delete('*path')
  @ApiExcludeEndpoint()
  pathDelete(@Tenant() ctx: TenantContext, @Param('path') path: string[]) {
    return this.drop(ctx, joinPath(path));
  }

  private async runAction(
    ctx: TenantContext,
    name: string,
    action: string,
    query: Record<string, unknown>,
    req: Request,
    res: Response,
  ) {
    const known = Object.fromEntries(
      Object.entries(query).filter(([key]) => MODEL_ACTION_QUERY_KEYS.has(key)),
    );
    const options = await actionOptions(known);
    if (UNSUPPORTED_MODEL_ACTIONS.has(action)) {
      // The model is looked up first: a missing one is a 404 whatever the action.
      const meta = await this.models.metadata(ctx, name);
      throw OmegaError.invalidInput(`${action} is not supported by this model kind (${meta.kind})`);
    }
    const arrowBody = isArrowBody(req);
    const request = {
      ...modelRunRequest(options, query, arrowBody ? undefined : req.body, req.header('x-request-id')),
      caller: principalOf(req)?.userid,
    };
    const asynchronous = options.async || asyncRequested(req.header('async'));
    if (action === 'predict') {
      const format = answerFormat(options.format, req.header('accept'));
      const batched =
        options.result !== undefined ||
        options.batch !== undefined ||
        options.orient !== undefined ||
        format !== 'json' ||
        arrowBody ||
        (options.datax !== undefined &&
          !asynchronous &&
          (await this.batches.exceedsOneCall(ctx, options.datax)));
      if (batched) {
        const { x, kwargs, require, timeoutSeconds, requestId, caller } = request;
        const batchRequest = {
          input: batchInput(options.datax, x, arrowBody ? req : undefined),
          batchRows: options.batch ?? DEFAULT_BATCH_ROWS,
          kwargs,
          require,
          timeoutSeconds,
          requestId,
          caller,
        };
        if (options.result !== undefined && asynchronous) {
          const task = await this.batches.submit(ctx, name, options.result, batchRequest);
          return this.accepted(res, name, task.id);
        }
        if (asynchronous)
          throw OmegaError.invalidInput(
            'An asynchronous batch prediction stores its result: add ?result=<name>',
          );
        if (options.result !== undefined)
          return modelActionAnswer(name, await this.batches.store(ctx, name, options.result, batchRequest));
        const answer = await this.batches.answer(ctx, name, batchRequest, format, options.orient);
        const body = new PassThrough();
        answer.write(body).then(
          () => body.end(),
          (error: unknown) => body.destroy(error as Error),
        );
        return new StreamableFile(body, { type: answer.mediaType });
      }
    }
    if (asynchronous) {
      const task = await this.runs.submit(ctx, name, action, request);
      return this.accepted(res, name, task.id);
    }
    const result = await this.runs.call(ctx, name, action, request);
    return modelActionAnswer(name, result);
  }

  private accepted(res: Response, name: string, taskId: string) {
    const location = `/api/v1/task/${taskId}/result`;
    res.status(202).setHeader('Location', location);
    return { model: name, result: 'pending', task_id: taskId, status: 'PENDING', resource_uri: location };
  }
}

/** An Arrow IPC body: X read as a stream, a batch at a time. */
function isArrowBody(req: Request): boolean {
  return (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase() === ARROW_MEDIA_TYPE;
}

/**
 * The format of a batched predict answer: `?format=`, else Accept when it names a dataset format (CSV,
 * Arrow, Parquet); anything else keeps the JSON answer a single call gives.
 */
function answerFormat(format: TableFormat | undefined, accept: string | undefined): TableFormat {
  if (format !== undefined) return format;
  try {
    return negotiateFormat(accept, undefined);
  } catch {
    return 'json';
  }
}

function batchInput(datax: string | undefined, x: unknown, arrow: Request | undefined): BatchInput {
  if (arrow && datax !== undefined)
    throw OmegaError.invalidInput('Give X either as ?datax= or in the body, not both');
  if (arrow) return { source: arrowTableSource(arrow) };
  if (datax !== undefined) return { dataset: datax };
  if (x === undefined || x === null)
    throw OmegaError.invalidInput('X is required: ?datax=<table> or the body');
  return { matrix: toFeatureMatrix(x, 'X') };
}

/** omega-ml's model action names: the last path segment of a GET is one of these, or part of the name. */
function isActionName(segment: string): boolean {
  return (MODEL_ACTIONS as readonly string[]).includes(segment) || UNSUPPORTED_MODEL_ACTIONS.has(segment);
}

/** Path segments without the empty one a trailing `/` leaves. */
function segmentsOf(path: string[] | string): string[] {
  const segments = Array.isArray(path) ? path : path.split('/');
  return segments.filter((segment, index) => segment !== '' || index < segments.length - 1);
}

function joinPath(path: string[] | string): string {
  return segmentsOf(path).join('/');
}

function splitPath(path: string[] | string): { name: string; last: string } {
  const segments = segmentsOf(path);
  if (segments.length < 2) return { name: segments.join('/'), last: '' };
  return { name: segments.slice(0, -1).join('/'), last: segments[segments.length - 1] };
}

/** A call without options (most predicts): validated once, not on every request. */
let noActionOptions: Promise<Readonly<ModelActionQueryDto>> | undefined;

function actionOptions(known: Record<string, unknown>): Promise<Readonly<ModelActionQueryDto>> {
  if (Object.keys(known).length > 0) return validateBody(ModelActionQueryDto, known);
  noActionOptions ??= validateBody(ModelActionQueryDto, {}).then((options) => Object.freeze(options));
  return noActionOptions;
}
