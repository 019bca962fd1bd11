import { HttpClient } from './http';
import type { components } from './generated/openapi';

/**
 * A key's own rate limits, in requests per window: a number sets it (0 = no limit), null clears it (back
 * to the role's or the platform's default), and a limit left out stays as it is.
 */
export type KeyRateLimits = components['schemas']['KeyRateLimitsDto'];

/** The names of the per-key rate limits. */
export type RateLimitName = keyof KeyRateLimits;

/**
 * An API key as the platform lists it: the prefix only, never the key. `rateLimits` holds the key's own
 * limits; absent names follow its role's or the platform's default.
 */
export type ApiKeySummary = components['schemas']['ApiKeyDto'];

/** `om.admin`: platform administration (the credentials must be a platform admin's; others get 403). */
export class Admin {
  constructor(private readonly http: HttpClient) {}

  /** Sets a key's own rate limits; takes effect on the key's next request, on every API replica. */
  setKeyLimits(keyId: string, limits: KeyRateLimits): Promise<ApiKeySummary> {
    return this.http.put<ApiKeySummary>('/api/v1/admin/keys/{id}/limits', {
      path: { id: keyId },
      json: limits,
    });
  }
}
