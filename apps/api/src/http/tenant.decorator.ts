import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { DEFAULT_BUCKET, DEFAULT_TENANT, TenantContext } from '@omega/core';
import type { Request } from 'express';

/**
 * The caller's tenant context: the single default tenant until accounts arrive, and the bucket from the
 * omega-ml `Bucket` header (validated; a bad bucket is a 400).
 */
export const Tenant = createParamDecorator((_data: unknown, context: ExecutionContext): TenantContext => {
  const request = context.switchToHttp().getRequest<Request>();
  const bucket = request.header('bucket');
  return TenantContext.of(DEFAULT_TENANT, bucket === undefined || bucket === '' ? DEFAULT_BUCKET : bucket);
});
