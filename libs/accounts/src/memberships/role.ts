import { OmegaError } from '@omega/core';

/** What a user may do in one tenant: administer it, read and write its objects, or only read them. */
export const ROLES = ['admin', 'member', 'readonly'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function assertRole(value: unknown): asserts value is Role {
  if (!isRole(value)) throw OmegaError.invalidInput(`Invalid role: use one of ${ROLES.join(', ')}`);
}
