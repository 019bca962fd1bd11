import { FILE_CONTENT_SECURITY_POLICY } from '@omega/files';
import express, { RequestHandler } from 'express';
import helmet, { HelmetOptions } from 'helmet';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { HELMET_OPTIONS, recordHelmet, securityHeaders } from './security-headers';

/** Headers of the connection, not of the answer. */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive']);

/** The headers of a real request to an express app with `headers` in front of one small answer. */
async function headersThrough(headers: RequestHandler, path: string, secure = false) {
  const app = express();
  app.set('trust proxy', true);
  app.use(headers);
  app.use((_req, res) => {
    res.send('ok');
  });
  const res = await request(app)
    .get(path)
    .set('X-Forwarded-Proto', secure ? 'https' : 'http');
  expect(res.status).toBe(200);
  return Object.fromEntries(Object.entries(res.headers).filter(([name]) => !TRANSPORT.has(name)));
}

describe('security headers', () => {
  it.each([
    ['pages', '/console/users'],
    ['pages', '/api/v1/dataset/'],
    ['docs', '/api/docs/'],
  ] as const)('replays what helmet sets on a real request: %s at %s', async (kind, path) => {
    const replayed = await headersThrough(securityHeaders(), path);
    const direct = await headersThrough(helmet(HELMET_OPTIONS[kind]), path);
    expect(replayed).toEqual(direct);
    // Express's own header (set before any middleware) is removed by both.
    expect(replayed['x-powered-by']).toBeUndefined();
    expect(replayed['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it("gives the files routes helmet's headers and the sandbox CSP", async () => {
    const path = '/api/v1/file/notes.html';
    const replayed = await headersThrough(securityHeaders(), path);
    const direct = await headersThrough(helmet(HELMET_OPTIONS.files), path);
    expect(direct['content-security-policy']).toBeUndefined();
    expect(replayed).toEqual({ ...direct, 'content-security-policy': FILE_CONTENT_SECURITY_POLICY });
  });

  it('adds HSTS to https requests only', async () => {
    const secure = await headersThrough(securityHeaders(), '/console/', true);
    const plain = await headersThrough(securityHeaders(), '/console/');
    expect(secure['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(plain['strict-transport-security']).toBeUndefined();
    const { ['strict-transport-security']: _hsts, ...rest } = secure;
    expect(rest).toEqual(plain);
  });

  it('fails loudly on a helmet whose headers could differ between requests', () => {
    const withDirective = (value: (...args: unknown[]) => string): HelmetOptions => ({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'self'"], scriptSrc: [value] },
      },
    });
    // A directive computed from the request…
    expect(() =>
      recordHelmet(withDirective((req) => `'self' ${String((req as { url: string }).url)}`)),
    ).toThrow("helmet read the request's url");
    // …or per request without reading it (a nonce).
    expect(() => recordHelmet(withDirective(() => `'nonce-${randomUUID()}'`))).toThrow(
      'helmet answered two requests differently',
    );
    // Static options record as they are.
    expect(recordHelmet(HELMET_OPTIONS.pages)).toContainEqual(['X-Powered-By', undefined]);
  });
});
