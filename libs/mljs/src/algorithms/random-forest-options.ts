import { RandomForestBaseOptions } from 'ml-random-forest';
import { OmegaError } from '@omega/core';
import { HyperParams, ParamSpecs } from '../params/hyper-params';
import { TREE_PARAMS, treeOptions } from './tree-options';

/** Hyper-parameters both forests accept (ml-random-forest's names); `replacement` differs by default. */
export const FOREST_PARAMS: ParamSpecs = {
  nEstimators: { type: 'integer', min: 1, max: 1000, default: 50 },
  /** A fraction of the features in (0, 1], or a whole number of features above 1. */
  maxFeatures: { type: 'number', min: 0.001, max: 1000, default: 1 },
  useSampleBagging: { type: 'boolean', default: true },
  /** Fixed by default so that fitting the same data twice gives the same forest. */
  seed: { type: 'integer', min: 0, max: 2 ** 31 - 1, default: 42 },
  ...TREE_PARAMS,
};

export function forestOptions(params: HyperParams, featureCount: number): Partial<RandomForestBaseOptions> {
  const maxFeatures = params.maxFeatures as number;
  checkMaxFeatures(maxFeatures, featureCount);
  return {
    nEstimators: params.nEstimators as number,
    maxFeatures,
    replacement: params.replacement as boolean,
    useSampleBagging: params.useSampleBagging as boolean,
    seed: params.seed as number,
    treeOptions: treeOptions(params),
    // Out-of-bag predictions are not kept in the artifact, so computing them would only cost time.
    noOOB: true,
  };
}

/** ml-random-forest reads 1 as "all features" and only finds a bad count in the middle of training. */
function checkMaxFeatures(maxFeatures: number, featureCount: number): void {
  const count = maxFeatures <= 1 ? Math.floor(featureCount * maxFeatures) : maxFeatures;
  if (!Number.isInteger(count) || count < 1 || count > featureCount) {
    throw OmegaError.invalidInput(
      `maxFeatures ${maxFeatures} does not fit ${featureCount} features: give a fraction in (0, 1] ` +
        `that keeps at least one feature, or a whole number from 2 to ${featureCount}`,
    );
  }
}
