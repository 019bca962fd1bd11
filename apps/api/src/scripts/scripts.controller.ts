import { Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { principalOf } from '@omega/accounts';
import { OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import { MAX_SCRIPT_UPLOAD_BYTES, ScriptRunsService, ScriptsService } from '@omega/scripts';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { readMultipart } from '../http/read-multipart';
import { Tenant } from '../http/tenant.decorator';
import { validateBody } from '../http/validate-body';
import { parseAttributes, runRequest, sendRunFailure } from './run-requests';
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
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto) {
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
  put(@Tenant() ctx: TenantContext, @Req() req: Request) {
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
  post(@Tenant() ctx: TenantContext, @Req() req: Request) {
    return this.upload(ctx, req);
  }

  @Get(':name')
  @ApiOperation({ summary: "A script's Metadata (language, dependencies, owner)" })
  describe(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    return this.scripts.describe(ctx, name);
  }

  @Get(':name/source')
  @ApiOperation({ summary: 'The source of a script as it was uploaded (a file or a tarball)' })
  async source(@Tenant() ctx: TenantContext, @Param('name') name: string, @Res() res: Response) {
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
      return { script: name, task_id: task.id, status: 'PENDING', resource_uri: location };
    }
    const record = await this.runs.call(ctx, name, request);
    if (record.status === 'FAILURE') return sendRunFailure(res, record, { script: name });
    return { ...(record.result as Record<string, unknown>), task_id: record.id };
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop a script' })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    await this.scripts.drop(ctx, name);
    return { deleted: name };
  }

  private async upload(ctx: TenantContext, req: Request) {
    if (!(req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
      throw new OmegaError(
        OmegaErrorCode.UnsupportedMediaType,
        'Upload a script as multipart/form-data (file, name)',
      );
    }
    const { fields, file } = await readMultipart(req, MAX_SCRIPT_UPLOAD_BYTES);
    const form = await validateBody(ScriptUploadFieldsDto, fields);
    if (!file || file.buffer.length === 0) throw OmegaError.invalidInput('multipart body has no script file');
    const principal = principalOf(req);
    if (!principal) throw new OmegaError(OmegaErrorCode.Unauthenticated, 'Invalid or missing credentials');
    return this.scripts.put(
      ctx,
      form.name,
      {
        filename: file.filename ?? 'index.js',
        content: file.buffer,
        dependencies: parseDependencies(form.dependencies),
      },
      { userId: principal.userId, userid: principal.userid },
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
