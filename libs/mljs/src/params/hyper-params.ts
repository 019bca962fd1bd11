import { OmegaError } from '@omega/core';

/** One accepted hyper-parameter. Numbers are bounded so a spec cannot ask for a run that never ends. */
export type ParamSpec =
  | { type: 'integer'; min: number; max: number; default?: number }
  | { type: 'number'; min: number; max: number; default?: number }
  | { type: 'boolean'; default?: boolean }
  | { type: 'enum'; values: readonly string[]; default?: string };

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

export type ParamValue = number | boolean | string;
export type HyperParams = Readonly<Record<string, ParamValue>>;

/**
 * Checks a spec's hyper-parameters and fills in the defaults, so the artifact records what training
 * will really use. Parameters without a default are left out and the library decides (for instance
 * KNN's k, which defaults to the number of classes + 1).
 */
export function validateParams(algorithm: string, specs: ParamSpecs, given: unknown): HyperParams {
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    throw OmegaError.invalidInput(`${algorithm}: hyper-parameters must be an object of name → value`);
  }
  const accepted = Object.keys(specs);
  const params: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries((given ?? {}) as Record<string, unknown>)) {
    const spec = specs[name];
    if (!spec) {
      throw OmegaError.invalidInput(
        `${algorithm}: unknown hyper-parameter "${name}"; accepted: ${accepted.join(', ') || 'none'}`,
      );
    }
    if (value === undefined) continue;
    if (!fits(spec, value)) {
      throw OmegaError.invalidInput(
        `${algorithm}: hyper-parameter "${name}" must be ${expected(spec)}; got ${JSON.stringify(value)}`,
      );
    }
    params[name] = value;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (params[name] === undefined && spec.default !== undefined) params[name] = spec.default;
  }
  return params;
}

function fits(spec: ParamSpec, value: unknown): value is ParamValue {
  switch (spec.type) {
    case 'integer':
      return Number.isInteger(value) && (value as number) >= spec.min && (value as number) <= spec.max;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= spec.min && value <= spec.max;
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value);
  }
}

function expected(spec: ParamSpec): string {
  switch (spec.type) {
    case 'integer':
      return `an integer from ${spec.min} to ${spec.max}`;
    case 'number':
      return `a number from ${spec.min} to ${spec.max}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
}
