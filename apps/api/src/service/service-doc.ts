import type { ServiceObject } from './service-calls';
import type { ServiceSignature } from './service-signature';

/**
 * A service's own OpenAPI (Swagger 2.0, as omega-ml's `.../doc` answers) document: its path on both
 * prefixes, the request body as `<name>_X` and the answer as `<name>_result` (or `<name>_Y`) under
 * `definitions`.
 */
export function serviceDocument(
  object: ServiceObject,
  action: string,
  signature: ServiceSignature | undefined,
) {
  const definitions: Record<string, unknown> = {};
  const inputRef = signature?.X ? define(definitions, `${object.name}_X`, signature.X) : undefined;
  const outputKey = signature?.Y ? 'Y' : 'result';
  const output = signature?.Y ?? signature?.result;
  const outputRef = output ? define(definitions, `${object.name}_${outputKey}`, output) : undefined;
  const operation = {
    summary: `${action} of ${object.kind} ${object.name}`,
    operationId: `${object.name}_${action}`.replace(/[^A-Za-z0-9_]/g, '_'),
    consumes: ['application/json'],
    produces: ['application/json'],
    parameters: [{ in: 'body', name: 'body', required: false, schema: inputRef ?? { type: 'object' } }],
    responses: {
      200: { description: 'the result', schema: outputRef ?? {} },
      400: { description: 'the request or the result does not match the signature' },
      404: { description: `no model, script or job ${object.name}` },
    },
  };
  const item = { post: operation, put: operation };
  const paths: Record<string, unknown> = {};
  for (const prefix of ['/api/service', '/api/v1/service']) {
    paths[`${prefix}/${object.name}`] = item;
    paths[`${prefix}/${object.name}/${action}`] = item;
  }
  return {
    swagger: '2.0',
    info: { title: `service ${object.name}`, version: '1.0' },
    securityDefinitions: { ApiKey: { type: 'apiKey', in: 'header', name: 'Authorization' } },
    security: [{ ApiKey: [] }],
    paths,
    definitions,
  };
}

function define(definitions: Record<string, unknown>, name: string, schema: unknown): { $ref: string } {
  definitions[name] = schema;
  return { $ref: `#/definitions/${encodeURIComponent(name)}` };
}
