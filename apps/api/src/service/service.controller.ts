import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { TenantContext } from '@omega/core';
import type { TaskRecord } from '@omega/runtime';
import type { Request, Response } from 'express';
import { asyncRequested } from '../http/async-request';
import { Tenant } from '../http/tenant.decorator';
import { validateBody } from '../http/validate-body';
import { sendRunFailure } from '../scripts/run-requests';
import { ServiceCalls } from './service-calls';
import { serviceDocument } from './service-doc';
import {
  LinkSignatureDto,
  ServiceDocumentDto,
  ServiceSignatureAnswerDto,
  ServiceTaskAcceptedDto,
  ServiceUnlinkedDto,
} from './service.dto';

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
/** Last path segments that are not an action but the service's signature or document. */
const SIGNATURE = 'signature';
const DOC = 'doc';
const ACTIONS = new Set(['predict', 'predict_proba', 'run']);

/**
 * omega-ml's service API on both of its prefixes, `/api/service/…` and `/api/v1/service/…`: GET, PUT,
 * POST and DELETE on `{name}` run the service's default action, on `{name}/{action}` the action named;
 * `{name}/doc` is the service's own OpenAPI document and `{name}/signature` its linked signature. Names may
 * hold raw `/`, as omega-ml's do.
 */
@ApiTags('services')
@Controller()
export class ServiceController {
  constructor(private readonly calls: ServiceCalls) {}

  @Put('api/v1/service/:name/signature')
  @ApiOperation({
    summary: "Link a service's signature (omega-ml's link_datatype): JSON Schemas of its input and output",
  })
  @ApiOkResponse({ type: ServiceSignatureAnswerDto })
  async link(@Tenant() ctx: TenantContext, @Param('name') name: string, @Body() body: LinkSignatureDto) {
    const object = await this.calls.resolve(ctx, name);
    return { service: name, kind: object.kind, signature: await this.calls.link(ctx, object, body) };
  }

  @Get('api/v1/service/:name/signature')
  @ApiOperation({ summary: "A service's linked signature" })
  @ApiOkResponse({ type: ServiceSignatureAnswerDto })
  async signature(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    const object = await this.calls.resolve(ctx, name);
    return { service: name, kind: object.kind, signature: (await this.calls.signature(ctx, object)) ?? {} };
  }

  @Delete('api/v1/service/:name/signature')
  @ApiOperation({ summary: "Unlink a service's signature" })
  @ApiOkResponse({ type: ServiceUnlinkedDto })
  async unlink(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    await this.calls.unlink(ctx, await this.calls.resolve(ctx, name));
    return { service: name, deleted: SIGNATURE };
  }

  @Get('api/v1/service/:name/doc')
  @ApiOperation({ summary: "A service's own OpenAPI (Swagger 2.0) document, from its signature" })
  @ApiOkResponse({ type: ServiceDocumentDto })
  doc(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    return this.document(ctx, name);
  }

  @Post('api/v1/service/:name/:action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Call a service: a model (predict, predict_proba), a script or a job (run) by name',
    description:
      'The JSON body is the input, checked against the signature (400 naming the field); the answer is the ' +
      'bare result (`{data: value}` for a value that is not a list or object). Query parameters are the ' +
      "call's keyword arguments; `?async=true` or the header `async: true` answers 202 with the task's " +
      'Location. GET, PUT and DELETE, `{name}` alone (the default action) and `/api/service/…` do the same.',
  })
  @ApiOkResponse({
    description: "the service's bare result: a JSON list or object (any other value as `{data: value}`)",
    schema: {
      oneOf: [
        { type: 'object', additionalProperties: true },
        { type: 'array', items: {} },
      ],
    },
  })
  @ApiAcceptedResponse({
    type: ServiceTaskAcceptedDto,
    description: 'async: the task, its result at the Location',
  })
  action(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Param('action') action: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.dispatch(ctx, 'POST', [name, action], req, res);
  }

  @Get(['api/service/*path', 'api/v1/service/*path'])
  @ApiExcludeEndpoint()
  pathGet(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.dispatch(ctx, 'GET', path, req, res);
  }

  @Put(['api/service/*path', 'api/v1/service/*path'])
  @ApiExcludeEndpoint()
  pathPut(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.dispatch(ctx, 'PUT', path, req, res);
  }

  @Post(['api/service/*path', 'api/v1/service/*path'])
  @HttpCode(200)
  @ApiExcludeEndpoint()
  pathPost(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.dispatch(ctx, 'POST', path, req, res);
  }

  @Delete(['api/service/*path', 'api/v1/service/*path'])
  @ApiExcludeEndpoint()
  pathDelete(
    @Tenant() ctx: TenantContext,
    @Param('path') path: string[],
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.dispatch(ctx, 'DELETE', path, req, res);
  }

  private async dispatch(
    ctx: TenantContext,
    method: Method,
    path: string[],
    req: Request,
    res: Response,
  ): Promise<unknown> {
    const segments = path.filter((segment, index) => segment !== '' || index < path.length - 1);
    const last = segments.length > 1 ? segments[segments.length - 1] : undefined;
    const name =
      last !== undefined && (last === SIGNATURE || last === DOC || ACTIONS.has(last))
        ? segments.slice(0, -1).join('/')
        : segments.join('/');
    if (last === SIGNATURE) {
      if (method === 'GET') return this.signature(ctx, name);
      if (method === 'DELETE') return this.unlink(ctx, name);
      return this.link(ctx, name, await validateBody(LinkSignatureDto, req.body));
    }
    if (last === DOC && method === 'GET') return this.document(ctx, name);
    return this.run(ctx, name, last !== undefined && ACTIONS.has(last) ? last : undefined, req, res);
  }

  private async document(ctx: TenantContext, name: string) {
    const object = await this.calls.resolve(ctx, name);
    const signature = await this.calls.signature(ctx, object);
    return serviceDocument(object, this.calls.action(object, signature), signature);
  }

  private async run(
    ctx: TenantContext,
    name: string,
    named: string | undefined,
    req: Request,
    res: Response,
  ) {
    const object = await this.calls.resolve(ctx, name);
    const signature = await this.calls.signature(ctx, object);
    const action = this.calls.action(object, signature, named);
    const asynchronous = asyncRequested(req.header('async')) || asyncRequested(queryText(req.query.async));
    const outcome = await this.calls.call(ctx, object, action, signature, req, asynchronous);
    if ('taskId' in outcome) {
      const resourceUri = `/api/service/${name}/${action}`;
      const location = `/api/v1/task/${outcome.taskId}/result?resource_uri=${encodeURIComponent(resourceUri)}`;
      res.status(202).setHeader('Location', location);
      const accepted: ServiceTaskAcceptedDto = {
        service: name,
        result: 'pending',
        task_id: outcome.taskId,
        status: 'PENDING',
        resource_uri: resourceUri,
      };
      return accepted;
    }
    if ('failed' in outcome) return sendRunFailure(res, outcome.failed as TaskRecord, { service: name });
    return outcome.value;
  }
}

function queryText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
