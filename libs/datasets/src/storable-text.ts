/**
 * PostgreSQL, under FerretDB, cannot store the NUL character (U+0000) in any text, and the insert fails as
 * a server error; text holding it is refused as input instead, whichever server is in use.
 */
export const NUL_REFUSED = 'text must not hold the NUL character (U+0000)';

/** True when a string, or any key or string inside a JSON value, holds U+0000. */
export function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
}
