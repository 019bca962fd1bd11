import { assertValidName, OmegaError } from '@omega/core';
import { LATEST_TAG, ModelKindMeta, ModelVersion } from './model-version';

const TAG_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_BACK_STEPS = 100;

/**
 * A model as a caller addresses it: `name` (latest), `name@tag`, `name@3` or `name@v3` (a version
 * number), `name^` (the version before latest), `name^^` (two before), and so on.
 */
export interface ModelRef {
  name: string;
  tag?: string;
  version?: number;
  back?: number;
}

export function parseModelRef(text: string): ModelRef {
  if (typeof text !== 'string') throw OmegaError.invalidInput('model reference must be a string');
  const carets = /\^+$/.exec(text);
  if (carets) {
    if (carets[0].length > MAX_BACK_STEPS) throw OmegaError.invalidInput('too many ^ in model reference');
    const name = text.slice(0, -carets[0].length);
    assertValidName(name, 'model name');
    return { name, back: carets[0].length };
  }
  const at = text.lastIndexOf('@');
  if (at < 0) {
    assertValidName(text, 'model name');
    return { name: text };
  }
  const name = text.slice(0, at);
  const selector = text.slice(at + 1);
  assertValidName(name, 'model name');
  const numbered = /^v?(\d{1,9})$/.exec(selector);
  if (numbered) return { name, version: Number(numbered[1]) };
  assertValidTag(selector);
  return { name, tag: selector };
}

export function assertValidTag(tag: unknown): asserts tag is string {
  if (typeof tag !== 'string' || !TAG_PATTERN.test(tag) || /^v\d+$/.test(tag)) {
    throw OmegaError.invalidInput(
      'Invalid tag: 1-64 letters, digits, _ . -, starting with a letter, and not a version number like v3',
    );
  }
}

/** The version a reference points at, or 404 naming what exists. */
export function selectVersion(ref: ModelRef, meta: ModelKindMeta): ModelVersion {
  let number: number | undefined;
  if (ref.version !== undefined) number = ref.version;
  else if (ref.tag !== undefined) number = meta.tags[ref.tag];
  else {
    const ordered = meta.versions.map((entry) => entry.version).sort((a, b) => b - a);
    number = ordered[ref.back ?? 0];
  }
  const found = meta.versions.find((entry) => entry.version === number);
  if (!found) {
    const what = ref.tag
      ? `tag ${ref.tag}`
      : ref.version !== undefined
        ? `version ${ref.version}`
        : `${ref.back} version(s) before ${LATEST_TAG}`;
    throw OmegaError.notFound(`${what} of model ${ref.name}`);
  }
  return found;
}

export function formatRef(name: string, version: number): string {
  return `${name}@${version}`;
}
