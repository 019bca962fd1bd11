import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { principalOf } from '@omega/accounts';
import { OmegaError, OmegaErrorCode, requestedScope, TenantContext } from '@omega/core';
import type { Request } from 'express';

/**
 * The caller's tenant context: the tenant of the authenticated principal (never anything the request
 * names), the bucket from the omega-ml `Bucket` header and the environment from `Qualifier` (each
 * validated; a bad one is a 400).
 */
export const Tenant = createParamDecorator((_data: unknown, context: ExecutionContext): TenantContext => {
  const request = context.switchToHttp().getRequest<Request>();
  const principal = principalOf(request);
  if (!principal) throw new OmegaError(OmegaErrorCode.Unauthenticated, 'Invalid or missing credentials');
  const { bucket, qualifier } = requestedScope((name) => request.header(name));
  return TenantContext.of(principal.tenant, bucket, qualifier);
});
