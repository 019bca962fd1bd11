import { Injectable, Logger } from '@nestjs/common';
import { ChangeEvents, OmegaError, OmegaErrorCode } from '@omega/core';

/** The change-event topic of everything a resolved principal depends on. */
export const PRINCIPALS_TOPIC = 'principals';

/** What an event names: a principal cached under any of these tags is dropped. */
export const principalTag = {
  user: (userId: string) => `user:${userId}`,
  tenant: (tenant: string) => `tenant:${tenant}`,
  key: (keyId: string) => `key:${keyId}`,
  token: (tokenId: string) => `token:${tokenId}`,
};

/**
 * Announces, after it is stored, every change that can take rights away from a credential: a key revoked
 * or its expiry or limits changed, a user disabled or their password changed, a role or membership
 * changed, a tenant disabled, a logout. Every API process then drops what it cached for it.
 */
@Injectable()
export class PrincipalChanges {
  private readonly logger = new Logger('PrincipalChanges');

  constructor(private readonly events: ChangeEvents) {}

  async changed(tag: string): Promise<void> {
    try {
      await this.events.publish({ topic: PRINCIPALS_TOPIC, key: tag });
    } catch (error) {
      // The change is stored and this process knows; others reread within the cache's max age.
      this.logger.error(`Could not announce a change of ${tag}: ${(error as Error).message}`);
      throw new OmegaError(
        OmegaErrorCode.ServiceUnavailable,
        'The change is saved, but not every API process could be told of it yet: it takes effect everywhere ' +
          'within OMEGA_PRINCIPAL_CACHE_MAX_AGE_SECONDS',
      );
    }
  }
}
