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
  ApiKeyOwners,
  ApiKeyView,
  ApiKeysService,
  CurrentActor,
  CurrentPrincipal,
  OwnApiKeysService,
  Principal,
  RateLimiter,
  Roles,
} from '@omega/accounts';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { CsrfForm, ListingNoticeQuery, ListingQuery, NewApiKeyForm } from '../../http/console-forms';
import { CONSOLE_BASE } from '../../rendering/console-files';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { ListingPage, namedPage, PAGE_SIZE } from '../listing/cursor-page';
import { ConsoleForm, ConsolePage } from '../../http/console-openapi';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The user's own API keys in their current tenant, paged and searchable, and their rate limits with this
 * window's use. A new key is shown once, on the page that made it. The tenant's admins also see every
 * member's keys of the tenant (read only: revoking another user's key is the admin API's).
 */
@Controller('console/keys')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleKeysController {
  constructor(
    private readonly keys: OwnApiKeysService,
    private readonly allKeys: ApiKeysService,
    private readonly view: ConsoleRenderer,
    private readonly limits: RateLimiter,
  ) {}

  @ConsolePage("The user's own API keys and their rate limits")
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListingNoticeQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.page(principal, query, req, res, {
      notice: query.done === 'revoked' ? 'The key was revoked.' : '',
    });
  }

  /** Every member's keys of the admin's tenant, with their owner. */
  @ConsolePage("Every member's API keys of the tenant (admins)")
  @Get('tenant')
  @Roles('admin')
  async tenantKeys(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListingQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const page = await this.keyPage('keys/tenant', { tenant: principal.tenant }, query);
    this.view.render(req, res, 'tenant-keys', { title: 'API keys of the tenant', q: query.q ?? '', page });
  }

  @ConsoleForm('the keys page', { rendersOnSuccess: 'The keys page showing the new key, once' })
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
    await this.page(principal, {}, req, res, { created }, 201);
  }

  @ConsoleForm('the keys page')
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
    query: ListingQuery,
    req: Request,
    res: Response,
    data: Record<string, unknown>,
    status = 200,
  ): Promise<void> {
    const [page, limits] = await Promise.all([
      this.keyPage('keys', { userid: principal.userid, tenant: principal.tenant }, query),
      this.limits.usage(principal),
    ]);
    const view = { title: 'API keys', q: query.q ?? '', page, limits, ...data };
    this.view.render(req, res, 'keys', view, status);
  }

  /** A page of keys by name; the cursor is the id of the last key shown (names repeat). */
  private async keyPage(
    path: string,
    owners: ApiKeyOwners,
    query: ListingQuery,
  ): Promise<ListingPage<ApiKeyView>> {
    const { items, total } = await this.allKeys.page(owners, {
      after: query.after,
      contains: query.q?.trim() || undefined,
      limit: PAGE_SIZE + 1,
    });
    const shown = items.slice(0, PAGE_SIZE);
    return namedPage(path, query, shown, total, items.length > PAGE_SIZE, (key) => key.id);
  }
}
