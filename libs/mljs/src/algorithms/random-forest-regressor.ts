import { RandomForestRegression } from 'ml-random-forest';
import { AlgorithmAdapter } from './algorithm-adapter';
import { FOREST_PARAMS, forestOptions } from './random-forest-options';

export const randomForestRegressor: AlgorithmAdapter = {
  name: 'random-forest-regressor',
  task: 'regressor',
  library: 'ml-random-forest',
  params: {
    ...FOREST_PARAMS,
    replacement: { type: 'boolean', default: false },
    selectionMethod: { type: 'enum', values: ['mean', 'median'], default: 'mean' },
  },
  actions: ['predict', 'score', 'fit'],

  fit(data, params) {
    const forest = new RandomForestRegression({
      ...forestOptions(params, data.rows[0].length),
      selectionMethod: params.selectionMethod as 'mean' | 'median',
    });
    forest.train(data.rows, data.targets);
    return { fitted: forest.toJSON() };
  },

  load({ fitted }) {
    const forest = RandomForestRegression.load(fitted as ReturnType<RandomForestRegression['toJSON']>);
    return { predict: (rows) => forest.predict(rows) };
  },
};
