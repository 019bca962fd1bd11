import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FILE_CONTENT_SECURITY_POLICY } from '@omega/files';
import helmet from 'helmet';

/** Swagger UI's page carries inline `<style>` blocks; nothing else may use inline styles. */
const DOCS_PATH = /^\/api\/docs(\/|$)/;
/**
 * Uploaded files (and every answer on their routes, errors included) run nothing: a sandbox CSP with no
 * sources, whatever a browser makes of the bytes.
 */
const FILES_PATH = /^\/api\/v1\/file(\/|$)/;

/**
 * Security headers for every answer (helmet): no sniffing, no framing, no referrer, and a CSP for
 * server-rendered pages without inline scripts (scripts and styles from this origin only). HSTS only on
 * requests that came over https (directly, or through a trusted proxy: OMEGA_TRUST_PROXY), so a plain
 * http installation on a laptop does not lock a browser out of itself.
 */
export function securityHeaders(): RequestHandler {
  const directives = {
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
  const common = {
    strictTransportSecurity: false,
    frameguard: { action: 'deny' as const },
    referrerPolicy: { policy: 'no-referrer' as const },
    crossOriginEmbedderPolicy: false,
  };
  const pages = recorded(helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives } }));
  const docs = recorded(
    helmet({
      ...common,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { ...directives, styleSrc: ["'self'", "'unsafe-inline'"] },
      },
    }),
  );
  const files = recorded(helmet({ ...common, contentSecurityPolicy: false }));
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
type HeaderStep = readonly [name: string, value: string | undefined];

/**
 * What a helmet middleware does to every answer, recorded once at boot: with no per-request directive
 * (no nonce, no function) its headers are the same for every request, so each request replays them
 * instead of walking helmet's eleven middlewares. A helmet that did not finish at once, or read the
 * request, would not be replayable: the boot fails rather than sending other headers.
 */
function recorded(middleware: RequestHandler): HeaderStep[] {
  const steps: HeaderStep[] = [];
  const res = {
    setHeader: (name: string, value: unknown) => steps.push([name, String(value)]),
    removeHeader: (name: string) => steps.push([name, undefined]),
  };
  const req = new Proxy(
    {},
    {
      get: (_target, key) => {
        throw new Error(`security headers: helmet read the request (${String(key)}); cannot record them`);
      },
    },
  );
  let finished = false;
  middleware(req as Request, res as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('security headers: helmet did not finish at once; cannot record them');
  return steps;
}

function replay(steps: HeaderStep[], res: Response): void {
  for (const [name, value] of steps) {
    if (value === undefined) res.removeHeader(name);
    else res.setHeader(name, value);
  }
}
