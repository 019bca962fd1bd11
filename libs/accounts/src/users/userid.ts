import { OmegaError, OmegaErrorCode } from '@omega/core';

/**
 * Login names as omega-ml (Django) accepts them: letters, digits and `. @ + - _`, up to 150 characters.
 * No `:`, because the client header is `ApiKey <userid>:<apikey>`, and no whitespace.
 */
const USERID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.@+_-]{0,149}$/;
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,189}$/;

export function isValidUserid(userid: unknown): userid is string {
  return typeof userid === 'string' && USERID_PATTERN.test(userid);
}

export function assertValidUserid(userid: unknown): asserts userid is string {
  if (!isValidUserid(userid)) {
    throw new OmegaError(
      OmegaErrorCode.InvalidName,
      'Invalid userid: use 1-150 letters, digits or . @ + - _, starting with a letter or digit',
    );
  }
}

export function assertValidEmail(email: unknown): asserts email is string {
  if (typeof email !== 'string' || !EMAIL_PATTERN.test(email))
    throw OmegaError.invalidInput('Invalid email address');
}
