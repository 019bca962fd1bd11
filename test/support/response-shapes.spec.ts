import { describeViolations, OpenApiDocument, ResponseContract } from './response-shapes';

const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });

const DOCUMENT: OpenApiDocument = {
  paths: {
    '/api/v1/model/{name}': {
      get: { responses: { '200': json({ $ref: '#/components/schemas/ModelDetailDto' }) } },
      delete: { responses: { '200': { content: {} } } },
    },
    '/api/v1/model/{name}/versions': {
      get: { responses: { '200': json({ type: 'array', items: { type: 'string' } }) } },
    },
    '/api/v1/model/{name}/{action}': {
      put: {
        responses: {
          '200': json({
            type: 'object',
            required: ['model', 'result'],
            properties: { model: { type: 'string' } },
          }),
          '202': json({ type: 'object', required: ['task_id'] }),
        },
      },
    },
    '/api/v1/ping': { get: { responses: { '200': { content: {} } } } },
  },
  components: {
    schemas: {
      ModelDetailDto: {
        type: 'object',
        required: ['model', 'result'],
        properties: {
          model: { type: 'string' },
          result: { $ref: '#/components/schemas/ModelResultDto' },
          kind: { type: 'string', enum: ['onnx', 'mljs'] },
        },
      },
      ModelResultDto: {
        type: 'object',
        required: ['name', 'created'],
        properties: {
          name: { type: 'string' },
          created: { type: 'string', format: 'date-time' },
          bucket: { type: 'string', nullable: true },
        },
      },
    },
  },
};

const contract = new ResponseContract(DOCUMENT);

function answer(method: string, path: string, body: unknown, status = 200, contentType = 'application/json') {
  return contract.check({
    method,
    path,
    status,
    contentType,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const DETAIL = { model: 'iris', result: { name: 'iris', created: '2026-12-07T15:00:00.000Z', bucket: null } };

describe('ResponseContract', () => {
  it('passes an answer that fits the declared schema, references and nullable fields resolved', () => {
    expect(answer('GET', '/api/v1/model/iris', DETAIL)).toBeUndefined();
  });

  it('fails a described route whose body does not fit, naming the route, status and field', () => {
    const violation = answer('GET', '/api/v1/model/iris?bucket=b', { model: 'iris', result: { name: 3 } });
    expect(violation).toMatchObject({
      method: 'GET',
      template: '/api/v1/model/{name}',
      path: '/api/v1/model/iris',
      status: 200,
    });
    expect(violation?.errors).toEqual(
      expect.arrayContaining([
        "/result must have required property 'created'",
        '/result/name must be string',
      ]),
    );
    expect(describeViolations([violation!])).toContain(
      'GET /api/v1/model/{name} answered 200 (/api/v1/model/iris)',
    );
  });

  it('checks formats and enums', () => {
    const bad = { ...DETAIL, kind: 'pickle', result: { ...DETAIL.result, created: 'yesterday' } };
    expect(answer('GET', '/api/v1/model/iris', bad)?.errors).toEqual([
      '/result/created must match format "date-time"',
      '/kind must be equal to one of the allowed values (["onnx","mljs"])',
    ]);
  });

  it('fails a 2xx status the operation does not declare', () => {
    expect(answer('GET', '/api/v1/model/iris', DETAIL, 201)?.errors).toEqual([
      'answered 201; the document describes 200',
    ]);
  });

  it('validates each declared status against its own schema', () => {
    expect(answer('PUT', '/api/v1/model/iris/predict', { task_id: 't1' }, 202)).toBeUndefined();
    expect(answer('PUT', '/api/v1/model/iris/predict', { task_id: 't1' }, 200)?.errors).toEqual([
      "the body must have required property 'model'",
      "the body must have required property 'result'",
    ]);
  });

  it('ignores routes the document does not hold or does not describe, errors, and non-JSON answers', () => {
    expect(answer('GET', '/api/v1/unknown', { any: 1 })).toBeUndefined();
    expect(answer('POST', '/api/v1/model/iris', { any: 1 })).toBeUndefined();
    expect(answer('GET', '/api/v1/ping', { any: 1 })).toBeUndefined();
    expect(answer('DELETE', '/api/v1/model/iris', { any: 1 })).toBeUndefined();
    expect(answer('GET', '/api/v1/model/iris', { error: 'not found' }, 404)).toBeUndefined();
    expect(answer('GET', '/api/v1/model/iris', 'a,b\n1,2', 200, 'text/csv')).toBeUndefined();
  });

  it('fails a body that is not JSON under a JSON content type', () => {
    expect(
      answer('GET', '/api/v1/model/iris', '{"model":', 200, 'application/json; charset=utf-8')?.errors,
    ).toEqual(['the body is not valid JSON']);
  });

  it('matches path templates: parameters, literal segments first, names with a raw or encoded /', () => {
    expect(contract.operationFor('GET', '/api/v1/model/iris')?.template).toBe('/api/v1/model/{name}');
    expect(contract.operationFor('GET', '/api/v1/model/iris/')?.template).toBe('/api/v1/model/{name}');
    expect(contract.operationFor('GET', '/api/v1/model/iris/versions')?.template).toBe(
      '/api/v1/model/{name}/versions',
    );
    expect(contract.operationFor('GET', '/api/v1/model/a%2Fb')?.template).toBe('/api/v1/model/{name}');
    expect(contract.operationFor('GET', '/api/v1/model/project/test/iris')?.template).toBe(
      '/api/v1/model/{name}',
    );
    expect(contract.operationFor('GET', '/api/v1/model/project/iris/versions')?.template).toBe(
      '/api/v1/model/{name}/versions',
    );
    expect(contract.operationFor('PUT', '/api/v1/model/project/test/regression/predict')?.template).toBe(
      '/api/v1/model/{name}/{action}',
    );
    expect(contract.operationFor('GET', '/api/v1/model')).toBeUndefined();
    expect(contract.operationFor('GET', '/api/v1/model//versions')?.template).toBeUndefined();
    expect(contract.operationFor('GET', '/api/v2/model/iris')).toBeUndefined();
  });

  it('passes a right answer on a name with a raw / and fails a wrong one', () => {
    expect(answer('GET', '/api/v1/model/project/iris', DETAIL)).toBeUndefined();
    expect(answer('GET', '/api/v1/model/project/iris', { model: 'iris' })?.template).toBe(
      '/api/v1/model/{name}',
    );
  });

  it('reads the committed document', () => {
    const committed = ResponseContract.fromFile();
    expect(committed.operationFor('GET', '/api/v1/model/iris')?.template).toBe('/api/v1/model/{name}');
  });
});
