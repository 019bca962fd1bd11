import { OmegaError } from '@omega/core';

/**
 * The part of JSON Schema a service signature may use: `type`, `properties`, `required`,
 * `additionalProperties`, `items`, `enum`. A signature is checked when it is linked, so a keyword that
 * would silently check nothing is refused then rather than ignored at every call.
 */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  description?: string;
  title?: string;
};

const KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'description',
  'title',
]);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const MAX_DEPTH = 20;

/** Refuses a schema this validator cannot honour, naming where (`X.properties.factor.type`). */
export function assertSupportedSchema(
  schema: unknown,
  where: string,
  depth = 0,
): asserts schema is JsonSchema {
  if (depth > MAX_DEPTH) throw OmegaError.invalidInput(`${where}: schemas nest at most ${MAX_DEPTH} deep`);
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw OmegaError.invalidInput(`${where} must be a JSON Schema object`);
  }
  const s = schema as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!KEYWORDS.has(key)) {
      throw OmegaError.invalidInput(
        `${where}: JSON Schema keyword ${JSON.stringify(key)} is not supported (${[...KEYWORDS].join(', ')})`,
      );
    }
  }
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  for (const type of types) {
    if (typeof type !== 'string' || !TYPES.has(type)) {
      throw OmegaError.invalidInput(`${where}.type: ${JSON.stringify(type)} is not a JSON Schema type`);
    }
  }
  if (s.properties !== undefined) {
    if (typeof s.properties !== 'object' || s.properties === null || Array.isArray(s.properties)) {
      throw OmegaError.invalidInput(`${where}.properties must be an object of schemas`);
    }
    for (const [name, property] of Object.entries(s.properties)) {
      assertSupportedSchema(property, `${where}.properties.${name}`, depth + 1);
    }
  }
  if (
    s.required !== undefined &&
    !(Array.isArray(s.required) && s.required.every((n) => typeof n === 'string'))
  ) {
    throw OmegaError.invalidInput(`${where}.required must be a list of property names`);
  }
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') {
    assertSupportedSchema(s.additionalProperties, `${where}.additionalProperties`, depth + 1);
  }
  if (s.items !== undefined) assertSupportedSchema(s.items, `${where}.items`, depth + 1);
  if (s.enum !== undefined && !Array.isArray(s.enum))
    throw OmegaError.invalidInput(`${where}.enum must be a list`);
}

/** What is wrong with `value` under `schema`, one line per problem naming its field (`factor`, `[0].a`). */
export function schemaErrors(value: unknown, schema: JsonSchema, path = ''): string[] {
  const here = path === '' ? '(the whole value)' : path;
  if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    return [`${here}: must be one of ${JSON.stringify(schema.enum)}`];
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => hasType(value, type))) return [`${here}: must be ${types.join(' or ')}`];
  }
  const errors: string[] = [];
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, index) =>
      errors.push(...schemaErrors(item, schema.items as JsonSchema, `${path}[${index}]`)),
    );
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    for (const name of schema.required ?? []) {
      if (!(name in record)) errors.push(`${join(path, name)}: missing required field`);
    }
    for (const [name, field] of Object.entries(record)) {
      const property = properties[name];
      if (property) errors.push(...schemaErrors(field, property, join(path, name)));
      else if (schema.additionalProperties === false) errors.push(`${join(path, name)}: unknown field`);
      else if (typeof schema.additionalProperties === 'object') {
        errors.push(...schemaErrors(field, schema.additionalProperties, join(path, name)));
      }
    }
  }
  return errors;
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}
