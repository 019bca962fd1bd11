import type { OmegaConfig } from '@omega/core';
import type { Role } from '../memberships/role';

/**
 * The limits a principal has, each counted per API key (or per user for login tokens) in fixed windows of
 * `OMEGA_RATE_LIMIT_API_WINDOW_SECONDS`: `api` counts every authenticated request (generous: model serving
 * and dataset reads live under it), `uploads` dataset and file writes, `keys` API keys made.
 */
export const RATE_LIMIT_NAMES = ['api', 'uploads', 'keys'] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

/** Per-limit overrides (requests per window; 0 = no limit), as kept with an API key or set per role. */
export type RateLimitOverrides = Partial<Record<RateLimitName, number>>;

export function isRateLimitName(name: unknown): name is RateLimitName {
  return typeof name === 'string' && (RATE_LIMIT_NAMES as readonly string[]).includes(name);
}

/** The limits of a principal: the key's own, else its role's (`OMEGA_RATE_LIMITS_BY_ROLE`), else the defaults. */
export function effectiveLimits(
  config: OmegaConfig,
  role: Role,
  keyLimits: RateLimitOverrides | undefined,
): Record<RateLimitName, number> {
  const defaults: Record<RateLimitName, number> = {
    api: config.rateLimitApi,
    uploads: config.rateLimitUploads,
    keys: config.rateLimitKeys,
  };
  return { ...defaults, ...roleLimits(config.rateLimitsByRole)[role], ...keyLimits };
}

const parsedByRole = new Map<string, Partial<Record<Role, RateLimitOverrides>>>();

/** `readonly.api=6000,member.uploads=100` (validated at boot) as overrides per role; parsed once. */
export function roleLimits(spec: string): Partial<Record<Role, RateLimitOverrides>> {
  const known = parsedByRole.get(spec);
  if (known) return known;
  const byRole: Partial<Record<Role, RateLimitOverrides>> = {};
  for (const pair of spec.split(',').filter((item) => item !== '')) {
    const [path, value] = pair.split('=');
    const [role, name] = path.split('.') as [Role, RateLimitName];
    byRole[role] = { ...byRole[role], [name]: Number(value) };
  }
  parsedByRole.set(spec, byRole);
  return byRole;
}

const UPLOAD_ROUTES = /^\/api\/v1\/(dataset|file)(\/|$)/;
const KEY_ROUTES = new Set(['/api/v1/auth/keys', '/api/v1/admin/keys']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The limits a request counts against besides `api`, by its registered route pattern (never the URL as
 * sent, so no spelling of a path escapes its limit) and method.
 */
export function extraLimitsOf(method: string, routePattern: string | undefined): RateLimitName[] {
  if (routePattern === undefined || SAFE_METHODS.has(method)) return [];
  if (method === 'POST' && KEY_ROUTES.has(routePattern)) return ['keys'];
  // Only PUTs upload: dataset queries and copies are POSTs that send no data of the caller's.
  if (method === 'PUT' && UPLOAD_ROUTES.test(routePattern)) return ['uploads'];
  return [];
}
