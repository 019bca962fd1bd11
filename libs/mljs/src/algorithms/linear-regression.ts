import { Matrix, SVD } from 'ml-matrix';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { OmegaError } from '@omega/core';
import { AlgorithmAdapter, Trained, TrainingSet } from './algorithm-adapter';

/**
 * XᵀX and Xᵀy over every row seen (with the constant column when fitting an intercept). Least squares
 * needs nothing else, so a partial fit from these equals a full fit on all the data.
 */
interface NormalEquations {
  xtx: number[][];
  xty: number[];
  rows: number;
}

/** The JSON ml-regression-multivariate-linear writes and loads (its `toJSON` without statistics). */
interface LinearModelJson {
  name: 'multivariateLinearRegression';
  weights: number[][];
  inputs: number;
  outputs: 1;
  intercept: boolean;
}

export const linearRegression: AlgorithmAdapter = {
  name: 'linear-regression',
  task: 'regressor',
  library: 'ml-regression-multivariate-linear',
  params: { intercept: { type: 'boolean', default: true } },
  actions: ['predict', 'score', 'fit', 'partial_fit'],

  fit(data, params) {
    const intercept = params.intercept as boolean;
    // The library's statistics divide by rows − features and fail on small fits; they are not stored.
    const model = new MultivariateLinearRegression(
      data.rows,
      data.targets.map((value) => [value]),
      { intercept, statistics: false },
    );
    return { fitted: model.toJSON(), trainingState: normalEquations(data, intercept) };
  },

  partialFit(previous, data, params) {
    const intercept = params.intercept as boolean;
    const batch = normalEquations(data, intercept);
    const seen = previous ? stateOf(previous, batch.xty.length) : undefined;
    const sums: NormalEquations = seen
      ? {
          xtx: seen.xtx.map((row, i) => row.map((value, j) => value + batch.xtx[i][j])),
          xty: seen.xty.map((value, i) => value + batch.xty[i]),
          rows: seen.rows + batch.rows,
        }
      : batch;
    const fitted: LinearModelJson = {
      name: 'multivariateLinearRegression',
      weights: solve(sums).map((weight) => [weight]),
      inputs: data.rows[0].length,
      outputs: 1,
      intercept,
    };
    return { fitted, trainingState: sums };
  },

  load({ fitted }) {
    const model = MultivariateLinearRegression.load(fitted as MultivariateLinearRegression.MLRModel);
    return { predict: (rows) => model.predict(rows).map((output) => output[0]) };
  },
};

function normalEquations({ rows, targets }: TrainingSet, intercept: boolean): NormalEquations {
  const x = new Matrix(intercept ? rows.map((row) => [...row, 1]) : rows);
  const xt = x.transpose();
  return {
    xtx: xt.mmul(x).to2DArray(),
    xty: xt.mmul(Matrix.columnVector(targets)).getColumn(0),
    rows: rows.length,
  };
}

/** Solved as the library solves it (the SVD inverse of XᵀX), so full and partial fits agree. */
function solve({ xtx, xty }: NormalEquations): number[] {
  return new SVD(new Matrix(xtx)).inverse().mmul(Matrix.columnVector(xty)).getColumn(0);
}

function stateOf(previous: Trained, size: number): NormalEquations {
  const state = previous.trainingState as NormalEquations | undefined;
  if (!state || !Array.isArray(state.xtx) || state.xtx.length !== size || state.xty?.length !== size) {
    throw OmegaError.invalidInput(
      'this linear regression keeps no XᵀX / Xᵀy to continue from; run fit instead',
    );
  }
  return state;
}
