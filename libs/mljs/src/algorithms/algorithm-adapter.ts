import { ModelAction } from '@omega/models';
import { HyperParams, ParamSpecs } from '../params/hyper-params';

/** Decides what y means and which score applies: accuracy for classifiers, R² for regressors. */
export type AlgorithmTask = 'classifier' | 'regressor' | 'decomposition' | 'clustering';

/** Checked training data; a classifier's targets are already class indices 0…classCount-1. */
export interface TrainingSet {
  rows: number[][];
  /** Empty for decomposition and clustering, which learn from X alone. */
  targets: number[];
  classCount: number;
}

/** What training leaves behind, stored in the artifact as plain JSON. */
export interface Trained {
  /** The library's own `toJSON()` (for k-means, this lib's centroids). */
  fitted: unknown;
  /** What `partialFit` resumes from beyond the model itself, e.g. linear regression's XᵀX and Xᵀy. */
  trainingState?: unknown;
}

/** A fitted model in memory; rows are checked and in the fitted column order. */
export interface FittedModel {
  /** Class indices for classifiers, values for regressors, cluster ids for clustering. */
  predict?(rows: number[][]): number[];
  /** One column per class index; only where the library's numbers are honest probabilities. */
  predictProba?(rows: number[][]): number[][];
  transform?(rows: number[][]): number[][];
  /** Raw class scores (scikit-learn's `decision_function`): one per class, or one per row for two classes. */
  decisionFunction?(rows: number[][]): Array<number | number[]>;
  /** A score that needs no targets (k-means: negative inertia); supervised scores come from predict. */
  score?(rows: number[][]): number;
  /** Facts for the model description, e.g. PCA's explained variance. */
  details?(): Record<string, unknown>;
}

/**
 * One ml.js algorithm behind the common interface the engine drives. Adapters hold no state: every
 * call gets what it needs, so a loaded model and its artifact cannot drift apart.
 */
export interface AlgorithmAdapter {
  /** The kind's suffix: `random-forest-classifier` for `mljs.random-forest-classifier`. */
  readonly name: string;
  readonly task: AlgorithmTask;
  /** The npm package doing the work, shown in the description. */
  readonly library: string;
  readonly params: ParamSpecs;
  /** The actions of a fitted model, in the order a description lists them. */
  readonly actions: readonly ModelAction[];
  fit(data: TrainingSet, params: HyperParams): Trained;
  /** Present only where continuing is honest: the result equals (or is defined as) training on all rows seen. */
  partialFit?(previous: Trained | undefined, data: TrainingSet, params: HyperParams): Trained;
  /** Restores a model; `classCount` lets probabilities have a column for every class. */
  load(trained: Trained, params: HyperParams, classCount: number): FittedModel;
}
