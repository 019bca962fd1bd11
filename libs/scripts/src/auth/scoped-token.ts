import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
// The accounts lib does not export its signing key yet: this one function is borrowed from its folder.
import { loadTokenSecret } from '@omega/accounts/auth/token-secret';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, TenantContext } from '@omega/core';

/** Who a run acts for: the user who started it, or the owner of a scheduled job. */
export interface RunIdentity {
  /** The user's internal id (the token's subject). */
  userId: string;
  userid: string;
}

/** Must equal the issuer AuthService verifies. */
const ISSUER = 'omega-ts';
/** A token outlives its run's wall-clock limit by this much, no more. */
const TOKEN_GRACE_SECONDS = 30;

export function assertRunIdentity(value: unknown): asserts value is RunIdentity {
  const identity = value as Partial<RunIdentity> | undefined;
  if (typeof identity?.userId !== 'string' || typeof identity.userid !== 'string') {
    throw OmegaError.invalidInput('The run names no user to act for');
  }
}

/**
 * Short-lived Bearer tokens for user code. A token names the user and the task's tenant, like a login
 * token, so the API checks on every call that the user is still enabled and a member of that tenant, with
 * their role there. It expires with the run. Workers sign with the API's key: they need the same
 * `OMEGA_SECRET_KEY` (or data folder) as the API.
 */
@Injectable()
export class ScopedTokens {
  private readonly jwt: JwtService;

  constructor(@Inject(OMEGA_CONFIG) config: OmegaConfig) {
    this.jwt = new JwtService({
      secret: loadTokenSecret(config),
      signOptions: { algorithm: 'HS256', issuer: ISSUER },
    });
  }

  issue(ctx: TenantContext, identity: RunIdentity, runSeconds: number): Promise<string> {
    return this.jwt.signAsync(
      // `scope` and `bkt` say what the token was made for; the tenant (`ten`) is what the API enforces.
      { sub: identity.userId, uid: identity.userid, ten: ctx.tenant, bkt: ctx.bucket, scope: 'run' },
      { expiresIn: runSeconds + TOKEN_GRACE_SECONDS },
    );
  }
}
