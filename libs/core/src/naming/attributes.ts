import { OmegaError, OmegaErrorCode } from '../errors/omega-error';

const MAX_ATTRIBUTE_DEPTH = 8;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * User attributes are stored as they are, so their keys must be safe MongoDB keys: no `$` operators,
 * no dots, no control characters; and no text may hold NUL. Every kind's put goes through here, whether
 * the attributes came as a JSON body or as a multipart form field.
 */
export function assertSafeAttributes(attributes: unknown, depth = 0): void {
  if (depth === 0 && (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))) {
    throw new OmegaError(OmegaErrorCode.InvalidInput, 'attributes must be an object');
  }
  if (depth > MAX_ATTRIBUTE_DEPTH) {
    throw new OmegaError(
      OmegaErrorCode.InvalidInput,
      `attributes nest deeper than ${MAX_ATTRIBUTE_DEPTH} levels`,
    );
  }
  // PostgreSQL (under FerretDB) stores no NUL in text: refused here rather than failing the insert as a 500.
  if (typeof attributes === 'string' && attributes.includes('\u0000')) {
    throw new OmegaError(
      OmegaErrorCode.InvalidInput,
      'attribute values must not hold the NUL character (U+0000)',
    );
  }
  if (Array.isArray(attributes)) {
    for (const item of attributes) {
      if (Array.isArray(item))
        throw new OmegaError(OmegaErrorCode.InvalidInput, 'attributes must not nest arrays in arrays');
      assertSafeAttributes(item, depth + 1);
    }
    return;
  }
  if (typeof attributes !== 'object' || attributes === null) return;
  for (const [key, value] of Object.entries(attributes)) {
    if (
      key.length === 0 ||
      key.length > 200 ||
      key.startsWith('$') ||
      key.includes('.') ||
      CONTROL.test(key)
    ) {
      throw new OmegaError(
        OmegaErrorCode.InvalidInput,
        `attribute key ${JSON.stringify(key.slice(0, 40))} is not allowed (no $ prefix, dots or control characters)`,
      );
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new OmegaError(OmegaErrorCode.InvalidInput, `attribute ${key} must be a finite number`);
    }
    assertSafeAttributes(value, depth + 1);
  }
}
