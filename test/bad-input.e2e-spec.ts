import { Controller, Get } from '@nestjs/common';
import { TenantContext } from '@omega/core';
import { startTestApp, TestApp } from './support/test-app';

/** A route that fails the way a bug would: the answer must hide the details. */
@Controller('test-only')
class ExplodingController {
  @Get('boom')
  boom(): never {
    throw new Error('secret connection string mongodb://admin:hunter2@db');
  }
}

describe('bad input gets a clear 4xx and changes nothing', () => {
  let t: TestApp;
  const ctx = TenantContext.of('default');

  beforeAll(async () => {
    t = await startTestApp({
      config: { maxJsonBytes: 64 * 1024 },
      extra: { controllers: [ExplodingController] },
    });
    await t.api
      .put('/api/v1/dataset/kept')
      .send({ data: [{ a: 1 }] })
      .expect(200);
  });
  afterAll(() => t.close());

  /** After every bad request the store holds exactly what it held before. */
  async function expectNothingWritten(): Promise<void> {
    const { items } = await t.stores.datasets.list(ctx);
    expect(items.map((item) => item.name)).toEqual(['kept']);
    expect((await t.api.get('/api/v1/dataset/kept?orient=records')).body).toEqual([{ a: 1 }]);
    expect((await t.stores.files.list(ctx)).total).toBe(0);
  }

  it('rejects malformed JSON', async () => {
    const response = await t.api
      .put('/api/v1/dataset/new')
      .set('Content-Type', 'application/json')
      .send('{"data": [');
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The request body is not valid JSON',
      code: 'MALFORMED_BODY',
    });
    await expectNothingWritten();
  });

  it.each([
    ['unknown operator', 'a__like=1', 'unknown filter operator "like"'],
    ['unknown column', 'nope=1', 'unknown column "nope"'],
    ['wrongly typed value', 'a__gt=abc', '"abc" is not a number'],
    ['string op on a number', 'a__contains=1', 'needs a string column'],
    ['bad limit', 'limit=-1', 'limit must be an integer'],
    ['bad orient', 'orient=split', 'orient must be dict or records'],
  ])('rejects a %s in filters', async (_what, query, message) => {
    const response = await t.api.get(`/api/v1/dataset/kept?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.message).toContain(message);
  });

  it.each([
    ['$x', 'must not start with $'],
    ['a..b', 'must not contain ..'],
    ['a%01b', 'control characters'],
    ['a%00b', 'control characters'],
    ['x'.repeat(1024), 'at most 200 characters'],
  ])('rejects the name %s for datasets and files', async (name, message) => {
    const dataset = await t.api.put(`/api/v1/dataset/${name}`).send({ data: [{ a: 1 }] });
    expect(dataset.status).toBe(400);
    expect(dataset.body).toMatchObject({ code: 'INVALID_NAME' });
    expect(dataset.body.message).toContain(message);
    const file = await t.api.put(`/api/v1/file/${name}`).set('Content-Type', 'text/plain').send('bytes');
    expect(file.status).toBe(400);
    await expectNothingWritten();
  });

  it('rejects a bad bucket header', async () => {
    const response = await t.api.get('/api/v1/dataset/').set('Bucket', '$where');
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('Invalid bucket');
  });

  it('rejects a content type it cannot read', async () => {
    const response = await t.api
      .put('/api/v1/dataset/new')
      .set('Content-Type', 'application/xml')
      .send('<a/>');
    expect(response.status).toBe(415);
    expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const accept = await t.api.get('/api/v1/dataset/kept').set('Accept', 'image/png');
    expect(accept.status).toBe(406);
    await expectNothingWritten();
  });

  it('rejects an oversize JSON body with 413', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ value: i, padding: 'x'.repeat(20) }));
    const response = await t.api.put('/api/v1/dataset/big').send({ data: rows });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
    await expectNothingWritten();
  });

  it('rejects unknown properties, operators in keys and values of the wrong shape', async () => {
    const extra = await t.api.put('/api/v1/dataset/new').send({ data: [{ a: 1 }], $where: 'sleep(1000)' });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toContain('property $where should not exist');
    const attributes = await t.api
      .put('/api/v1/dataset/new')
      .send({ data: [{ a: 1 }], attributes: { $set: 1 } });
    expect(attributes.status).toBe(400);
    const mixed = await t.api.put('/api/v1/dataset/new').send({ data: [{ a: 1 }, { a: 'one' }] });
    expect(mixed.status).toBe(400);
    expect(mixed.body.message).toContain('expected integer, got string');
    const dtype = await t.api
      .put('/api/v1/dataset/new')
      .send({ data: [{ a: 1 }], dtypes: { a: 'complex128' } });
    expect(dtype.status).toBe(400);
    const injection = await t.api.post('/api/v1/dataset/kept/query').send({ filter: { a: { $gt: 0 } } });
    expect(injection.status).toBe(400);
    const agg = await t.api.post('/api/v1/dataset/kept/query').send({ agg: { a: 'median' } });
    expect(agg.status).toBe(400);
    expect(agg.body.message).toContain('unknown aggregate "median"');
    await expectNothingWritten();
  });

  it('answers unexpected errors with 500 and an error id, never the details', async () => {
    const response = await t.api.get('/test-only/boom');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      code: 'INTERNAL',
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      message: expect.stringContaining(response.body.errorId),
    });
    expect(JSON.stringify(response.body)).not.toMatch(/hunter2|secret|stack|\.ts:/);
  });

  it('answers unknown routes with the same error shape', async () => {
    const response = await t.api.get('/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND' });
  });
});
