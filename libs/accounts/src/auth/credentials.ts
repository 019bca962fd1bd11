import { isWellFormedApiKey } from '../api-keys/api-key-secret';
import { isValidUserid } from '../users/userid';

/** Longer Authorization headers are refused unread (the longest valid one, a JWT, is far shorter). */
export const MAX_AUTHORIZATION_LENGTH = 2048;

export type PresentedCredentials =
  | { scheme: 'apikey'; userid: string; apikey: string }
  | { scheme: 'bearer'; token: string }
  /** Present but unusable: wrong scheme, malformed, too long. `userid` only for the log line. */
  | { scheme: 'invalid'; reason: string; userid?: string };

const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Parses `ApiKey <userid>:<apikey>` (the omega-ml client header) or `Bearer <jwt>`. */
export function parseAuthorization(header: string): PresentedCredentials {
  if (header.length > MAX_AUTHORIZATION_LENGTH) return { scheme: 'invalid', reason: 'header too long' };
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  switch (scheme.toLowerCase()) {
    case 'apikey': {
      const colon = value.indexOf(':');
      const userid = colon < 0 ? value : value.slice(0, colon);
      const apikey = colon < 0 ? '' : value.slice(colon + 1);
      if (!isValidUserid(userid) || !isWellFormedApiKey(apikey))
        return { scheme: 'invalid', reason: 'malformed ApiKey credentials', userid };
      return { scheme: 'apikey', userid, apikey };
    }
    case 'bearer':
      return JWT_PATTERN.test(value)
        ? { scheme: 'bearer', token: value }
        : { scheme: 'invalid', reason: 'malformed Bearer token' };
    default:
      return { scheme: 'invalid', reason: 'unsupported authorization scheme' };
  }
}
