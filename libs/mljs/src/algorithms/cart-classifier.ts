import { DecisionTreeClassifier, DecisionTreeModel } from 'ml-cart';
import { Matrix } from 'ml-matrix';
import { AlgorithmAdapter } from './algorithm-adapter';
import { GAIN_THRESHOLD_PARAM, TREE_PARAMS, treeOptions } from './tree-options';

export const cartClassifier: AlgorithmAdapter = {
  name: 'cart-classifier',
  task: 'classifier',
  library: 'ml-cart',
  params: { ...TREE_PARAMS, ...GAIN_THRESHOLD_PARAM },
  actions: ['predict', 'predict_proba', 'score', 'fit'],

  fit(data, params) {
    const tree = new DecisionTreeClassifier(treeOptions(params));
    tree.train(data.rows, data.targets);
    return { fitted: tree.toJSON() };
  },

  load({ fitted }, _params, classCount) {
    const tree = DecisionTreeClassifier.load(fitted as DecisionTreeModel);
    return {
      predict: (rows) => tree.predict(rows),
      // A leaf keeps the class shares of its training rows, scikit-learn's tree probabilities. Its
      // vector stops at the highest class index seen in the leaf, so it is padded to every class, and
      // divided by its sum so the library's running sum of 1/n does not leave 0.9999999999999992.
      predictProba: (rows) =>
        rows.map((row) => {
          const shares = (tree.root.classify(row) as Matrix).getRow(0);
          const total = shares.reduce((sum, share) => sum + share, 0);
          return Array.from({ length: classCount }, (_, i) => (shares[i] ?? 0) / total);
        }),
    };
  },
};
