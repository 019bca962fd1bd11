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
  const pages = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives } });
  const docs = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...directives, styleSrc: ["'self'", "'unsafe-inline'"] },
    },
  });
  const files = helmet({ ...common, contentSecurityPolicy: false });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (FILES_PATH.test(req.path)) {
      res.setHeader('Content-Security-Policy', FILE_CONTENT_SECURITY_POLICY);
      files(req, res, next);
      return;
    }
    (DOCS_PATH.test(req.path) ? docs : pages)(req, res, next);
  };
}
