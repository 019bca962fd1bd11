import { OmegaError } from '@omega/core';
import type { ModelRunRequest } from '@omega/models';
import { validateBody } from '../http/validate-body';
import { MODEL_ACTION_QUERY_KEYS, ModelActionQueryDto, UploadModelFieldsDto } from './model.dto';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_PARAMS = 50;

/** Which kind an uploaded file is when the form does not say. */
const KIND_BY_EXTENSION: Record<string, string> = { '.onnx': 'onnx.model' };

export interface ModelUpload {
  name: string;
  kind: string;
  attributes?: Record<string, unknown>;
  tags?: string[];
}

/** The form fields of a model upload, validated; the kind defaults from the file name's extension. */
export async function parseUploadFields(
  fields: Record<string, string>,
  filename?: string,
): Promise<ModelUpload> {
  const form = await validateBody(UploadModelFieldsDto, fields);
  const extension = filename?.toLowerCase().match(/\.[a-z0-9]+$/)?.[0];
  const kind = form.kind ?? (extension ? KIND_BY_EXTENSION[extension] : undefined);
  if (!kind) throw OmegaError.invalidInput('Say which kind the model is (form field kind, e.g. onnx.model)');
  let attributes: Record<string, unknown> | undefined;
  if (form.attributes !== undefined) {
    try {
      attributes = JSON.parse(form.attributes) as Record<string, unknown>;
    } catch {
      throw OmegaError.invalidInput('attributes must be a JSON object');
    }
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
      throw OmegaError.invalidInput('attributes must be a JSON object');
    }
  }
  const tags = form.tags
    ?.split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  return { name: form.name, kind, attributes, tags };
}

/**
 * A model call from its HTTP parts: X and Y from `?datax=`/`?datay=` or the body (`{columns, data, shape}`
 * is X; `{X, Y}` gives both), the other query parameters as the action's parameters.
 */
export function modelRunRequest(
  options: ModelActionQueryDto,
  query: Record<string, unknown>,
  body: unknown,
  requestId?: string,
): ModelRunRequest {
  const json =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const inlineX = 'X' in json ? json.X : 'data' in json ? columnsAsRows(json) : undefined;
  const x = options.datax ?? inlineX;
  const y = options.datay ?? json.Y;
  if (options.datax !== undefined && inlineX !== undefined) {
    throw OmegaError.invalidInput('Give X either as ?datax= or in the body, not both');
  }
  return {
    x,
    ...(y !== undefined ? { y } : {}),
    kwargs: actionParams(query),
    require: options.require,
    timeoutSeconds: options.timeout,
    requestId,
  };
}

/**
 * omega-ml reshapes `data` given as columns (`{"a": [..], "b": [..]}`) together with `shape`: the columns
 * (in `columns` order) become rows first, so `shape` then applies to the values row by row.
 */
function columnsAsRows(body: Record<string, unknown>): Record<string, unknown> {
  const { data, shape, columns } = body;
  if (shape === undefined || typeof data !== 'object' || data === null || Array.isArray(data)) return body;
  const byName = data as Record<string, unknown>;
  const names = Array.isArray(columns) ? columns.map(String) : Object.keys(byName);
  const values = names.map((name) => {
    const column = byName[name];
    if (!Array.isArray(column)) throw OmegaError.invalidInput(`X column ${name} is missing or not a list`);
    return column;
  });
  const length = values[0]?.length ?? 0;
  if (values.some((column) => column.length !== length)) {
    throw OmegaError.invalidInput('X columns differ in length');
  }
  const rows = Array.from({ length }, (_, i) => values.flatMap((column) => [column[i]].flat(Infinity)));
  // The rows are positional now; `columns` still names the features only when the reshape keeps them.
  const width = Array.isArray(shape) ? (shape as unknown[])[1] : undefined;
  return width === names.length ? { ...body, data: rows } : { shape, data: rows };
}

function actionParams(query: Record<string, unknown>): Record<string, unknown> {
  const entries = Object.entries(query).filter(([key]) => !MODEL_ACTION_QUERY_KEYS.has(key));
  if (entries.length > MAX_PARAMS) throw OmegaError.invalidInput(`At most ${MAX_PARAMS} parameters per call`);
  return Object.fromEntries(
    entries.map(([key, value]) => {
      if (!PARAM_NAME.test(key))
        throw OmegaError.invalidInput(`Parameter name ${JSON.stringify(key)} is not allowed`);
      return [key, Array.isArray(value) ? value.map(coerce) : coerce(value)];
    }),
  );
}

/** Query strings are text; numbers and booleans are what actions expect. */
function coerce(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return Number(value);
  return value;
}
