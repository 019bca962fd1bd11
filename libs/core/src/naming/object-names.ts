import { OmegaError, OmegaErrorCode } from '../errors/omega-error';

export const MAX_NAME_LENGTH = 200;

/**
 * Object names: path-like (`sales/2024`), made of letters, digits, `_`, `-`, `.` and `/`; no empty
 * segments, no `..`, nothing that MongoDB or a file system would read as an operator or a traversal.
 */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;
const BUCKET_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$/;

export function assertValidName(name: unknown, what = 'name'): asserts name is string {
  const problem = nameProblem(name);
  if (problem) throw new OmegaError(OmegaErrorCode.InvalidName, `Invalid ${what}: ${problem}`);
}

export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters';
  if (name.startsWith('$')) return 'must not start with $';
  if (name.includes('..')) return 'must not contain ..';
  if (!NAME_PATTERN.test(name)) return 'may only use letters, digits, _ - . and / between segments';
  return undefined;
}

export function assertValidBucket(bucket: unknown): asserts bucket is string {
  if (typeof bucket !== 'string' || !BUCKET_PATTERN.test(bucket)) {
    throw new OmegaError(
      OmegaErrorCode.InvalidName,
      'Invalid bucket: use 1-63 letters, digits, _ or -, starting with a letter, digit or _',
    );
  }
}

/** A glob such as `sales/*` or `model?` as an anchored regular expression over names. */
export function globToRegExp(pattern: string): RegExp {
  if (pattern.length > MAX_NAME_LENGTH) {
    throw new OmegaError(
      OmegaErrorCode.InvalidInput,
      `pattern must be at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
