import { OmegaError } from '@omega/core';

/** The label of the workers every task goes to unless the call or its object requires another. */
export const DEFAULT_LABEL = 'default';

/** A worker label as it names a queue: lowercase letters, digits, `-` and `_`. */
export const WORKER_LABEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The label a run of a stored object goes to: the call's `require`, else the object's
 * `attributes.require`, else `default`. A label that is not one is refused (400), wherever it came from.
 */
export function workerLabel(requested: unknown, attributes?: Record<string, unknown>): string {
  const label = requested ?? attributes?.require ?? DEFAULT_LABEL;
  if (typeof label !== 'string' || !WORKER_LABEL_PATTERN.test(label)) {
    throw OmegaError.invalidInput(
      `Worker label ${JSON.stringify(label)} is not a label (lowercase letters, digits, - and _)`,
    );
  }
  return label;
}
