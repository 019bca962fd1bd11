import { SetMetadata } from '@nestjs/common';

/** Metadata key of routes anyone may call without credentials. */
export const PUBLIC_ROUTE = 'omega:public';

/**
 * Marks a route (or a controller) as reachable without credentials. It lives in core, not in accounts,
 * so that libs below accounts (metrics) can mark their routes without depending on it.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
