import type { Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The console's session: the login JWT, out of reach of page scripts. */
export const SESSION_COOKIE = 'omega_session';
/** The anti-forgery token, readable by pages: sent back in `X-CSRF-Token` or a `_csrf` form field. */
export const CSRF_COOKIE = 'omega_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FORM_FIELD = '_csrf';

/**
 * Sets the session and CSRF cookies after a console login; `secure` when the request came over https.
 * Both live as long as the token: its own `exp` says how long (read, not verified: we just signed it).
 */
export function issueSessionCookies(res: Response, token: string, secure: boolean): void {
  const common = { sameSite: 'strict' as const, path: '/', secure, maxAge: tokenLifetimeMs(token) };
  res.cookie(SESSION_COOKIE, token, { ...common, httpOnly: true });
  res.cookie(CSRF_COOKIE, randomBytes(32).toString('base64url'), { ...common, httpOnly: false });
}

export function clearSessionCookies(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/', sameSite: 'strict', httpOnly: true });
  res.clearCookie(CSRF_COOKIE, { path: '/', sameSite: 'strict' });
}

/** Constant-time comparison of the presented token with the cookie's; false for anything missing. */
export function csrfTokenMatches(presented: unknown, cookie: unknown): boolean {
  if (typeof presented !== 'string' || typeof cookie !== 'string' || cookie.length < 16) return false;
  const left = Buffer.from(presented);
  const right = Buffer.from(cookie);
  return left.length === right.length && timingSafeEqual(left, right);
}

function tokenLifetimeMs(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    if (typeof payload.exp === 'number') return Math.max(0, payload.exp * 1000 - Date.now());
  } catch {
    // not a JWT: the cookie expires at once rather than outliving a token nobody can read
  }
  return 0;
}
