import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FILE_CONTENT_SECURITY_POLICY } from '@omega/files';
import helmet, { HelmetOptions } from 'helmet';
import { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';

/** Swagger UI's page carries inline `<style>` blocks; nothing else may use inline styles. */
const DOCS_PATH = /^\/api\/docs(\/|$)/;
/**
 * Uploaded files (and every answer on their routes, errors included) run nothing: a sandbox CSP with no
 * sources, whatever a browser makes of the bytes.
 */
const FILES_PATH = /^\/api\/v1\/file(\/|$)/;

const DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};
const COMMON: HelmetOptions = {
  strictTransportSecurity: false,
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginEmbedderPolicy: false,
};

/**
 * Helmet's options for each kind of answer: server-rendered pages, the API docs (inline styles) and the files
 * routes (their CSP is FILE_CONTENT_SECURITY_POLICY, set outside helmet).
 */
export const HELMET_OPTIONS: Readonly<Record<'pages' | 'docs' | 'files', HelmetOptions>> = {
  pages: { ...COMMON, contentSecurityPolicy: { useDefaults: false, directives: DIRECTIVES } },
  docs: {
    ...COMMON,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...DIRECTIVES, styleSrc: ["'self'", "'unsafe-inline'"] },
    },
  },
  files: { ...COMMON, contentSecurityPolicy: false },
};

/**
 * Security headers for every answer (helmet): no sniffing, no framing, no referrer, and a CSP for
 * server-rendered pages without inline scripts (scripts and styles from this origin only). HSTS only on
 * requests that came over https (directly, or through a trusted proxy: OMEGA_TRUST_PROXY), so a plain
 * http installation on a laptop does not lock a browser out of itself.
 */
export function securityHeaders(): RequestHandler {
  const pages = recordHelmet(HELMET_OPTIONS.pages);
  const docs = recordHelmet(HELMET_OPTIONS.docs);
  const files = recordHelmet(HELMET_OPTIONS.files);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    const path = req.path;
    if (FILES_PATH.test(path)) {
      res.setHeader('Content-Security-Policy', FILE_CONTENT_SECURITY_POLICY);
      replay(files, res);
    } else replay(DOCS_PATH.test(path) ? docs : pages, res);
    next();
  };
}

/** A header helmet sets (a value) or removes (`undefined`). */
type HeaderStep = readonly [name: string, value: OutgoingHttpHeader | undefined];

/** What a request is: a middleware that reads any of it may answer each request differently. */
const REQUEST_CONTENT = [
  'method',
  'url',
  'headers',
  'headersDistinct',
  'rawHeaders',
  'trailers',
  'httpVersion',
  'socket',
  'connection',
] as const;

/**
 * What helmet does to every answer with these options, recorded once at boot so that each request replays
 * a few headers instead of walking helmet's eleven middlewares. Only helmet's public behaviour counts: its
 * middleware runs against real (unconnected) requests and responses, and the headers it sets and removes
 * through the response's setHeader and removeHeader are the steps. They are the same for every request
 * only while no directive is computed per request (no nonce, no function), so the boot fails loudly when
 * helmet reads the request, does not finish at once, hands on an error, answers two different requests
 * differently, or leaves the response other than its steps would.
 */
export function recordHelmet(options: Readonly<HelmetOptions>): HeaderStep[] {
  const middleware = helmet(options);
  const first = recordOnce(middleware, 'GET', '/', {});
  const second = recordOnce(middleware, 'POST', '/api/v1/probe?q=1', {
    host: 'omega.example',
    'x-forwarded-proto': 'https',
    accept: 'text/html',
  });
  if (!isDeepStrictEqual(first, second)) {
    throw new Error('security headers: helmet answered two requests differently; cannot replay its headers');
  }
  return first;
}

function recordOnce(
  middleware: ReturnType<typeof helmet>,
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
): HeaderStep[] {
  const req = new IncomingMessage(new Socket());
  Object.assign(req, { method, url, headers });
  const res = new ServerResponse(req);
  for (const key of REQUEST_CONTENT) {
    Object.defineProperty(req, key, {
      get: () => {
        throw new Error(`security headers: helmet read the request's ${key}; cannot replay its headers`);
      },
    });
  }
  const steps: HeaderStep[] = [];
  const setHeader = res.setHeader.bind(res);
  const removeHeader = res.removeHeader.bind(res);
  res.setHeader = (name: string, value: OutgoingHttpHeader) => {
    steps.push([name, value]);
    return setHeader(name, value);
  };
  res.removeHeader = (name: string) => {
    steps.push([name, undefined]);
    removeHeader(name);
  };
  let finished = false;
  middleware(req, res, (error?: unknown) => {
    if (error)
      throw new Error(`security headers: helmet failed (${String(error)}); cannot replay its headers`);
    finished = true;
  });
  if (!finished)
    throw new Error('security headers: helmet did not finish at once; cannot replay its headers');
  const replayed = new ServerResponse(new IncomingMessage(new Socket()));
  replay(steps, replayed);
  if (res.headersSent || !isDeepStrictEqual(res.getHeaders(), replayed.getHeaders())) {
    throw new Error(
      'security headers: helmet changed the answer other than by its headers; cannot replay them',
    );
  }
  return steps;
}

function replay(steps: readonly HeaderStep[], res: ServerResponse): void {
  for (const [name, value] of steps) {
    if (value === undefined) res.removeHeader(name);
    else res.setHeader(name, value);
  }
}
