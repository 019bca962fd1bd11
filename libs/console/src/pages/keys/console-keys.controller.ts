import {
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import {
  Actor,
  CurrentActor,
  CurrentPrincipal,
  OwnApiKeysService,
  Principal,
  RateLimiter,
} from '@omega/accounts';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { CsrfForm, NewApiKeyForm, NoticeQuery } from '../../http/console-forms';
import { CONSOLE_BASE } from '../../rendering/console-files';
import { ConsoleRenderer } from '../../rendering/console-renderer';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The user's own API keys in their current tenant, and their rate limits with this window's use. A new key
 * is shown once, on the page that made it.
 */
@Controller('console/keys')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleKeysController {
  constructor(
    private readonly keys: OwnApiKeysService,
    private readonly view: ConsoleRenderer,
    private readonly limits: RateLimiter,
  ) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: NoticeQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.page(principal, req, res, { notice: query.done === 'revoked' ? 'The key was revoked.' : '' });
  }

  @Post()
  async create(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Body() form: NewApiKeyForm,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const expiresAt = form.expiresInDays ? new Date(Date.now() + form.expiresInDays * DAY_MS) : null;
    const created = await this.keys.create(principal, { name: form.name, expiresAt }, actor);
    await this.page(principal, req, res, { created }, 201);
  }

  @Post(':id/revoke')
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() _form: CsrfForm,
    @Res() res: Response,
  ): Promise<void> {
    await this.keys.revoke(principal, id, actor);
    res.redirect(303, `${CONSOLE_BASE}/keys?done=revoked`);
  }

  private async page(
    principal: Principal,
    req: Request,
    res: Response,
    data: Record<string, unknown>,
    status = 200,
  ): Promise<void> {
    const [keys, limits] = await Promise.all([this.keys.list(principal), this.limits.usage(principal)]);
    this.view.render(req, res, 'keys', { title: 'API keys', keys, limits, ...data }, status);
  }
}
