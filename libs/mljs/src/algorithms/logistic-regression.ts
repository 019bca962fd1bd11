import { Matrix } from 'ml-matrix';
import LogisticRegression from 'ml-logistic-regression';
import { AlgorithmAdapter } from './algorithm-adapter';

export const logisticRegression: AlgorithmAdapter = {
  name: 'logistic-regression',
  task: 'classifier',
  library: 'ml-logistic-regression',
  params: {
    // Plain gradient descent on the summed gradient: cost grows with numSteps × rows, hence the bound.
    numSteps: { type: 'integer', min: 1, max: 200_000, default: 50_000 },
    learningRate: { type: 'number', min: 1e-9, max: 1, default: 5e-4 },
    intercept: { type: 'boolean', default: true },
  },
  actions: ['predict', 'predict_proba', 'score', 'fit', 'decision_function'],

  fit(data, params) {
    const model = new LogisticRegression({
      numSteps: params.numSteps as number,
      learningRate: params.learningRate as number,
    });
    model.train(design(data.rows, params.intercept as boolean), Matrix.columnVector(data.targets));
    return { fitted: model.toJSON() };
  },

  load({ fitted }, params, classCount) {
    const model = LogisticRegression.load(fitted as ReturnType<LogisticRegression['toJSON']>);
    const intercept = params.intercept as boolean;
    return {
      predict: (rows) => model.predict(design(rows, intercept)),
      predictProba: (rows) => oneVsRestProbabilities(model, design(rows, intercept), classCount),
      decisionFunction: (rows) => oneVsRestScores(model, design(rows, intercept), classCount),
    };
  },
};

/** ml-logistic-regression fits no bias term; a constant column gives it one, as scikit-learn's `fit_intercept`. */
function design(rows: number[][], intercept: boolean): Matrix {
  return new Matrix(intercept ? rows.map((row) => [...row, 1]) : rows);
}

/**
 * The linear score of each class, `x · w` of its one-vs-rest model, as scikit-learn's `decision_function`:
 * a row of class scores, or for two classes the second class's score alone (positive: the second class).
 * The library's model j scores "not class j", so class j's score is its negation.
 */
function oneVsRestScores(model: LogisticRegression, x: Matrix, classCount: number): Array<number | number[]> {
  const notClass = model.classifiers.map((classifier) => x.mmul(classifier.weights.transpose()).to1DArray());
  const rows = Array.from({ length: x.rows }, (_, i) =>
    Array.from({ length: classCount }, (_, j) => (notClass[j] ? -notClass[j][i] : 0)),
  );
  return classCount === 2 ? rows.map((scores) => scores[1]) : rows;
}

/**
 * Each one-vs-rest model gives P(class); they are normalised to sum to 1, as scikit-learn does for
 * `multi_class='ovr'`. The library trains model j with class j as 0 and the rest as 1, so its sigmoid
 * is P(not j).
 */
function oneVsRestProbabilities(model: LogisticRegression, x: Matrix, classCount: number): number[][] {
  const notClass = model.classifiers.map((classifier) => classifier.testScores(x));
  return Array.from({ length: x.rows }, (_, i) => {
    const scores = Array.from({ length: classCount }, (_, j) => (notClass[j] ? 1 - notClass[j][i] : 0));
    const total = scores.reduce((sum, score) => sum + score, 0);
    return scores.map((score) => (total > 0 ? score / total : 1 / classCount));
  });
}
