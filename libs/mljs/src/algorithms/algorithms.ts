import { OmegaError } from '@omega/core';
import { AlgorithmAdapter } from './algorithm-adapter';
import { cartClassifier } from './cart-classifier';
import { cartRegressor } from './cart-regressor';
import { kmeans } from './kmeans/kmeans';
import { knn } from './knn';
import { linearRegression } from './linear-regression';
import { logisticRegression } from './logistic-regression';
import { pca } from './pca';
import { randomForestClassifier } from './random-forest-classifier';
import { randomForestRegressor } from './random-forest-regressor';

export const MLJS_KIND_PREFIX = 'mljs.';

/** Every algorithm this lib trains, by the name that follows `mljs.` in its kind. */
const ADAPTERS: ReadonlyMap<string, AlgorithmAdapter> = new Map(
  [
    randomForestClassifier,
    randomForestRegressor,
    cartClassifier,
    cartRegressor,
    linearRegression,
    logisticRegression,
    knn,
    pca,
    kmeans,
  ].map((adapter) => [adapter.name, adapter]),
);

export const MLJS_ALGORITHMS: readonly string[] = [...ADAPTERS.keys()];

/** One storage kind per algorithm, so a model's kind says what it is: `mljs.knn`. */
export const MLJS_KINDS: readonly string[] = MLJS_ALGORITHMS.map(kindOf);

export function kindOf(algorithm: string): string {
  return `${MLJS_KIND_PREFIX}${algorithm}`;
}

/** The adapter of an algorithm named by its suffix (`knn`) or its full kind (`mljs.knn`). */
export function adapterFor(algorithm: unknown): AlgorithmAdapter {
  const name =
    typeof algorithm === 'string' && algorithm.startsWith(MLJS_KIND_PREFIX)
      ? algorithm.slice(MLJS_KIND_PREFIX.length)
      : algorithm;
  const adapter = typeof name === 'string' ? ADAPTERS.get(name) : undefined;
  if (!adapter) {
    throw OmegaError.invalidInput(
      `Unknown ml.js algorithm ${JSON.stringify(algorithm)}; known: ${MLJS_ALGORITHMS.join(', ')}`,
    );
  }
  return adapter;
}
