import { DiscoveryService } from '@nestjs/core';

/** What a model can be asked to do, by the names omega-ml's REST API and runtime use. */
export const MODEL_ACTIONS = [
  'predict',
  'predict_proba',
  'fit',
  'partial_fit',
  'score',
  'transform',
  'decision_function',
] as const;
export type ModelAction = (typeof MODEL_ACTIONS)[number];

/**
 * Features as rows of numbers, the one shape every engine receives. Inputs given as omega-ml's
 * `{columns, data, shape}`, as records or as a stored dataset are converted to this before an engine
 * sees them. `columns` names the features when the caller gave names.
 */
export interface FeatureMatrix {
  columns?: string[];
  rows: number[][];
}

/**
 * Features packed row-major in one array (row r's feature j at `r * width + j`), as a batch prediction
 * reads a stored table column by column: an engine that takes them fills its input without row arrays.
 */
export interface DenseFeatures {
  columns?: string[];
  data: Float64Array;
  rowCount: number;
  width: number;
}

/** Targets for fit / score: one value per row (labels may be strings or numbers). */
export type TargetVector = Array<number | string>;

/** One tensor of a model's signature, as read from the graph or the spec. */
export interface TensorSpec {
  name: string;
  /** Element type as onnxruntime names it: float32, float64, int64, string, … */
  type: string;
  /** Dimensions; `null` for a dynamic one (usually the batch). */
  shape: Array<number | null>;
}

/** What an engine tells the store about a model artifact; kept in the version's Metadata. */
export interface ModelDescription {
  /** Actions this artifact supports now (an unfitted spec supports `fit` only). */
  actions: ModelAction[];
  inputs?: TensorSpec[];
  outputs?: TensorSpec[];
  /** Number of features expected per row, when known. */
  featureCount?: number;
  /** Class labels of a classifier, when known. */
  classes?: Array<number | string>;
  /** Engine-specific facts worth showing (algorithm, hyper-parameters, producer, …). */
  details?: Record<string, unknown>;
}

/** Options of one call, from `?param=` / `--param k=v`; engines ignore what they do not know. */
export type ActionParams = Record<string, unknown>;

/**
 * A model loaded into memory, ready to run. The runtime caches it per model version on each worker, so
 * loading cost is paid once. Methods an artifact does not support are absent.
 */
export interface LoadedModel {
  readonly description: ModelDescription;
  predict?(x: FeatureMatrix, params: ActionParams): Promise<Array<number | string | number[]>>;
  /** `predict` on packed features, where the engine takes them as they are (batch predictions use it). */
  predictDense?(x: DenseFeatures, params: ActionParams): Promise<Array<number | string | number[]>>;
  predict_proba?(x: FeatureMatrix, params: ActionParams): Promise<number[][]>;
  transform?(x: FeatureMatrix, params: ActionParams): Promise<number[][]>;
  /** A classifier's raw scores (scikit-learn's `decision_function`): one per row, or one per class. */
  decision_function?(x: FeatureMatrix, params: ActionParams): Promise<Array<number | number[]>>;
  /** Accuracy for classifiers, R² for regressors (scikit-learn's defaults). */
  score?(x: FeatureMatrix, y: TargetVector, params: ActionParams): Promise<number>;
  /** Fits and answers the fitted artifact; the store keeps it as a new version. */
  fit?(x: FeatureMatrix, y: TargetVector | undefined, params: ActionParams): Promise<FittedArtifact>;
  partial_fit?(x: FeatureMatrix, y: TargetVector | undefined, params: ActionParams): Promise<FittedArtifact>;
  /** Frees native resources (sessions); called when the cache drops the model. */
  dispose?(): Promise<void>;
}

export interface FittedArtifact {
  artifact: Buffer;
  description: ModelDescription;
}

/** A model created from a spec: the algorithm and its hyper-parameters, not yet fitted. */
export interface ModelSpec {
  algorithm: string;
  params?: Record<string, unknown>;
}

export interface ModelEngineOptions {
  /** The storage kinds this engine owns, e.g. `['onnx.model']`. */
  kinds: readonly string[];
}

/** Marks a provider as the engine for some model kinds; `ModelEngineRegistry` finds it at module init. */
export const ModelEngine = DiscoveryService.createDecorator<ModelEngineOptions>();

/**
 * What a model kind implements. An engine never touches storage: it reads artifacts (bytes) and returns
 * artifacts; the models lib versions and stores them. Errors about the caller's input (wrong shape,
 * wrong type, unknown algorithm, invalid file) are thrown as `OmegaError` with `INVALID_INPUT`.
 */
export interface ModelEngineContract {
  /** Validates an uploaded artifact and describes it (signature, actions). */
  describe(kind: string, artifact: Buffer): Promise<ModelDescription>;
  /** Loads an artifact for running. */
  load(kind: string, artifact: Buffer): Promise<LoadedModel>;
  /** Turns a spec into an unfitted artifact; engines that only take uploads leave it out. */
  create?(spec: ModelSpec): Promise<{ kind: string; artifact: Buffer; description: ModelDescription }>;
  /** The algorithms `create` accepts, for error messages and docs. */
  algorithms?(): string[];
}
