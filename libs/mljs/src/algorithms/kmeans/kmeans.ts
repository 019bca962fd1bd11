import { OmegaError } from '@omega/core';
import { HyperParams } from '../../params/hyper-params';
import { AlgorithmAdapter, Trained } from '../algorithm-adapter';
import { kmeansPlusPlus, nearest, squaredDistance, updateCentroids } from './centroids';
import { seededRandom } from './seeded-random';

interface KMeansModel {
  centroids: number[][];
}

/** Rows assigned to each centroid so far: what a mini-batch update weighs the old centroid by. */
interface ClusterSizes {
  counts: number[];
}

/**
 * Lloyd's k-means with k-means++ seeding, written here because ml-kmeans 7 ships as an ES module only:
 * Jest cannot load it into this CommonJS project on Node 20, so the code it would run could not be tested.
 */
export const kmeans: AlgorithmAdapter = {
  name: 'kmeans',
  task: 'clustering',
  library: 'built-in (Lloyd, k-means++)',
  params: {
    k: { type: 'integer', min: 1, max: 1000, default: 8 },
    maxIterations: { type: 'integer', min: 1, max: 10_000, default: 100 },
    /** Training stops when no centroid moves more than this (squared distance), as in ml-kmeans. */
    tolerance: { type: 'number', min: 0, max: 1, default: 1e-6 },
    seed: { type: 'integer', min: 0, max: 2 ** 31 - 1, default: 42 },
  },
  actions: ['predict', 'transform', 'score', 'fit', 'partial_fit'],

  fit({ rows }, params) {
    let centroids = seed(rows, params);
    let counts: number[] = [];
    for (let iteration = 0; iteration < (params.maxIterations as number); iteration++) {
      const next = updateCentroids(rows, centroids, new Array<number>(centroids.length).fill(0));
      const moved = Math.max(...next.centroids.map((centroid, c) => squaredDistance(centroid, centroids[c])));
      ({ centroids, counts } = next);
      if (moved <= (params.tolerance as number)) break;
    }
    return trained(centroids, counts);
  },

  partialFit(previous, { rows }, params) {
    const { centroids, counts } = previous
      ? resume(previous)
      : { centroids: seed(rows, params), counts: new Array<number>(params.k as number).fill(0) };
    const next = updateCentroids(rows, centroids, counts);
    return trained(next.centroids, next.counts);
  },

  load({ fitted }) {
    const { centroids } = fitted as KMeansModel;
    if (!Array.isArray(centroids) || centroids.length === 0) throw new Error('kmeans: no centroids');
    return {
      predict: (rows) => rows.map((row) => nearest(row, centroids).index),
      transform: (rows) =>
        rows.map((row) => centroids.map((centroid) => Math.sqrt(squaredDistance(row, centroid)))),
      // scikit-learn's KMeans.score: the negative inertia (sum of squared distances to the nearest centroid).
      score: (rows) => -rows.reduce((sum, row) => sum + nearest(row, centroids).distance, 0),
    };
  },
};

function seed(rows: number[][], params: HyperParams): number[][] {
  const k = params.k as number;
  if (rows.length < k)
    throw OmegaError.invalidInput(`kmeans with k=${k} needs at least ${k} rows; X has ${rows.length}`);
  return kmeansPlusPlus(rows, k, seededRandom(params.seed as number));
}

function trained(centroids: number[][], counts: number[]): Trained {
  const fitted: KMeansModel = { centroids };
  const trainingState: ClusterSizes = { counts };
  return { fitted, trainingState };
}

function resume(previous: Trained): { centroids: number[][]; counts: number[] } {
  const { centroids } = previous.fitted as KMeansModel;
  const counts = (previous.trainingState as ClusterSizes | undefined)?.counts;
  if (!Array.isArray(counts) || counts.length !== centroids.length) {
    throw OmegaError.invalidInput(
      'this kmeans model keeps no cluster sizes to continue from; run fit instead',
    );
  }
  return { centroids, counts };
}
