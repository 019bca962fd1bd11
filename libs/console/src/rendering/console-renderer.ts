import { Injectable } from '@nestjs/common';
import { CSRF_COOKIE, Principal, principalOf } from '@omega/accounts';
import type { Request, Response } from 'express';
import { Environment, FileSystemLoader } from 'nunjucks';
import { CONSOLE_BASE, CONSOLE_VIEWS_DIR } from './console-files';
import {
  formatBytes,
  formatCell,
  formatDateTime,
  formatDuration,
  formatZoned,
  isoDateTime,
  prettyJson,
  workerId,
} from './view-filters';

/**
 * Scripts and styles only from the console's own static files: no inline script or style can run, even
 * if something slipped past escaping. Forms post only back to the console.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** A CSRF token as issued (base64url); anything else in the cookie is not echoed into a page. */
const CSRF_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

export interface NavItem {
  href: string;
  label: string;
  current: boolean;
}

const SECTIONS: { href: string; label: string; adminOnly?: boolean }[] = [
  { href: CONSOLE_BASE, label: 'Overview' },
  { href: `${CONSOLE_BASE}/datasets`, label: 'Datasets' },
  { href: `${CONSOLE_BASE}/models`, label: 'Models' },
  { href: `${CONSOLE_BASE}/files`, label: 'Files' },
  { href: `${CONSOLE_BASE}/experiments`, label: 'Experiments' },
  { href: `${CONSOLE_BASE}/scripts`, label: 'Scripts' },
  { href: `${CONSOLE_BASE}/jobs`, label: 'Jobs' },
  { href: `${CONSOLE_BASE}/sql`, label: 'SQL' },
  { href: `${CONSOLE_BASE}/tasks`, label: 'Tasks' },
  { href: `${CONSOLE_BASE}/workers`, label: 'Workers' },
  { href: `${CONSOLE_BASE}/keys`, label: 'API keys' },
  { href: `${CONSOLE_BASE}/users`, label: 'Users', adminOnly: true },
  { href: `${CONSOLE_BASE}/tenants`, label: 'Tenants', adminOnly: true },
  { href: `${CONSOLE_BASE}/audit`, label: 'Audit log', adminOnly: true },
];

/**
 * Renders the console's pages with Nunjucks (autoescaping on: every value is HTML-escaped unless a
 * template says otherwise, and none does). Each page gets the principal, the navigation and the CSRF
 * token its forms send back.
 */
@Injectable()
export class ConsoleRenderer {
  private readonly env: Environment;

  constructor() {
    this.env = new Environment(new FileSystemLoader(CONSOLE_VIEWS_DIR), {
      autoescape: true,
      throwOnUndefined: false,
      trimBlocks: true,
      lstripBlocks: true,
    });
    this.env.addFilter('datetime', formatDateTime);
    this.env.addFilter('isodate', isoDateTime);
    this.env.addFilter('zoned', formatZoned);
    this.env.addFilter('bytes', formatBytes);
    this.env.addFilter('duration', formatDuration);
    this.env.addFilter('cell', formatCell);
    this.env.addFilter('prettyjson', prettyJson);
    this.env.addFilter('workerid', workerId);
  }

  /** Renders `views/<view>.njk` and sends it; `data.csrf` overrides the token read from the cookie. */
  render(req: Request, res: Response, view: string, data: Record<string, unknown> = {}, status = 200): void {
    const principal = principalOf(req);
    const html = this.env.render(`${view}.njk`, {
      principal,
      nav: principal ? navigation(principal, req.path) : [],
      csrf: csrfTokenOf(req),
      ...data,
    });
    res.status(status);
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    // Pages show one user's data (and once, a new API key): never kept by a browser or a proxy.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(html);
  }
}

/** The CSRF cookie's value, for the hidden `_csrf` field of every form. */
export function csrfTokenOf(req: Request): string {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[CSRF_COOKIE];
  return typeof value === 'string' && CSRF_TOKEN.test(value) ? value : '';
}

function navigation(principal: Principal, path: string): NavItem[] {
  return SECTIONS.filter((section) => !section.adminOnly || principal.role === 'admin').map((section) => ({
    href: section.href,
    label: section.label,
    current:
      section.href === CONSOLE_BASE
        ? path === CONSOLE_BASE || path === `${CONSOLE_BASE}/`
        : path === section.href || path.startsWith(`${section.href}/`),
  }));
}
