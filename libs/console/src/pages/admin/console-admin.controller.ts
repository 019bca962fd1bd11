import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import {
  Actor,
  AuditService,
  CurrentActor,
  CurrentPrincipal,
  MembershipsService,
  Principal,
  Roles,
  TenantsService,
  UsersService,
} from '@omega/accounts';
import { OmegaError } from '@omega/core';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import {
  AuditListQuery,
  ListingNoticeQuery,
  ListingQuery,
  NewUserForm,
  RoleForm,
  utcTime,
} from '../../http/console-forms';
import { CONSOLE_BASE } from '../../rendering/console-files';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { namedPage, PAGE_SIZE, pageHref } from '../listing/cursor-page';
import { ConsoleForm, ConsolePage } from '../../http/console-openapi';

/** Audit events shown per page, newest first. */
const AUDIT_PAGE = 100;

const NOTICES: Record<string, string> = {
  created: 'The user was created and added to this tenant.',
  role: 'The role was changed.',
  removed: 'The user was removed from this tenant.',
};

/**
 * Administration of the admin's own tenant: its members and their roles, the tenant itself and its audit
 * trail. Platform admins also see every tenant.
 */
@Controller('console')
@Roles('admin')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleAdminController {
  constructor(
    private readonly users: UsersService,
    private readonly memberships: MembershipsService,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly view: ConsoleRenderer,
  ) {}

  @ConsolePage('The users of the tenant (of every tenant for a platform admin)')
  @Get('users')
  async usersPage(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListingNoticeQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { items, total } = await this.memberships.pageByTenant(principal.tenant, {
      after: query.after,
      contains: query.q?.trim() || undefined,
      limit: PAGE_SIZE + 1,
    });
    const shown = items.slice(0, PAGE_SIZE);
    const users = await Promise.all(shown.map((member) => this.users.get(member.userid)));
    this.view.render(req, res, 'users', {
      title: 'Users',
      q: query.q ?? '',
      members: shown.map((member, index) => ({ ...member, user: users[index] })),
      page: namedPage('users', query, shown, total, items.length > PAGE_SIZE, (member) => member.userid),
      notice: query.done ? (NOTICES[query.done] ?? '') : '',
    });
  }

  @ConsoleForm('the users page')
  @Post('users')
  async createUser(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Body() form: NewUserForm,
    @Res() res: Response,
  ): Promise<void> {
    await this.users.create({ userid: form.userid, email: form.email, password: form.password }, actor);
    await this.memberships.add(form.userid, principal.tenant, form.role, actor);
    res.redirect(303, `${CONSOLE_BASE}/users?done=created`);
  }

  @ConsoleForm('the users page')
  @Post('users/:userid/role')
  async setRole(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('userid') userid: string,
    @Body() form: RoleForm,
    @Res() res: Response,
  ): Promise<void> {
    // An admin demoting themselves could leave the tenant without any admin.
    if (userid === principal.userid) throw OmegaError.invalidInput('You cannot change your own role');
    await this.memberships.setRole(userid, principal.tenant, form.role, actor);
    res.redirect(303, `${CONSOLE_BASE}/users?done=role`);
  }

  @ConsolePage('The tenants (platform admins)')
  @Get('tenants')
  async tenantsPage(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListingQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!principal.isPlatformAdmin) {
      const own = await this.tenants.get(principal.tenant);
      this.view.render(req, res, 'tenants', { title: 'Tenants', tenants: [own] });
      return;
    }
    const { items, total } = await this.tenants.page({
      after: query.after,
      contains: query.q?.trim() || undefined,
      limit: PAGE_SIZE + 1,
    });
    const shown = items.slice(0, PAGE_SIZE);
    this.view.render(req, res, 'tenants', {
      title: 'Tenants',
      tenants: shown,
      q: query.q ?? '',
      searchable: true,
      page: namedPage('tenants', query, shown, total, items.length > PAGE_SIZE, (tenant) => tenant.name),
    });
  }

  @ConsolePage('The audit log of account changes')
  @Get('audit')
  async auditPage(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AuditListQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const filters = { actor: query.actor, action: query.action, from: query.from, to: query.to };
    const filter = { ...filters, tenant: principal.tenant, from: utcTime(query.from), to: utcTime(query.to) };
    const [events, total] = await Promise.all([
      this.audit.list({ ...filter, before: query.before }, { limit: AUDIT_PAGE + 1 }),
      this.audit.count(filter),
    ]);
    const shown = events.slice(0, AUDIT_PAGE);
    this.view.render(req, res, 'audit', {
      title: 'Audit log',
      events: shown,
      total,
      filters,
      page: {
        items: shown,
        total,
        nextHref:
          events.length > AUDIT_PAGE
            ? pageHref('audit', { ...filters, before: shown[shown.length - 1].id })
            : undefined,
        firstHref: query.before ? pageHref('audit', filters) : undefined,
      },
    });
  }
}
