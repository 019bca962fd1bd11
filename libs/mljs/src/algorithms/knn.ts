import KNN, { KdTreeNodeJson, KnnModel } from 'ml-knn';
import { HyperParams } from '../params/hyper-params';
import { AlgorithmAdapter, TrainingSet } from './algorithm-adapter';
import { voteShares } from './vote-shares';

export const knn: AlgorithmAdapter = {
  name: 'knn',
  task: 'classifier',
  library: 'ml-knn',
  // Without k, ml-knn takes the number of classes + 1.
  params: { k: { type: 'integer', min: 1, max: 1000 } },
  actions: ['predict', 'predict_proba', 'score', 'fit', 'partial_fit'],

  fit(data, params) {
    return { fitted: modelJson(build(data.rows, data.targets, params)) };
  },

  /**
   * A KNN model is its training rows, so adding rows and rebuilding the k-d tree is a full fit on all
   * rows seen. The rows are read back from the stored tree, where each keeps its label as last value.
   */
  partialFit(previous, data: TrainingSet, params) {
    const seen = previous ? treeRows((previous.fitted as KnnModel).kdTree) : [];
    const rows = [...seen.map((point) => point.slice(0, -1)), ...data.rows];
    const labels = [...seen.map((point) => point[point.length - 1]), ...data.targets];
    return { fitted: modelJson(build(rows, labels, params)) };
  },

  load({ fitted }, _params, classCount) {
    const model = KNN.load(fitted as KnnModel);
    return {
      predict: (rows) => model.predict(rows),
      // The neighbours' votes, read from the same k-d tree `predict` searches.
      predictProba: (rows) =>
        rows.map((row) => {
          const votes = model.kdTree.nearest(row, model.k).map(([point]) => point[point.length - 1]);
          return voteShares(votes, classCount);
        }),
    };
  },
};

function build(rows: number[][], labels: number[], params: HyperParams): KNN {
  return new KNN(rows, labels, params.k === undefined ? {} : { k: params.k as number });
}

/** ml-knn's `toJSON()` leaves the k-d tree an object whose own `toJSON()` runs only inside JSON.stringify. */
function modelJson(model: KNN): KnnModel {
  return JSON.parse(JSON.stringify(model)) as KnnModel;
}

function treeRows(node: KdTreeNodeJson | null, into: number[][] = []): number[][] {
  if (!node) return into;
  into.push(node.obj);
  treeRows(node.left, into);
  treeRows(node.right, into);
  return into;
}
