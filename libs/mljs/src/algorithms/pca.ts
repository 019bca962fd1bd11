import { PCA, PCAModel } from 'ml-pca';
import { OmegaError } from '@omega/core';
import { AlgorithmAdapter } from './algorithm-adapter';

export const pca: AlgorithmAdapter = {
  name: 'pca',
  task: 'decomposition',
  library: 'ml-pca',
  params: {
    center: { type: 'boolean', default: true },
    scale: { type: 'boolean', default: false },
    /** Components `transform` keeps; all of them when absent. */
    nComponents: { type: 'integer', min: 1, max: 1000 },
  },
  actions: ['transform', 'fit'],

  fit(data, params) {
    const features = data.rows[0].length;
    if (params.nComponents !== undefined && (params.nComponents as number) > features) {
      throw OmegaError.invalidInput(
        `pca: nComponents ${params.nComponents} exceeds the ${features} features of X`,
      );
    }
    const model = new PCA(data.rows, { center: params.center as boolean, scale: params.scale as boolean });
    return { fitted: model.toJSON() };
  },

  load({ fitted }, params) {
    const model = PCA.load(fitted as PCAModel);
    const options = params.nComponents === undefined ? {} : { nComponents: params.nComponents as number };
    return {
      transform: (rows) => model.predict(rows, options).to2DArray(),
      details: () => ({ explainedVariance: model.getExplainedVariance() }),
    };
  },
};
