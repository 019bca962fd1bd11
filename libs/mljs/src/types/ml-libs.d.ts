/**
 * Declarations for the ml.js packages that ship without types, limited to what the adapters use.
 * Shapes follow each package's source (ml-cart 2.1, ml-knn 3.0, ml-logistic-regression 2.0).
 */

declare module 'ml-cart' {
  import { Matrix } from 'ml-matrix';

  export interface TreeOptions {
    gainFunction?: 'gini' | 'regression';
    splitFunction?: 'mean';
    minNumSamples?: number;
    maxDepth?: number;
    gainThreshold?: number;
  }

  /** A trained node: inner nodes split, leaves hold a class distribution (classifier) or a mean. */
  export interface TreeNode {
    classify(row: number[]): Matrix | number;
  }

  export interface DecisionTreeModel {
    name: 'DTClassifier' | 'DTRegression';
    options: TreeOptions;
    root: unknown;
  }

  export class DecisionTreeClassifier {
    constructor(options?: TreeOptions);
    root: TreeNode;
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    toJSON(): DecisionTreeModel;
    static load(model: DecisionTreeModel): DecisionTreeClassifier;
  }

  export class DecisionTreeRegression {
    constructor(options?: TreeOptions);
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    toJSON(): DecisionTreeModel;
    static load(model: DecisionTreeModel): DecisionTreeRegression;
  }
}

declare module 'ml-knn' {
  /** A k-d tree node as `toJSON()` writes it; `obj` is the training row with its label appended. */
  export interface KdTreeNodeJson {
    obj: number[];
    left: KdTreeNodeJson | null;
    right: KdTreeNodeJson | null;
    dimension: number;
  }

  export interface KnnModel {
    name: 'KNN';
    kdTree: KdTreeNodeJson & { dimensions: number[] };
    k: number;
    classes: number[];
    isEuclidean: boolean;
  }

  class KNN {
    constructor(dataset: number[][], labels: number[], options?: { k?: number });
    readonly k: number;
    /** Answers `[row with label appended, distance]` for the nearest training rows. */
    readonly kdTree: { nearest(point: number[], maxNodes: number): Array<[number[], number]> };
    predict(dataset: number[][]): number[];
    toJSON(): KnnModel;
    static load(model: KnnModel): KNN;
  }

  export = KNN;
}

declare module 'ml-logistic-regression' {
  import { Matrix } from 'ml-matrix';

  interface LogisticRegressionModel {
    name: 'LogisticRegression';
    numSteps: number;
    learningRate: number;
    numberClasses: number;
    classifiers: unknown[];
  }

  class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    readonly numberClasses: number;
    /**
     * One-vs-rest models; `testScores` is the sigmoid of the score for "not this class", the score being
     * `x · weights` (weights a 1 × features matrix).
     */
    readonly classifiers: Array<{ testScores(x: Matrix): number[]; weights: Matrix }>;
    train(x: Matrix, y: Matrix): void;
    predict(x: Matrix): number[];
    toJSON(): LogisticRegressionModel;
    static load(model: LogisticRegressionModel): LogisticRegression;
  }

  export = LogisticRegression;
}
