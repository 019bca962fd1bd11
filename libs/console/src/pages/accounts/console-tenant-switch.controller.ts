import { Body, Controller, Get, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  AuthService,
  CurrentPrincipal,
  issueSessionCookies,
  MembershipsService,
  Principal,
  ReadOnlyAllowed,
} from '@omega/accounts';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { TenantSwitchForm } from '../../http/console-forms';
import { CONSOLE_BASE } from '../../rendering/console-files';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { ConsoleForm, ConsolePage } from '../../http/console-openapi';

/**
 * The tenant switcher: a user with several memberships moves their console session to another tenant.
 * The switch is a login into that tenant (password confirmed, audited as one), because the new session
 * carries another role; the old session ends on the server.
 */
@Controller('console/tenant')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleTenantSwitchController {
  constructor(
    private readonly auth: AuthService,
    private readonly memberships: MembershipsService,
    private readonly view: ConsoleRenderer,
  ) {}

  @ConsolePage('The tenants the user belongs to, to switch between')
  @Get()
  async page(
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.render(principal, req, res, {});
  }

  /** Readonly users may switch too: it changes no data, only which tenant their session is in. */
  @ReadOnlyAllowed()
  @ConsoleForm('the console home, in the chosen tenant')
  @Post()
  async switchTenant(
    @CurrentPrincipal() principal: Principal,
    @Body() form: TenantSwitchForm,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const origin = { ip: req.ip, userAgent: req.get('user-agent') };
    let token: string;
    try {
      ({ token } = await this.auth.login(principal.userid, form.password, origin, form.tenant));
    } catch (error) {
      if (!(error instanceof OmegaError && error.code === OmegaErrorCode.Unauthenticated)) throw error;
      await this.render(principal, req, res, { failed: true, chosen: form.tenant }, 401);
      return;
    }
    await this.auth.logout(req);
    issueSessionCookies(res, token, req.secure);
    res.redirect(303, CONSOLE_BASE);
  }

  private async render(
    principal: Principal,
    req: Request,
    res: Response,
    data: Record<string, unknown>,
    status = 200,
  ): Promise<void> {
    const memberships = await this.memberships.listByUser(principal.userid);
    this.view.render(
      req,
      res,
      'tenant-switch',
      {
        title: 'Switch tenant',
        memberships,
        others: memberships.filter((membership) => membership.tenant !== principal.tenant),
        ...data,
      },
      status,
    );
  }
}
