import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
// The accounts lib's run-token contract and signing key, by their own paths: neither loads TypeORM, so a
// worker uses them without the accounts database.
import {
  recordRunToken,
  revokeRunToken,
  RUN_SCOPE,
  RunTokenClaims,
  TOKEN_ISSUER,
} from '@omega/accounts/auth/run-tokens';
import { loadTokenSecret } from '@omega/accounts/auth/token-secret';
import { OMEGA_CONFIG, OmegaConfig, TenantContext, TenantDatabases } from '@omega/core';
import type { RunIdentity } from '@omega/runtime';
import { randomUUID } from 'node:crypto';

// Who a run acts for is the runtime's (every kind's runs carry it); scripts sign tokens of it.
export { assertRunIdentity } from '@omega/runtime';
export type { RunIdentity } from '@omega/runtime';

/** A token outlives its run's wall-clock limit by this much, no more. */
const TOKEN_GRACE_SECONDS = 30;

/**
 * Bearer tokens for user code, one per run. A token names the user, the task's tenant, qualifier and
 * bucket: the API checks on every call that the user is still enabled and a member of that tenant, gives
 * it their role there capped at member (never platform admin), and lets it reach only the data-plane
 * routes of that qualifier and bucket (`RUN_TOKEN_ROUTES`). It is live only while its run is: `during`
 * records it in the tenant's database before the run and deletes the record when the run ends, whatever
 * the outcome. Workers sign with the API's key: they need the same `OMEGA_SECRET_KEY` (or data folder).
 */
@Injectable()
export class ScopedTokens {
  private readonly logger = new Logger('RunTokens');
  private readonly jwt: JwtService;

  constructor(
    @Inject(OMEGA_CONFIG) config: OmegaConfig,
    private readonly databases: TenantDatabases,
  ) {
    this.jwt = new JwtService({
      secret: loadTokenSecret(config),
      signOptions: { algorithm: 'HS256', issuer: TOKEN_ISSUER },
    });
  }

  /** Runs `run` with a token for this run, revoked when `run` settles. */
  async during<T>(
    ctx: TenantContext,
    identity: RunIdentity,
    runSeconds: number,
    run: (token: string) => Promise<T>,
  ): Promise<T> {
    const tokenId = randomUUID();
    const lifetime = runSeconds + TOKEN_GRACE_SECONDS;
    const db = this.databases.db(ctx);
    await recordRunToken(db, tokenId, new Date(Date.now() + lifetime * 1000));
    try {
      const claims: RunTokenClaims = {
        sub: identity.userId,
        uid: identity.userid,
        ten: ctx.tenant,
        bkt: ctx.bucket,
        qual: ctx.qualifier,
        jti: tokenId,
        scope: RUN_SCOPE,
      };
      return await run(await this.jwt.signAsync(claims, { expiresIn: lifetime }));
    } finally {
      // A failed revocation must not turn a finished run into a failed one; the token still dies at `exp`.
      await revokeRunToken(db, tokenId).catch((error: Error) =>
        this.logger.error(`could not revoke run token ${tokenId}: ${error.message}`),
      );
    }
  }
}
