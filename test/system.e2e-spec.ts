import { startTestApp, TestApp } from './support/test-app';

describe('system endpoints', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('pings', async () => {
    const response = await t.api.get('/api/v1/ping').expect(200);
    expect(response.body.message).toBe('ping return message');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('reports liveness and readiness with MongoDB', async () => {
    expect((await t.api.get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    const ready = await t.api.get('/health').expect(200);
    expect(ready.body.checks.mongodb.status).toBe('up');
  });

  it('counts requests by route pattern in Prometheus format', async () => {
    await t.api.get('/api/v1/dataset/').expect(200);
    await t.api.get('/api/v1/dataset/some-name').expect(404);
    const metrics = await t.api.get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toMatch(
      /omega_http_requests_total\{method="GET",route="\/api\/v1\/dataset\/:name",status="404"\} 1/,
    );
    expect(metrics.text).toMatch(
      /omega_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/v1\/dataset"/,
    );
    expect(metrics.text).not.toContain('some-name');
  });

  it('serves Swagger UI and the OpenAPI document', async () => {
    const ui = await t.api.get('/api/docs/').expect(200);
    expect(ui.text).toContain('swagger-ui');
    const spec = await t.api.get('/api/docs/openapi.json').expect(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/ping',
        '/api/v1/dataset',
        '/api/v1/dataset/{name}',
        '/api/v1/dataset/{name}/query',
        '/api/v1/file/{name}',
      ]),
    );
  });
});

describe('readiness without MongoDB', () => {
  it('answers 503 while the database is unreachable', async () => {
    const t = await startTestApp({
      config: { mongoUrl: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500' },
    });
    try {
      const response = await t.api.get('/health');
      expect(response.status).toBe(503);
      expect(response.body.checks.mongodb.status).toBe('down');
    } finally {
      await t.app.close();
    }
  });
});
