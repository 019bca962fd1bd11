import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import { OmegaConfig, OmegaError, OmegaErrorCode } from '@omega/core';
import type { Request, Response } from 'express';
import { LOGIN_ROUTE_KEY } from './auth.decorators';
import { principalOf } from './principal';

/**
 * Two limits: `api` counts every authenticated request per API key (or per user for tokens), across all
 * routes; `login` counts password logins per client address and userid, so one address cannot try many
 * passwords for one user. Counters live in the process: each replica of a deployment limits on its own.
 */
export function rateLimitOptions(config: OmegaConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: 'api',
        limit: config.rateLimitApi,
        ttl: config.rateLimitApiWindowSeconds * 1000,
        skipIf: (context) => config.rateLimitApi === 0 || !principalOf(requestOf(context)),
        getTracker: (req) => {
          const principal = principalOf(req as Request);
          return principal?.keyId ? `key:${principal.keyId}` : `user:${principal?.userId ?? ''}`;
        },
      },
      {
        name: 'login',
        limit: config.rateLimitLogin,
        ttl: config.rateLimitLoginWindowSeconds * 1000,
        skipIf: (context) =>
          config.rateLimitLogin === 0 || Reflect.getMetadata(LOGIN_ROUTE_KEY, context.getHandler()) !== true,
        getTracker: (req) => {
          const userid = (req.body as { userid?: unknown } | undefined)?.userid;
          return `${String(req.ip)}|${typeof userid === 'string' ? userid.slice(0, 150).toLowerCase() : ''}`;
        },
      },
    ],
    // One counter per tracker for all routes (the default counts each route apart).
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
  };
}

/** The throttler, answering in the platform's error shape with a plain `Retry-After`. */
@Injectable()
export class OmegaThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    throw new OmegaError(OmegaErrorCode.RateLimited, `Too many requests: retry in ${seconds} s`);
  }
}

function requestOf(context: ExecutionContext): Request {
  return context.switchToHttp().getRequest<Request>();
}
