import { OmegaError, OmegaErrorCode } from '../errors/omega-error';

/**
 * Document keys as MongoDB (and FerretDB, which is stricter) accept them. User keys may contain anything;
 * `~` is the escape character, so every escaped user key differs from the platform's own reserved keys,
 * which all begin with `~` followed by a lowercase letter other than the escape letters below.
 *
 *   ~  -> ~t     .  -> ~d     leading $ -> ~s     NUL -> ~0     _id -> ~u
 */
const ESCAPES: Record<string, string> = { '~': '~t', '.': '~d', '\u0000': '~0' };
const UNESCAPES: Record<string, string> = { t: '~', d: '.', '0': '\u0000', s: '$' };

export const MAX_KEY_LENGTH = 1024;

export function escapeKey(key: string): string {
  if (key.length > MAX_KEY_LENGTH) {
    throw new OmegaError(
      OmegaErrorCode.InvalidInput,
      `key "${key.slice(0, 40)}…" is longer than ${MAX_KEY_LENGTH}`,
    );
  }
  if (key === '_id') return '~u';
  // eslint-disable-next-line no-control-regex
  let escaped = key.replace(/[~.\u0000]/g, (char) => ESCAPES[char]);
  if (escaped.startsWith('$')) escaped = `~s${escaped.slice(1)}`;
  return escaped;
}

export function unescapeKey(key: string): string {
  if (key === '~u') return '_id';
  return key.replace(/~([tds0])/g, (_match, letter: string) => UNESCAPES[letter]);
}

/** True when a key needs no escaping: the common case, checked once per column rather than per row. */
export function isPlainKey(key: string): boolean {
  // eslint-disable-next-line no-control-regex
  return key !== '_id' && !/[~.\u0000]/.test(key) && !key.startsWith('$');
}
