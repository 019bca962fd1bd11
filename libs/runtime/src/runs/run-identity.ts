import { OmegaError } from '@omega/core';

/**
 * Who a run acts for: the user who started it, or the owner of a scheduled job. User code gets a token of
 * this identity scoped to the run's tenant (the scripts lib's ScopedTokens); the task carries it as
 * `kwargs.runAs`.
 */
export interface RunIdentity {
  /** The user's internal id (the token's subject). */
  userId: string;
  userid: string;
}

export function assertRunIdentity(value: unknown): asserts value is RunIdentity {
  const identity = value as Partial<RunIdentity> | undefined;
  if (typeof identity?.userId !== 'string' || typeof identity.userid !== 'string') {
    throw OmegaError.invalidInput('The run names no user to act for');
  }
}
