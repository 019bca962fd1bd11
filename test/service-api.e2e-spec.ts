import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

const SCALE = `export function run(om, data) {
  return { scaled: [1, 2, 3].map((v) => v * data.factor) };
}
`;
const INPUT = { type: 'object', properties: { factor: { type: 'number' } }, additionalProperties: false };

/** omega-ml's service API: signatures, validation, the per-service document, and tenants kept apart. */
describe('service API (/api/service, /api/v1/service)', () => {
  let app: TestApp;
  let a: TestPrincipal;
  let b: TestPrincipal;

  beforeAll(async () => {
    app = await startTestApp({ config: { secretKey: randomBytes(32).toString('base64url') } });
    a = await app.createPrincipal({ tenant: 'tenant_a' });
    b = await app.createPrincipal({ tenant: 'tenant_b' });
    await a.api
      .post('/api/v1/script/')
      .field('name', 'tools/scale')
      .attach('file', Buffer.from(SCALE), 'scale.js')
      .expect(201);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('links a signature, checks requests against it (400 naming the field) and documents it', async () => {
    const linked = await a.api
      .put('/api/v1/service/tools%2Fscale/signature')
      .send({ X: INPUT, result: { type: 'object' } })
      .expect(200);
    expect(linked.body).toEqual({
      service: 'tools/scale',
      kind: 'script',
      signature: { X: INPUT, result: { type: 'object' } },
    });
    const ran = await a.api.post('/api/service/tools/scale/run').send({ factor: 2 }).expect(200);
    expect(ran.body).toEqual({ scaled: [2, 4, 6] });
    const refused = await a.api.post('/api/v1/service/tools/scale').send({ factor: 'two' }).expect(400);
    expect(refused.body.message).toBe('ValidationError: invalid input: factor: must be number');
    const unknown = await a.api.put('/api/service/tools/scale').send({ scale: 2 }).expect(400);
    expect(unknown.body.message).toContain('scale: unknown field');
    const doc = await a.api.get('/api/service/tools/scale/doc').expect(200);
    expect(doc.body.swagger).toBe('2.0');
    expect(doc.body.definitions['tools/scale_X']).toEqual(INPUT);
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/service/tools/scale/run');
  });

  it('refuses a signature it cannot honour and keeps the one it had', async () => {
    const bad = await a.api
      .put('/api/v1/service/tools%2Fscale/signature')
      .send({ X: { type: 'object', pattern: '^a' } })
      .expect(400);
    expect(bad.body.message).toContain('"pattern" is not supported');
    await a.api
      .put('/api/v1/service/tools%2Fscale/signature')
      .send({ actions: ['predict'] })
      .expect(400);
    const kept = await a.api.get('/api/v1/service/tools%2Fscale/signature').expect(200);
    expect(kept.body.signature.X).toEqual(INPUT);
  });

  it('answers 404 for what is not there, and never for omega-ml paths of an existing service', async () => {
    await a.api.post('/api/service/nosuch').send({}).expect(404);
    await a.api.get('/api/v1/service/nosuch/doc').expect(404);
    await a.api.post('/api/service/tools/scale/predict').send({ factor: 1 }).expect(400);
  });

  it("keeps tenants apart: tenant B cannot read, link, unlink or call tenant A's service", async () => {
    await b.api.get('/api/v1/service/tools%2Fscale/signature').expect(404);
    await b.api
      .put('/api/v1/service/tools%2Fscale/signature')
      .send({ X: { type: 'object' } })
      .expect(404);
    await b.api.delete('/api/v1/service/tools%2Fscale/signature').expect(404);
    await b.api.post('/api/service/tools/scale/run').send({ factor: 1 }).expect(404);
    await b.api.get('/api/service/tools/scale/doc').expect(404);
    const kept = await a.api.get('/api/v1/service/tools%2Fscale/signature').expect(200);
    expect(kept.body.signature.X).toEqual(INPUT);
    await a.api.delete('/api/v1/service/tools%2Fscale/signature').expect(200);
    expect((await a.api.get('/api/v1/service/tools%2Fscale/signature').expect(200)).body.signature).toEqual(
      {},
    );
  });
});
