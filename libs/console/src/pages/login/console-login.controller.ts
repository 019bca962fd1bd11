import { Body, Controller, Get, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  AuthService,
  clearSessionCookies,
  CSRF_COOKIE,
  csrfTokenMatches,
  issueSessionCookies,
  LoginRoute,
  Public,
  ReadOnlyAllowed,
  SESSION_COOKIE,
} from '@omega/accounts';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import type { Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { CsrfForm, LoginForm } from '../../http/console-forms';
import { CONSOLE_BASE, CONSOLE_LOGIN } from '../../rendering/console-files';
import { ConsoleRenderer, csrfTokenOf } from '../../rendering/console-renderer';
import { ConsoleForm, ConsolePage } from '../../http/console-openapi';

/**
 * Password login and logout. The login form has its own anti-forgery token (a CSRF cookie set before any
 * session exists), so another site cannot log a browser into an account of its choosing.
 */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleLoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly view: ConsoleRenderer,
  ) {}

  @Public()
  @ConsolePage('The sign-in form')
  @Get('login')
  async loginPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    const session = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    if (typeof session === 'string' && (await this.auth.verifyToken(session, 'session'))) {
      res.redirect(303, CONSOLE_BASE);
      return;
    }
    this.view.render(req, res, 'login', { title: 'Log in', csrf: loginCsrfToken(req, res) });
  }

  @Public()
  @LoginRoute()
  @ConsoleForm('the console home')
  @Post('login')
  async login(@Req() req: Request, @Res() res: Response, @Body() form: LoginForm): Promise<void> {
    const cookie = (req.cookies as Record<string, unknown> | undefined)?.[CSRF_COOKIE];
    if (!csrfTokenMatches(form._csrf, cookie))
      throw new OmegaError(OmegaErrorCode.Csrf, 'The login form has expired: reload the page and try again');
    try {
      const { token } = await this.auth.login(form.userid, form.password, {
        ip: req.ip,
        userAgent: req.get('user-agent'),
      });
      issueSessionCookies(res, token, req.secure);
      res.redirect(303, CONSOLE_BASE);
    } catch (error) {
      if (!(error instanceof OmegaError && error.code === OmegaErrorCode.Unauthenticated)) throw error;
      this.view.render(
        req,
        res,
        'login',
        { title: 'Log in', userid: form.userid, failed: true, csrf: loginCsrfToken(req, res) },
        401,
      );
    }
  }

  /** Readonly users may log out too: it ends nothing but their own session. */
  @ReadOnlyAllowed()
  @ConsoleForm('the sign-in form')
  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response, @Body() _form: CsrfForm): Promise<void> {
    // Server-side first: a copy of the cookie kept elsewhere must stop working too.
    await this.auth.logout(req);
    clearSessionCookies(res);
    res.redirect(303, CONSOLE_LOGIN);
  }
}

/** The CSRF cookie's token, issuing one first when the browser has none. */
function loginCsrfToken(req: Request, res: Response): string {
  const existing = csrfTokenOf(req);
  if (existing) return existing;
  const token = randomBytes(32).toString('base64url');
  res.cookie(CSRF_COOKIE, token, { sameSite: 'strict', path: '/', secure: req.secure, httpOnly: false });
  return token;
}
