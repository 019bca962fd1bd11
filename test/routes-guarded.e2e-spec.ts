import request from 'supertest';
import { routesOf } from './support/routes';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Routes anyone may call without credentials, and why. A new public route fails this test until it is
 * added here, knowingly.
 */
const PUBLIC_ROUTES = [
  'GET /api/v1/ping', // liveness for clients (omega-ml's ping), answers a version only
  'GET /health', // readiness probe (Kubernetes), no data
  'GET /health/live', // liveness probe
  'GET /metrics', // Prometheus scrape: method, route template and status labels only
  'POST /api/v1/auth/login', // how a user gets credentials in the first place (rate limited)
  // Swagger UI and the OpenAPI document: the API's description, no tenant data.
  'GET /api/docs',
  'GET /api/docs/',
  'GET /api/docs/openapi.json',
  'GET /api/docs/swagger-ui-init.js',
  'GET /api/docs/docs/swagger-ui-init.js',
  'GET /api/docs/index.html',
  'GET /api/docs/LICENSE',
  'GET /api/docs-yaml',
  // The console's sign-in page, its form post and its stylesheets/scripts (no data).
  'GET /console/login',
  'POST /console/login',
  'GET /console/static/:file',
];

const SAMPLE_PARAMS: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  name: 'sample',
  action: 'predict',
  userid: 'admin',
  tenant: 'default',
};

/**
 * Refused without credentials: 401, or for the console's HTML pages the redirect to its login page (the
 * console's own filter turns the guard's 401 into it).
 */
function refused(path: string, answer: { status: number; headers: Record<string, string> }): boolean {
  if (answer.status === 401) return true;
  return path.startsWith('/console') && answer.status === 302 && answer.headers.location === '/console/login';
}

function concrete(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_match, name: string) => SAMPLE_PARAMS[name] ?? 'sample');
}

describe('every route is guarded', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 without credentials on every route but the listed public ones', async () => {
    const routes = routesOf(t);
    // The walk found the app's routes (not an empty list that would prove nothing).
    expect(routes.length).toBeGreaterThan(40);
    expect(routes).toEqual(expect.arrayContaining([{ method: 'DELETE', path: '/api/v1/admin/keys/:id' }]));
    const open: string[] = [];
    for (const route of routes) {
      const url = concrete(route.path);
      const call = request(t.url)[route.method.toLowerCase() as 'get'](url);
      const answer = route.method === 'GET' || route.method === 'HEAD' ? await call : await call.send({});
      if (!refused(route.path, answer)) {
        open.push(`${route.method} ${route.path}`);
      } else if (answer.status === 401 && route.method !== 'HEAD') {
        expect(answer.body).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'Invalid or missing credentials',
          code: 'UNAUTHENTICATED',
        });
      }
    }
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });
});
