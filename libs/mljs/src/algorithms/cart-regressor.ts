import { DecisionTreeModel, DecisionTreeRegression } from 'ml-cart';
import { AlgorithmAdapter } from './algorithm-adapter';
import { TREE_PARAMS, treeOptions } from './tree-options';

export const cartRegressor: AlgorithmAdapter = {
  name: 'cart-regressor',
  task: 'regressor',
  library: 'ml-cart',
  params: TREE_PARAMS,
  actions: ['predict', 'score', 'fit'],

  fit(data, params) {
    const tree = new DecisionTreeRegression(treeOptions(params));
    tree.train(data.rows, data.targets);
    return { fitted: tree.toJSON() };
  },

  load({ fitted }) {
    const tree = DecisionTreeRegression.load(fitted as DecisionTreeModel);
    return { predict: (rows) => tree.predict(rows) };
  },
};
