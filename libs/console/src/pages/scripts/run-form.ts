import type { Principal } from '@omega/accounts';
import { OmegaError } from '@omega/core';
import type { RunRequest } from '@omega/scripts';
import type { RunForm } from '../../http/console-forms';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_ARGS = 100;
const MAX_PARAMS = 50;

/**
 * A run as the REST route would make it from the same input: `args` is JSON (an array is the positional
 * arguments, any other value one argument), `kwargs` a JSON object of named parameters, acting for the
 * logged-in user. Bad JSON is a 400 that runs nothing.
 */
export function runRequestOf(form: RunForm, principal: Principal, requestId?: string): RunRequest {
  const value = parseJson(form.args, 'args');
  const args = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (args.length > MAX_ARGS) throw OmegaError.invalidInput(`At most ${MAX_ARGS} arguments per run`);
  const kwargs = parseJson(form.kwargs, 'kwargs') ?? {};
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs))
    throw OmegaError.invalidInput('kwargs must be a JSON object, e.g. {"region": "EU"}');
  const names = Object.keys(kwargs);
  if (names.length > MAX_PARAMS) throw OmegaError.invalidInput(`At most ${MAX_PARAMS} parameters per run`);
  const bad = names.find((name) => !PARAM_NAME.test(name));
  if (bad !== undefined)
    throw OmegaError.invalidInput(`Parameter name ${JSON.stringify(bad)} is not allowed`);
  return {
    args,
    kwargs: kwargs as Record<string, unknown>,
    runAs: { userId: principal.userId, userid: principal.userid },
    requestId,
  };
}

function parseJson(text: string | undefined, field: string): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw OmegaError.invalidInput(`${field} is not valid JSON`);
  }
}
