import { TreeOptions } from 'ml-cart';
import { HyperParams, ParamSpecs } from '../params/hyper-params';

/** Tree hyper-parameters shared by CART and the random forests' trees (ml-cart's names). */
export const TREE_PARAMS: ParamSpecs = {
  /** Unlimited when absent, as in ml-cart. */
  maxDepth: { type: 'integer', min: 1, max: 1000 },
  minNumSamples: { type: 'integer', min: 1, max: 1_000_000, default: 3 },
};

/** Minimal gain for a classification split; ml-cart's default. */
export const GAIN_THRESHOLD_PARAM: ParamSpecs = {
  gainThreshold: { type: 'number', min: 0, max: 1, default: 0.01 },
};

/**
 * ml-cart merges options with `Object.assign`, so a key present as `undefined` would erase its default
 * (an undefined maxDepth stops every split); only the parameters actually set are passed.
 */
export function treeOptions(params: HyperParams): TreeOptions {
  const options: Record<string, unknown> = {};
  for (const name of ['maxDepth', 'minNumSamples', 'gainThreshold']) {
    if (params[name] !== undefined) options[name] = params[name];
  }
  return options as TreeOptions;
}
