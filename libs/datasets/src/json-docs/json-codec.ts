import { escapeKey, OmegaError, unescapeKey } from '@omega/core';
import { NUL_REFUSED } from '../storable-text';

/** Marks an array nested directly in an array; FerretDB stores no nested arrays, so they are wrapped. */
const NESTED_ARRAY_KEY = '~a';
export const MAX_JSON_DEPTH = 64;

/** A JSON value as a storable document value: keys escaped, arrays in arrays wrapped. */
export function encodeJson(value: unknown, depth = 0, inArray = false): unknown {
  if (depth > MAX_JSON_DEPTH)
    throw OmegaError.invalidInput(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) {
    const items = value.map((item) => encodeJson(item, depth + 1, true));
    return inArray ? { [NESTED_ARRAY_KEY]: items } : items;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const encoded: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      encoded[escapeKey(key)] = encodeJson(item, depth + 1, false);
    return encoded;
  }
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw OmegaError.invalidInput(`JSON documents: ${NUL_REFUSED}`);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw OmegaError.invalidInput('JSON documents cannot hold NaN or infinite numbers');
  }
  return value;
}

export function decodeJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeJson);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === NESTED_ARRAY_KEY) return decodeJson(entries[0][1]);
    return Object.fromEntries(entries.map(([key, item]) => [unescapeKey(key), decodeJson(item)]));
  }
  return value;
}
