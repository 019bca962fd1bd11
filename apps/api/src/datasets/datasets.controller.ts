import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ReadOnlyAllowed } from '@omega/accounts';
import type { TenantContext } from '@omega/core';
import {
  ARROW_MEDIA_TYPE,
  CSV_MEDIA_TYPE,
  DatasetsService,
  PARQUET_MEDIA_TYPE,
  uploadFormat,
} from '@omega/datasets';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { Request, Response } from 'express';
import { ApiStreamAnswer, DeletedDto } from '../http/answer-docs';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { sendStream } from '../http/send-answer';
import { TableReadParams, TableReadQuery, tableReadParams } from '../http/table-read-query';
import { Tenant } from '../http/tenant.decorator';
import { validateBody } from '../http/validate-body';
import {
  ConvertDatasetDto,
  CopyDatasetDto,
  DATASET_QUERY_JSON,
  DATASET_READ_JSON,
  DATASET_SQL_JSON,
  DatasetDto,
  DatasetListDto,
  PutDatasetDto,
  QueryDatasetDto,
  SqlQueryDto,
  StreamUploadQueryDto,
} from './dataset.dto';

/** A table answer: JSON (`json`), or a CSV, Arrow or Parquet stream, by Accept. */
function ApiTableAnswer(description: string, json: SchemaObject): MethodDecorator {
  return ApiStreamAnswer({
    description,
    json,
    binary: [CSV_MEDIA_TYPE, ARROW_MEDIA_TYPE, PARQUET_MEDIA_TYPE],
  });
}

@ApiTags('datasets')
// Referenced by name inside the SQL answer's oneOf, so listed for the document.
@ApiExtraModels(DatasetDto)
@Controller('api/v1/dataset')
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Get()
  @ApiOperation({ summary: 'List datasets' })
  @ApiOkResponse({ type: DatasetListDto })
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto): Promise<DatasetListDto> {
    const { items, total } = await this.datasets.list(ctx, { ...query, skip: query.offset });
    return listEnvelope(items, total, query);
  }

  @Post('sql')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Read-only SQL over your columnar tables',
    description:
      'One SELECT (DuckDB SQL) over the table.parquet datasets of the current bucket, by name. No files, ' +
      'network, extensions, ATTACH or writes; a time limit (OMEGA_SQL_TIMEOUT_SECONDS), a memory limit ' +
      '(OMEGA_DUCKDB_MEMORY_MB) and a row cap (OMEGA_SQL_MAX_ROWS). Answered as JSON records, CSV, Arrow or ' +
      'Parquet by Accept, or stored as a new table with `into`.',
  })
  @ApiTableAnswer(
    'the rows as JSON records, CSV, Arrow or Parquet; with `into`, the stored table',
    DATASET_SQL_JSON,
  )
  async sql(
    @Tenant() ctx: TenantContext,
    @Body() body: SqlQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.datasets.sql(ctx, body, req.header('accept'));
    if (answer.headers) res.set(answer.headers);
    await sendStream(res, answer.mediaType, answer.write);
  }

  @Get(':name/metadata')
  @ApiOperation({ summary: "A dataset's Metadata" })
  @ApiOkResponse({ type: DatasetDto })
  metadata(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<DatasetDto> {
    return this.datasets.metadata(ctx, name);
  }

  @Get(':name')
  @ApiOperation({
    summary: 'Read a dataset',
    description:
      'Filters as `column__op=value` (eq ne lt lte gt gte in nin contains startswith endswith isnull), plus ' +
      '`columns`, `sort` (`a,-b`), `skip`, `limit`, `orient` (dict | records). Format by Accept or `format`. ' +
      'A SQL reference takes its placeholder values as `sqlvars={"name": value}` (JSON).',
  })
  @ApiTableAnswer(
    'a table as JSON (by `orient`), CSV, Arrow or Parquet; a json.docs dataset as its JSON',
    DATASET_READ_JSON,
  )
  async read(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @TableReadQuery() query: TableReadParams,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.datasets.read(ctx, name, tableReadParams(query), req.header('accept'));
    if (answer.headers) res.set(answer.headers);
    // A small answer already whole (see DatasetsService.read): one write, with its length.
    if (answer.body) res.status(200).setHeader('Content-Type', answer.mediaType).end(answer.body);
    else await sendStream(res, answer.mediaType, answer.write);
  }

  @Put(':name')
  @ApiOperation({
    summary: 'Store a dataset (replace, or append with append=true)',
    description:
      'New tables are `table.parquet` (columnar parts) unless `kind` (query or body) says `table.rows` (a document per row).',
  })
  @ApiConsumes('application/json', CSV_MEDIA_TYPE, ARROW_MEDIA_TYPE, PARQUET_MEDIA_TYPE)
  @ApiBody({ type: PutDatasetDto })
  @ApiOkResponse({ type: DatasetDto })
  async put(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Query() query: StreamUploadQueryDto,
    @Req() req: Request,
  ): Promise<DatasetDto> {
    if (uploadFormat(req.header('content-type')) === 'json') {
      const body = await validateBody(PutDatasetDto, req.body);
      return this.datasets.putJson(ctx, name, { ...body, kind: body.kind ?? query.kind });
    }
    return this.datasets.putStream(ctx, name, req.header('content-type'), req, query);
  }

  @Post(':name/query')
  // A query is a read whose filter does not fit a URL: the readonly role may send it.
  @ReadOnlyAllowed()
  @HttpCode(200)
  @ApiOperation({ summary: 'Query with filters, sort, paging, and groupby/agg (count, sum, mean, min, max)' })
  @ApiTableAnswer('the rows (or aggregate groups) as JSON records, CSV, Arrow or Parquet', DATASET_QUERY_JSON)
  async query(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Body() body: QueryDatasetDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.datasets.query(ctx, name, body, req.header('accept'));
    if (answer.headers) res.set(answer.headers);
    await sendStream(res, answer.mediaType, answer.write);
  }

  @Post(':name/copy')
  @ApiOperation({ summary: 'Copy a table or a SQL reference result into a table (`to`), streamed in chunks' })
  @ApiCreatedResponse({ type: DatasetDto, description: 'the table written' })
  copy(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Body() body: CopyDatasetDto,
  ): Promise<DatasetDto> {
    return this.datasets.copy(ctx, name, body);
  }

  @Post(':name/convert')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Turn a table into another table kind (table.rows ⇄ table.parquet), streamed in chunks',
  })
  @ApiOkResponse({ type: DatasetDto })
  convert(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Body() body: ConvertDatasetDto,
  ): Promise<DatasetDto> {
    return this.datasets.convert(ctx, name, body.kind);
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop a dataset' })
  @ApiOkResponse({ type: DeletedDto })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<DeletedDto> {
    await this.datasets.drop(ctx, name);
    return { deleted: name };
  }
}
