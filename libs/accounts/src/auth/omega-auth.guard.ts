import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OmegaError, OmegaErrorCode, PUBLIC_ROUTE, requestedScope } from '@omega/core';
import type { Request, Response } from 'express';
import type { Role } from '../memberships/role';
import { LOGIN_ROUTE_KEY, PLATFORM_ADMIN_KEY, READONLY_ALLOWED_KEY, ROLES_KEY } from './auth.decorators';
import { AuthService } from './auth.service';
import type { Principal, RunScope } from './principal';
import { RateLimiter } from './rate-limits';
import { isRunTokenRoute } from './run-tokens';
import {
  CSRF_COOKIE,
  CSRF_FORM_FIELD,
  CSRF_HEADER,
  csrfTokenMatches,
  SESSION_COOKIE,
} from './session-cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The global guard (APP_GUARD): every route needs a principal unless marked `@Public()`. In order:
 * refuse addresses that presented too many bad credentials, authenticate (`AuthService`, counting refusals;
 * called directly, not through passport, whose per-request machinery cost more than a cached principal),
 * count against the principal's rate limits, require the CSRF token for cookie sessions,
 * then a run token's scope (data-plane routes of its qualifier and bucket only), then the role: readonly
 * principals only read, `@Roles` and `@PlatformAdmin` narrow further. Its errors
 * are OmegaErrors, so a controller-scoped filter (the console's login redirect) can catch them.
 */
@Injectable()
export class OmegaAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly limits: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (this.flag(PUBLIC_ROUTE, context)) {
      if (this.flag(LOGIN_ROUTE_KEY, context)) await this.limits.countLogin(req, res);
      return true;
    }
    const cookies = req.cookies as Record<string, unknown> | undefined;
    const presented = req.headers.authorization !== undefined || cookies?.[SESSION_COOKIE] !== undefined;
    if (presented) await this.limits.assertNotGuessing(req, res);
    let principal: Principal;
    try {
      principal = await this.auth.authenticate(req);
    } catch (error) {
      if (presented && error instanceof OmegaError && error.code === OmegaErrorCode.Unauthenticated)
        await this.limits.countBadCredentials(req);
      throw error;
    }
    // Where `principalOf` and `@CurrentPrincipal()` find it (passport's `req.user`, as before).
    (req as Request & { user: Principal }).user = principal;
    await this.limits.countRequest(req, res, principal);
    if (principal.via === 'session' && !SAFE_METHODS.has(req.method)) assertCsrf(req);
    if (principal.run) assertWithinRun(req, principal.run);
    this.assertAllowed(context, req, principal);
    return true;
  }

  private assertAllowed(context: ExecutionContext, req: Request, principal: Principal): void {
    if (this.flag(PLATFORM_ADMIN_KEY, context) && !principal.isPlatformAdmin) throw forbidden();
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && !roles.includes(principal.role)) throw forbidden();
    if (
      principal.role === 'readonly' &&
      !SAFE_METHODS.has(req.method) &&
      !this.flag(READONLY_ALLOWED_KEY, context)
    )
      throw new OmegaError(OmegaErrorCode.Forbidden, 'The readonly role may only read');
  }

  private flag(key: string, context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride<boolean>(key, [context.getHandler(), context.getClass()]) === true
    );
  }
}

function forbidden(): OmegaError {
  return new OmegaError(OmegaErrorCode.Forbidden, 'Your role does not allow this call');
}

/**
 * A run token reaches only the data-plane routes (`RUN_TOKEN_ROUTES`) of its own qualifier and bucket:
 * the headers that select them must name the run's (or be absent when the run's are the defaults).
 */
function assertWithinRun(req: Request, run: RunScope): void {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (!isRunTokenRoute(typeof route === 'string' ? route : undefined))
    throw new OmegaError(OmegaErrorCode.Forbidden, "A script run's token may not call this route");
  const { bucket, qualifier } = requestedScope((name) => req.header(name));
  if (bucket !== run.bucket || qualifier !== run.qualifier)
    throw new OmegaError(
      OmegaErrorCode.Forbidden,
      `This run's token is scoped to bucket '${run.bucket}' and qualifier '${run.qualifier}'`,
    );
}

/** Double-submit check: the token in a header or form field must equal the CSRF cookie. */
function assertCsrf(req: Request): void {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  const body = req.body as Record<string, unknown> | undefined;
  const presented =
    req.header(CSRF_HEADER) ?? (typeof body === 'object' && body ? body[CSRF_FORM_FIELD] : undefined);
  if (!csrfTokenMatches(presented, cookies?.[CSRF_COOKIE]))
    throw new OmegaError(OmegaErrorCode.Csrf, 'Missing or invalid CSRF token');
}
