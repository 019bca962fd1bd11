import type { MetadataRecord } from '@omega/core';

/**
 * omega-ml's model detail (`{model, result: {name, kind, created, modified, bucket}}`) over our Metadata:
 * the Metadata's own fields stay at the top so our clients read what they always read.
 */
export function modelDetail(meta: MetadataRecord) {
  return {
    ...meta,
    model: meta.name,
    result: {
      name: meta.name,
      kind: meta.kind,
      created: meta.created,
      modified: meta.modified,
      bucket: meta.bucket,
      attributes: meta.attributes,
    },
  };
}

/** What a model action answers, synchronously and (under `response`) as an async task's result. */
export function modelActionAnswer(reference: string, result: unknown) {
  return { model: reference, result, resource_uri: reference };
}

/**
 * omega-ml's model actions of generative models, which no engine here provides: a clear 400, never a 404
 * for omega-ml's path. (`decision_function` is a model action: a model whose kind has none answers 400.)
 */
export const UNSUPPORTED_MODEL_ACTIONS = new Set(['complete', 'embed']);
