import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { EntityManager, In, LessThan, Repository } from 'typeorm';
import { ACCOUNTS_CONNECTION } from '../database/accounts-connection';
import { isUniqueViolation } from '../database/unique-violation';
import { PrincipalChanges, principalTag } from './principal-changes';
import { RevokedToken } from './revoked-token.entity';

/** What a revocation check needs of a login token. */
export interface RevocableToken {
  /** The token id (`jti`). */
  tokenId: string;
  /** The user's internal id (`sub`). */
  userId: string;
  /** When the token was issued, in milliseconds (JWT's `iat` has whole seconds only). */
  issuedAt: number;
}

/**
 * Server-side revocation of login tokens, in the accounts database so every API process sees it. The
 * check is the one place a login token's revocation is decided: one read by primary key when a token is
 * first seen; each revocation is also announced, so API processes drop the principals they cached.
 */
@Injectable()
export class SessionRevocations {
  private readonly rows: Repository<RevokedToken>;

  constructor(
    @InjectEntityManager(ACCOUNTS_CONNECTION) manager: EntityManager,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly changes: PrincipalChanges,
  ) {
    this.rows = manager.getRepository(RevokedToken);
  }

  /** A logout: this token is refused until it expires. Revoking it twice is no error. */
  async revokeToken(tokenId: string, expiresAt: Date): Promise<void> {
    await this.sweep();
    try {
      await this.rows.insert({ id: tokenKey(tokenId), revokedAt: new Date(), expiresAt });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    await this.changes.changed(principalTag.token(tokenId));
  }

  /** A password change or a disabled user: every login token of the user issued until now is refused. */
  async revokeUser(userId: string): Promise<void> {
    await this.sweep();
    const now = new Date();
    // Tokens issued before now expire within one session lifetime: the row is needed no longer.
    const expiresAt = new Date(now.getTime() + this.config.sessionTtlSeconds * 1000);
    await this.rows.upsert({ id: userKey(userId), revokedAt: now, expiresAt }, ['id']);
    // Drops the user's cached API keys too: a disabled user's keys stop with their logins.
    await this.changes.changed(principalTag.user(userId));
  }

  async isRevoked(token: RevocableToken): Promise<boolean> {
    const found = await this.rows.findBy({ id: In([tokenKey(token.tokenId), userKey(token.userId)]) });
    return found.some((row) => row.id.startsWith('token:') || token.issuedAt <= row.revokedAt.getTime());
  }

  /** Rows whose tokens have all expired go; called on each revocation, never on the request path. */
  private async sweep(): Promise<void> {
    await this.rows.delete({ expiresAt: LessThan(new Date()) });
  }
}

function tokenKey(tokenId: string): string {
  return `token:${tokenId}`;
}

function userKey(userId: string): string {
  return `user:${userId}`;
}
