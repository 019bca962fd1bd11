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
  ApiKeysService,
  CurrentActor,
  CurrentPrincipal,
  MembershipsService,
  PlatformAdmin,
  Principal,
  Roles,
  UsersService,
} from '@omega/accounts';
import { OmegaError } from '@omega/core';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { CsrfForm, NoticeQuery, PasswordForm } from '../../http/console-forms';
import { KeyLimitsForm } from './key-limits-form';
import { CONSOLE_BASE } from '../../rendering/console-files';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { ConsoleForm, ConsolePage } from '../../http/console-openapi';

const NOTICES: Record<string, string> = {
  disabled: 'The user was disabled: their sessions and API keys stop working at once.',
  enabled: 'The user was enabled again.',
  password: 'The password was reset: every session of the user ended.',
  role: 'The role was changed.',
  limits: "The key's rate limits were set: they apply from its next request.",
};

/** The most keys the user page lists with their limits (a user with more uses the admin API). */
const KEYS_SHOWN = 100;

/**
 * A member's page for the tenant's admins: their role here, and removing them from the tenant. Users are
 * accounts of the whole platform, so disabling, enabling and resetting a password are for platform
 * admins only, as over the admin API: a tenant admin must not lock out or take over a user of other
 * tenants. Platform admins also set the rate limits of each of the user's keys here.
 */
@Controller('console/users/:userid')
@Roles('admin')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly memberships: MembershipsService,
    private readonly keys: ApiKeysService,
    private readonly view: ConsoleRenderer,
  ) {}

  @ConsolePage('One user: memberships, API keys and their limits')
  @Get()
  async userPage(
    @CurrentPrincipal() principal: Principal,
    @Param('userid') userid: string,
    @Query() query: NoticeQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const role = await this.memberOfTenant(principal, userid);
    const user = await this.users.get(userid);
    this.view.render(req, res, 'user', {
      title: `User ${userid}`,
      user,
      role,
      self: userid === principal.userid,
      memberships: principal.isPlatformAdmin ? await this.memberships.listByUser(userid) : [],
      keys: principal.isPlatformAdmin
        ? (await this.keys.page({ userid }, { limit: KEYS_SHOWN })).items.filter((key) => !key.revokedAt)
        : [],
      notice: query.done ? (NOTICES[query.done] ?? '') : '',
    });
  }

  /** Removes the user from this tenant only (their account and other memberships stay). */
  @ConsoleForm('the users page')
  @Post('remove')
  async remove(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('userid') userid: string,
    @Body() _form: CsrfForm,
    @Res() res: Response,
  ): Promise<void> {
    this.refuseSelf(principal, userid, 'remove yourself from the tenant');
    await this.memberOfTenant(principal, userid);
    await this.memberships.remove(userid, principal.tenant, actor);
    res.redirect(303, `${CONSOLE_BASE}/users?done=removed`);
  }

  @ConsoleForm('the user page')
  @Post('disable')
  @PlatformAdmin()
  disable(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('userid') userid: string,
    @Body() _form: CsrfForm,
    @Res() res: Response,
  ): Promise<void> {
    return this.setDisabled(principal, actor, userid, true, res);
  }

  @ConsoleForm('the user page')
  @Post('enable')
  @PlatformAdmin()
  enable(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('userid') userid: string,
    @Body() _form: CsrfForm,
    @Res() res: Response,
  ): Promise<void> {
    return this.setDisabled(principal, actor, userid, false, res);
  }

  @ConsoleForm('the user page')
  @Post('password')
  @PlatformAdmin()
  async resetPassword(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('userid') userid: string,
    @Body() form: PasswordForm,
    @Res() res: Response,
  ): Promise<void> {
    // Their own password is changed where the old one is asked for, not here.
    this.refuseSelf(principal, userid, 'reset your own password here');
    await this.memberOfTenant(principal, userid);
    await this.users.setPassword(userid, form.password, actor);
    res.redirect(303, `${userPath(userid)}?done=password`);
  }

  /**
   * Sets one of the user's keys' own rate limits: a blank field goes back to the role's or the platform's
   * default, 0 is no limit. A key of another user is not found from this user's page.
   */
  @ConsoleForm('the user page, at the key')
  @Post('keys/:id/limits')
  @PlatformAdmin()
  async setKeyLimits(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('userid') userid: string,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() form: KeyLimitsForm,
    @Res() res: Response,
  ): Promise<void> {
    await this.memberOfTenant(principal, userid);
    const key = await this.keys.get(id);
    if (key.userid !== userid) throw OmegaError.notFound(`API key ${id} of ${userid}`);
    const limits = { api: form.api ?? null, uploads: form.uploads ?? null, keys: form.keys ?? null };
    await this.keys.setRateLimits(id, limits, actor);
    res.redirect(303, `${userPath(userid)}?done=limits#key-${id}`);
  }

  private async setDisabled(
    principal: Principal,
    actor: Actor,
    userid: string,
    disabled: boolean,
    res: Response,
  ): Promise<void> {
    this.refuseSelf(principal, userid, 'disable yourself');
    await this.memberOfTenant(principal, userid);
    await this.users.setDisabled(userid, disabled, actor);
    res.redirect(303, `${userPath(userid)}?done=${disabled ? 'disabled' : 'enabled'}`);
  }

  /** The user's role in the admin's tenant; a user of another tenant is not found from here. */
  private async memberOfTenant(principal: Principal, userid: string): Promise<string> {
    const role = await this.memberships.roleOf(userid, principal.tenant);
    if (!role) throw OmegaError.notFound(`user ${userid} in tenant ${principal.tenant}`);
    return role;
  }

  private refuseSelf(principal: Principal, userid: string, what: string): void {
    if (userid === principal.userid) throw OmegaError.invalidInput(`You cannot ${what}`);
  }
}

function userPath(userid: string): string {
  return `${CONSOLE_BASE}/users/${encodeURIComponent(userid)}`;
}
