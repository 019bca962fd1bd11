import { Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { OmegaError, TenantContext } from '@omega/core';
import { MAX_SCRIPT_UPLOAD_BYTES, ScriptRunsService, ScriptsService } from '@omega/scripts';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ApiStreamAnswer, DeletedDto } from '../http/answer-docs';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { runTarget } from '../http/run-path';
import { Tenant } from '../http/tenant.decorator';
import { answerRun, parseAttributes, readRunnableUpload } from './run-requests';
import { ScriptDto, ScriptListDto, ScriptRunAcceptedDto, ScriptRunAnswerDto } from './script-answer.dto';
import { ScriptUploadFieldsDto } from './script.dto';

@ApiTags('scripts')
@Controller('api/v1/script')
export class ScriptsController {
  constructor(
    private readonly scripts: ScriptsService,
    private readonly runs: ScriptRunsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List scripts' })
  @ApiOkResponse({ type: ScriptListDto })
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto): Promise<ScriptListDto> {
    const { items, total } = await this.scripts.list(ctx, {
      pattern: query.pattern,
      skip: query.offset,
      limit: query.limit,
    });
    return listEnvelope(items, total, query);
  }

  @Put()
  @ApiOperation({ summary: 'Store a script (multipart: file, name, dependencies, attributes); same as POST' })
  @ApiConsumes('multipart/form-data')
  @ApiOkResponse({ type: ScriptDto, description: 'the stored script' })
  put(@Tenant() ctx: TenantContext, @Req() req: Request): Promise<ScriptDto> {
    return this.upload(ctx, req);
  }

  @Post()
  @ApiOperation({
    summary: 'Store a script: a .ts/.js file or a .tgz/.tar of a package folder exporting run(om, ...args)',
    description:
      'Form fields: `name`, `file`, optional `dependencies` (JSON object or `ms@^2.1.3,lodash.sum`, installed ' +
      'from the npm registry and bundled in), `attributes` (JSON object).',
  })
  @ApiConsumes('multipart/form-data')
  @ApiCreatedResponse({ type: ScriptDto, description: 'the stored script' })
  post(@Tenant() ctx: TenantContext, @Req() req: Request): Promise<ScriptDto> {
    return this.upload(ctx, req);
  }

  @Get(':name')
  @ApiOperation({ summary: "A script's Metadata (language, dependencies, owner)" })
  @ApiOkResponse({ type: ScriptDto })
  describe(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<ScriptDto> {
    return this.scripts.describe(ctx, name);
  }

  @Get(':name/source')
  @ApiOperation({ summary: 'The source of a script as it was uploaded (a file or a tarball)' })
  @ApiStreamAnswer({
    description: 'the uploaded file, as an attachment',
    binary: ['application/octet-stream'],
  })
  async source(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Res() res: Response,
  ): Promise<void> {
    const source = await this.scripts.source(ctx, name);
    res
      .status(200)
      .setHeader('Content-Type', 'application/octet-stream')
      .setHeader('Content-Length', String(source.size))
      .setHeader(
        'Content-Disposition',
        `attachment; filename="${source.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      );
    await pipeline(source.stream, res).catch((error: Error) => res.destroy(error));
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a script on a worker: JSON body → args, query → kwargs; `?async=true` answers 202',
    description:
      'Answers `{script, result, runtimes, started, ended, stdout, stderr}`; a failed run answers 422.',
  })
  @ApiOkResponse({ type: ScriptRunAnswerDto })
  @ApiAcceptedResponse({ type: ScriptRunAcceptedDto, description: 'with `?async=true`: the task submitted' })
  run(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return answerRun('script', this.runs, ctx, name, req, res);
  }

  /** omega-ml's `POST /api/v1/script/<path>/run`: a name with a raw `/` runs too. */
  @Post('*path')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  runByPath(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(ctx, runTarget(path, 'script'), req, res);
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop a script' })
  @ApiOkResponse({ type: DeletedDto })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<DeletedDto> {
    await this.scripts.drop(ctx, name);
    return { deleted: name };
  }

  private async upload(ctx: TenantContext, req: Request): Promise<ScriptDto> {
    const { form, file, owner } = await readRunnableUpload(
      req,
      ScriptUploadFieldsDto,
      MAX_SCRIPT_UPLOAD_BYTES,
      'script',
    );
    return this.scripts.put(
      ctx,
      form.name,
      {
        filename: file.filename ?? 'index.js',
        content: file.buffer,
        dependencies: parseDependencies(form.dependencies),
      },
      owner,
      parseAttributes(form.attributes),
    );
  }
}

/** `{"ms": "^2"}` or `ms@^2,lodash.sum` (no version: latest). */
function parseDependencies(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  if (text.trim().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw OmegaError.invalidInput(
        'dependencies must be a JSON object or a list such as ms@^2.1.3,lodash.sum',
      );
    }
  }
  return Object.fromEntries(
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .map((item) => {
        const at = item.lastIndexOf('@');
        return at > 0 ? [item.slice(0, at), item.slice(at + 1)] : [item, 'latest'];
      }),
  );
}
