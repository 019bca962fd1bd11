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

/** What the guard needs of a route's metadata, read once per controller class and handler. */
interface RouteRules {
  isPublic: boolean;
  isLogin: boolean;
  platformAdmin: boolean;
  readonlyAllowed: boolean;
  roles?: Role[];
}

/**
 * The global guard (APP_GUARD): every route needs a principal unless marked `@Public()`. In order:
 * refuse addresses that presented too many bad credentials, authenticate (`AuthService`, counting refusals;
 * called directly, not through passport, whose per-request machinery cost more than a cached principal),
 * count against the principal's rate limits, require the CSRF token for cookie sessions,
 * then a run token's scope (data-plane routes of its qualifier and bucket only), then the role: readonly
 * principals only read, `@Roles` and `@PlatformAdmin` narrow further. Its errors
 * are OmegaErrors, so a controller-scoped filter (the console's login redirect) can catch them.
 *
 * Every request passes here, so its fixed cost is kept small: a route's metadata is read once and kept
 * per class and handler (it never changes after boot), and a request with a cached credential whose
 * counters memory can decide is checked synchronously, without a promise.
 */
@Injectable()
export class OmegaAuthGuard implements CanActivate {
  /** By class, then handler: an inherited handler may sit under classes with different metadata. */
  private readonly rules = new WeakMap<object, WeakMap<object, RouteRules>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly limits: RateLimiter,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const rules = this.rulesOf(context);
    if (rules.isPublic) return rules.isLogin ? this.limits.countLogin(req, res).then(() => true) : true;
    const cookies = req.cookies as Record<string, unknown> | undefined;
    const presented = req.headers.authorization !== undefined || cookies?.[SESSION_COOKIE] !== undefined;
    const guessing = presented ? this.limits.assertNotGuessing(req, res) : undefined;
    if (guessing) return guessing.then(() => this.authenticated(req, res, rules, presented));
    return this.authenticated(req, res, rules, presented);
  }

  private authenticated(
    req: Request,
    res: Response,
    rules: RouteRules,
    presented: boolean,
  ): boolean | Promise<boolean> {
    let principal: Principal | Promise<Principal>;
    try {
      principal = this.auth.authenticate(req);
    } catch (error) {
      return this.refused(req, presented, error);
    }
    if (principal instanceof Promise)
      return principal.then(
        (found) => this.authorized(req, res, rules, found),
        (error: unknown) => this.refused(req, presented, error),
      );
    return this.authorized(req, res, rules, principal);
  }

  /** Counts a refused credential against the client's address, then refuses. */
  private async refused(req: Request, presented: boolean, error: unknown): Promise<never> {
    if (presented && error instanceof OmegaError && error.code === OmegaErrorCode.Unauthenticated)
      await this.limits.countBadCredentials(req);
    throw error;
  }

  private authorized(
    req: Request,
    res: Response,
    rules: RouteRules,
    principal: Principal,
  ): boolean | Promise<boolean> {
    // Where `principalOf` and `@CurrentPrincipal()` find it (passport's `req.user`, as before).
    (req as Request & { user: Principal }).user = principal;
    const counted = this.limits.countRequest(req, res, principal);
    if (counted) return counted.then(() => this.allowed(req, rules, principal));
    return this.allowed(req, rules, principal);
  }

  private allowed(req: Request, rules: RouteRules, principal: Principal): true {
    if (principal.via === 'session' && !SAFE_METHODS.has(req.method)) assertCsrf(req);
    if (principal.run) assertWithinRun(req, principal.run);
    if (rules.platformAdmin && !principal.isPlatformAdmin) throw forbidden();
    if (rules.roles && !rules.roles.includes(principal.role)) throw forbidden();
    if (principal.role === 'readonly' && !SAFE_METHODS.has(req.method) && !rules.readonlyAllowed)
      throw new OmegaError(OmegaErrorCode.Forbidden, 'The readonly role may only read');
    return true;
  }

  private rulesOf(context: ExecutionContext): RouteRules {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.rules.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.rules.set(controller, byHandler);
    }
    let rules = byHandler.get(handler);
    if (!rules) {
      const read = <T>(key: string) => this.reflector.getAllAndOverride<T>(key, [handler, controller]);
      rules = {
        isPublic: read<boolean>(PUBLIC_ROUTE) === true,
        isLogin: read<boolean>(LOGIN_ROUTE_KEY) === true,
        platformAdmin: read<boolean>(PLATFORM_ADMIN_KEY) === true,
        readonlyAllowed: read<boolean>(READONLY_ALLOWED_KEY) === true,
        roles: read<Role[] | undefined>(ROLES_KEY),
      };
      byHandler.set(handler, rules);
    }
    return rules;
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
