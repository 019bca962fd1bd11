import { RandomForestClassifier } from 'ml-random-forest';
import { AlgorithmAdapter } from './algorithm-adapter';
import { FOREST_PARAMS, forestOptions } from './random-forest-options';
import { GAIN_THRESHOLD_PARAM } from './tree-options';
import { voteShares } from './vote-shares';

export const randomForestClassifier: AlgorithmAdapter = {
  name: 'random-forest-classifier',
  task: 'classifier',
  library: 'ml-random-forest',
  params: { ...FOREST_PARAMS, replacement: { type: 'boolean', default: true }, ...GAIN_THRESHOLD_PARAM },
  actions: ['predict', 'predict_proba', 'score', 'fit'],

  fit(data, params) {
    const forest = new RandomForestClassifier(forestOptions(params, data.rows[0].length));
    forest.train(data.rows, data.targets);
    return { fitted: forest.toJSON() };
  },

  load({ fitted }, _params, classCount) {
    const forest = RandomForestClassifier.load(fitted as ReturnType<RandomForestClassifier['toJSON']>);
    return {
      predict: (rows) => forest.predict(rows),
      // ml-random-forest's own predictProbability seeds its sum with a label, so the shares of the trees'
      // votes are counted here from the per-tree predictions instead.
      predictProba: (rows) =>
        forest
          .predictionValues(rows)
          .to2DArray()
          .map((votes) => voteShares(votes, classCount)),
    };
  },
};
