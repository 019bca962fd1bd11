import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import type { Request } from 'express';
import type { Actor } from '../common/actor';
import type { Role } from '../memberships/role';
import { Principal, principalOf } from './principal';

export { Public, PUBLIC_ROUTE } from '@omega/core';

export const ROLES_KEY = 'omega:roles';
export const READONLY_ALLOWED_KEY = 'omega:readonly-allowed';
export const PLATFORM_ADMIN_KEY = 'omega:platform-admin';
export const LOGIN_ROUTE_KEY = 'omega:login-route';

/** Only principals with one of these roles (in their tenant) may call the route. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/**
 * A route with an unsafe method that only reads (a dataset query sent as POST because its filter does not
 * fit a URL): the readonly role may call it.
 */
export const ReadOnlyAllowed = (): MethodDecorator & ClassDecorator =>
  SetMetadata(READONLY_ALLOWED_KEY, true);

/** Platform administration (all tenants): only users flagged as platform admins. */
export const PlatformAdmin = (): MethodDecorator & ClassDecorator => SetMetadata(PLATFORM_ADMIN_KEY, true);

/** A password login: limited per client address and userid (OMEGA_RATE_LIMIT_LOGIN). */
export const LoginRoute = (): MethodDecorator => SetMetadata(LOGIN_ROUTE_KEY, true);

/** The authenticated principal; on a public route there is none and this fails as unauthenticated. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = principalOf(context.switchToHttp().getRequest<Request>());
    if (!principal) throw new OmegaError(OmegaErrorCode.Unauthenticated, 'Authentication required');
    return principal;
  },
);

/** Who is acting and from where, for the audit trail of a mutating call. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const req = context.switchToHttp().getRequest<Request>();
  const principal = principalOf(req);
  return { actor: principal?.userid ?? 'anonymous', remote: req.ip };
});
