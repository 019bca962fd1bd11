import express, { RequestHandler } from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { HELMET_OPTIONS } from '../apps/api/src/http/security-headers';
import { startTestApp, TestApp } from './support/test-app';

/** The headers of a request to a bare express app with `middleware` (if any) in front of one answer. */
async function bareHeaders(path: string, middleware?: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  if (middleware) app.use(middleware);
  app.use((_req, res) => {
    res.json({ ok: true });
  });
  return (await request(app).get(path).expect(200)).headers as Record<string, string>;
}

/**
 * The API replays helmet's headers recorded at boot rather than running helmet per request: a real request
 * through the app carries exactly what helmet applied directly sets, and nothing it removes.
 */
describe('security headers through the API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a request through the app has the headers helmet sets directly on the same path', async () => {
    const path = '/api/v1/ping';
    const without = await bareHeaders(path);
    const direct = await bareHeaders(path, helmet(HELMET_OPTIONS.pages));
    const set = Object.keys(direct).filter((name) => direct[name] !== without[name]);
    const removed = Object.keys(without).filter((name) => !(name in direct));
    expect(set).toContain('content-security-policy');
    expect(removed).toEqual(['x-powered-by']);

    const answer = await request(t.url).get(path).expect(200);
    const fromApp = Object.fromEntries(set.map((name) => [name, answer.headers[name] as string | undefined]));
    expect(fromApp).toEqual(Object.fromEntries(set.map((name) => [name, direct[name]])));
    for (const name of removed) expect(answer.headers[name]).toBeUndefined();
  });
});
