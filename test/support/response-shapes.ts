import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { NextFunction, Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The committed OpenAPI document the SDK's types are generated from (`npm run openapi`). */
export const OPENAPI_DOCUMENT = join(
  __dirname,
  '..',
  '..',
  'libs',
  'client',
  'src',
  'generated',
  'openapi.json',
);

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
/** Larger answers are not buffered for the check (none of the described ones comes near it). */
const MAX_CHECKED_BYTES = 8 * 1024 * 1024;
const EXCERPT_CHARS = 300;
const REF_PREFIX = '#/components/schemas/';
const COMPONENTS_ID = 'openapi-components';

type Schema = Record<string, unknown>;

interface MediaObject {
  schema?: Schema;
}

interface OperationObject {
  responses?: Record<string, { content?: Record<string, MediaObject> }>;
}

export interface OpenApiDocument {
  paths?: Record<string, Partial<Record<Method, OperationObject>>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One answer whose body or status the document does not describe. */
export interface ShapeViolation {
  method: string;
  /** The document's path template (`/api/v1/model/{name}`). */
  template: string;
  /** The requested path (`/api/v1/model/iris`). */
  path: string;
  status: number;
  errors: string[];
  body: string;
}

interface Template {
  path: string;
  segments: { literal?: string }[];
  literals: number;
  operations: Partial<Record<Method, OperationObject>>;
}

/**
 * The document's answer to "what may this route answer": finds the operation of a request (method and raw
 * path matched against the path templates; a `{param}` takes one segment, or several when no template
 * matches otherwise, since names may hold a raw `/`) and validates a JSON body against the schema the
 * operation declares for the answered 2xx status. Routes whose operation declares no 2xx schema are not
 * described yet (libs/client/src/types.spec.ts counts them) and are not checked.
 */
export class ResponseContract {
  private readonly templates: Template[];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction | Error>();

  constructor(document: OpenApiDocument) {
    this.templates = Object.entries(document.paths ?? {}).map(([path, operations]) => {
      const segments = path
        .split('/')
        .slice(1)
        .map((segment) => (/^\{[^}]+\}$/.test(segment) ? {} : { literal: segment }));
      return { path, segments, literals: segments.filter((segment) => segment.literal).length, operations };
    });
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    const schemas = document.components?.schemas ?? {};
    this.ajv.addSchema(
      { $id: COMPONENTS_ID, definitions: toJsonSchema(schemas) as Record<string, unknown> },
      COMPONENTS_ID,
    );
  }

  static fromFile(file = OPENAPI_DOCUMENT): ResponseContract {
    return new ResponseContract(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument);
  }

  /** The template and operation of a request, or undefined when the document has no such route. */
  operationFor(
    method: string,
    rawPath: string,
  ): { template: string; operation: OperationObject } | undefined {
    const verb = method.toLowerCase() as Method;
    const segments = pathSegments(rawPath);
    const candidates = this.templates.filter((template) => template.operations[verb]);
    for (const spanning of [false, true]) {
      const matched = candidates
        .filter((template) => matches(template.segments, segments, spanning))
        .sort((a, b) => b.literals - a.literals);
      if (matched.length > 0) return { template: matched[0].path, operation: matched[0].operations[verb]! };
    }
    return undefined;
  }

  /**
   * Checks one answer. Undefined when it is fine or not checked: not a 2xx JSON answer, a route the
   * document does not hold, or an operation that declares no 2xx schema yet.
   */
  check(answer: {
    method: string;
    path: string;
    status: number;
    contentType?: string;
    body: string;
  }): ShapeViolation | undefined {
    if (answer.status < 200 || answer.status > 299 || !isJson(answer.contentType)) return undefined;
    const found = this.operationFor(answer.method, answer.path);
    if (!found) return undefined;
    const described = Object.entries(found.operation.responses ?? {}).filter(
      ([status, response]) => status.startsWith('2') && jsonSchemaOf(response.content),
    );
    if (described.length === 0) return undefined;
    const violation = (errors: string[]): ShapeViolation => ({
      method: answer.method.toUpperCase(),
      template: found.template,
      path: answer.path.split('?')[0],
      status: answer.status,
      errors,
      body: excerpt(answer.body),
    });
    const declared = described.find(
      ([status]) => status === String(answer.status) || status === '2XX' || status === 'default',
    );
    if (!declared) {
      return violation([
        `answered ${answer.status}; the document describes ${described.map(([status]) => status).join(', ')}`,
      ]);
    }
    let body: unknown;
    try {
      body = answer.body === '' ? undefined : JSON.parse(answer.body);
    } catch {
      return violation(['the body is not valid JSON']);
    }
    const validate = this.validator(
      `${answer.method} ${found.template} ${declared[0]}`,
      jsonSchemaOf(declared[1].content)!,
    );
    if (validate instanceof Error)
      return violation([`the declared schema does not compile: ${validate.message}`]);
    if (validate(body)) return undefined;
    return violation((validate.errors ?? []).map(describeError));
  }

  private validator(key: string, schema: Schema): ValidateFunction | Error {
    let validate = this.validators.get(key);
    if (!validate) {
      try {
        validate = this.ajv.compile(toJsonSchema(schema) as Schema);
      } catch (error) {
        validate = error as Error;
      }
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/**
 * Express middleware that buffers every answer's body and checks it against the contract when it is sent;
 * what does not match is collected in `violations` (the test app throws them when it closes).
 */
export function responseRecorder(contract: ResponseContract) {
  const violations: ShapeViolation[] = [];
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const keep = (chunk: unknown, encoding: unknown): void => {
      if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer = Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk)
            : undefined;
      if (!buffer) return;
      size += buffer.length;
      if (size > MAX_CHECKED_BYTES) {
        overflow = true;
        chunks.length = 0;
      } else chunks.push(buffer);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as Response['write'];
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return end(...args);
    }) as Response['end'];
    const method = req.method;
    const path = req.originalUrl ?? req.url;
    res.once('finish', () => {
      if (overflow || method === 'HEAD') return;
      const contentType = res.getHeader('content-type');
      const violation = contract.check({
        method,
        path,
        status: res.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (violation) violations.push(violation);
    });
    next();
  };
  return { middleware, violations };
}

/** A readable report of the violations, one block per route, status and set of errors. */
export function describeViolations(violations: ShapeViolation[]): string {
  const groups = new Map<string, { first: ShapeViolation; count: number }>();
  for (const violation of violations) {
    const key = `${violation.method} ${violation.template} ${violation.status} ${violation.errors.join('|')}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { first: violation, count: 1 });
  }
  const blocks = [...groups.values()].map(({ first, count }) =>
    [
      `${first.method} ${first.template} answered ${first.status}` +
        ` (${count === 1 ? first.path : `${count} times, first ${first.path}`}):`,
      ...first.errors.slice(0, 10).map((error) => `    ${error}`),
      ...(first.errors.length > 10 ? [`    … and ${first.errors.length - 10} more`] : []),
      `    body: ${first.body}`,
    ].join('\n'),
  );
  return (
    `${violations.length} answer(s) have a shape the OpenAPI document (libs/client/src/generated/openapi.json) ` +
    'does not describe. Fix the response DTO / @ApiOkResponse declaration (then `npm run openapi`) or the ' +
    `answer:\n\n${blocks.join('\n\n')}`
  );
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the body' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  const detail =
    error.keyword === 'enum'
      ? ` (${JSON.stringify(params.allowedValues)})`
      : error.keyword === 'additionalProperties'
        ? ` (${String(params.additionalProperty)})`
        : '';
  return `${where} ${error.message ?? error.keyword}${detail}`;
}

function pathSegments(rawPath: string): string[] {
  const pathname = rawPath.split('?')[0];
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return trimmed.split('/').slice(1);
}

/** Whether the path's segments fit the template; with `spanning`, a parameter may take several segments. */
function matches(template: { literal?: string }[], segments: string[], spanning: boolean): boolean {
  if (template.length === 0) return segments.length === 0;
  const [head, ...rest] = template;
  if (segments.length === 0) return false;
  if (head.literal !== undefined)
    return head.literal === segments[0] && matches(rest, segments.slice(1), spanning);
  if (segments[0] === '') return false;
  const most = spanning ? segments.length - rest.length : 1;
  for (let taken = 1; taken <= most; taken += 1) {
    if (segments.slice(0, taken).includes('')) return false;
    if (matches(rest, segments.slice(taken), spanning)) return true;
  }
  return false;
}

function jsonSchemaOf(content: Record<string, MediaObject> | undefined): Schema | undefined {
  const entry = Object.entries(content ?? {}).find(([type, media]) => isJson(type) && media.schema);
  return entry?.[1].schema;
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ');
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}… (${body.length} chars)` : flat;
}

/**
 * OpenAPI 3.0 schema objects as JSON Schema: `nullable: true` becomes a union with null, and references to
 * components point into the components schema registered with ajv.
 */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (key === '$ref' && typeof item === 'string' && item.startsWith(REF_PREFIX)) {
      out.$ref = `${COMPONENTS_ID}#/definitions/${item.slice(REF_PREFIX.length)}`;
    } else if (key !== 'nullable') out[key] = toJsonSchema(item);
  }
  if ((value as Record<string, unknown>).nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}
