import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { AuthService } from './auth.service';
import type { Principal } from './principal';

export const OMEGA_STRATEGY = 'omega';

/**
 * The passport strategy behind the global guard. One strategy for the three credentials, because which
 * one applies is decided by the request itself (an Authorization header wins over a session cookie), and
 * a failed header must not fall through to a cookie.
 */
@Injectable()
export class OmegaStrategy extends PassportStrategy(Strategy, OMEGA_STRATEGY) {
  constructor(private readonly auth: AuthService) {
    super();
  }

  validate(req: Request): Promise<Principal> {
    return this.auth.authenticate(req);
  }
}
