import { OmegaError } from '@omega/core';
import { FeatureMatrix, LoadedModel, ModelAction, ModelDescription, TargetVector } from '@omega/models';
import { FittedModel } from '../algorithms/algorithm-adapter';
import { CheckedArtifact, featureLayout, readArtifact } from '../artifact/mljs-artifact';
import { ClassLabels } from '../input/class-labels';
import { rowsFor } from '../input/feature-rows';
import { checkTargets, numericTargets } from '../input/targets';
import { accuracy, r2 } from '../scores';
import { trainArtifact, TrainMode } from './train-artifact';

/**
 * The loaded model the runtime caches, built as an object because the contract tells what a model
 * supports by which methods are present. Training methods answer a new artifact and leave this one as is.
 */
export function createMljsModel(source: CheckedArtifact): LoadedModel {
  const { artifact, adapter } = source;
  const fitted = artifact.fitted === null ? undefined : loadFitted(source);
  const description = describe(source, fitted);
  const train = (mode: TrainMode) => async (x: FeatureMatrix, y: TargetVector | undefined) => {
    const bytes = trainArtifact(source, x, y, mode);
    return { artifact: bytes, description: createMljsModel(readArtifact(bytes)).description };
  };

  const model: LoadedModel = { description, fit: train('fit') };
  if (adapter.partialFit) model.partial_fit = train('partial_fit');
  if (!fitted) return withNotFittedErrors(model, adapter.actions);

  const rows = (x: FeatureMatrix) => rowsFor(featureLayout(artifact), x);
  const classes = adapter.task === 'classifier' ? ClassLabels.of(artifact.classes ?? []) : undefined;
  // Adapters declare their actions and implement the matching methods; the specs run every action.
  const predict = (checked: number[][]) => {
    const predicted = fitted.predict!(checked);
    return classes ? classes.labelsOf(predicted) : predicted;
  };
  const can = new Set(adapter.actions);
  if (can.has('predict')) model.predict = async (x) => predict(rows(x));
  if (can.has('predict_proba')) model.predict_proba = async (x) => fitted.predictProba!(rows(x));
  if (can.has('transform')) model.transform = async (x) => fitted.transform!(rows(x));
  if (can.has('decision_function')) model.decision_function = async (x) => fitted.decisionFunction!(rows(x));
  if (can.has('score')) {
    model.score = async (x: FeatureMatrix, y: TargetVector) => {
      const checked = rows(x);
      if (fitted.score) return fitted.score(checked);
      return classes
        ? accuracy(predict(checked), checkTargets(y, checked.length, 'score'))
        : r2(predict(checked) as number[], numericTargets(y, checked.length, 'score'));
    };
  }
  return model;
}

/**
 * A corrupt `fitted` section only shows when the library reads it; that is the caller's file at fault.
 * Libraries adopt and change the JSON they load (ml-knn links parents into its tree, ml-logistic-regression
 * swaps its classifiers in place), so they get a copy and the artifact stays as it was read. The copy is
 * made through JSON, not structuredClone, because ml-cart tests `constructor === Array`, which fails
 * for arrays cloned in another realm (as under Jest).
 */
function loadFitted({ artifact, adapter }: CheckedArtifact): FittedModel {
  try {
    const trained = {
      fitted: JSON.parse(JSON.stringify(artifact.fitted)) as unknown,
      trainingState: artifact.trainingState,
    };
    return adapter.load(trained, artifact.params, artifact.classes?.length ?? 0);
  } catch (err) {
    throw OmegaError.invalidInput(
      `Not an ml.js model artifact: its fitted ${adapter.name} cannot be loaded (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

function describe({ artifact, adapter }: CheckedArtifact, fitted: FittedModel | undefined): ModelDescription {
  const unfittedActions: ModelAction[] = adapter.partialFit ? ['fit', 'partial_fit'] : ['fit'];
  const description: ModelDescription = {
    actions: fitted ? [...adapter.actions] : unfittedActions,
    details: {
      algorithm: adapter.name,
      library: adapter.library,
      params: artifact.params,
      fitted: fitted !== undefined,
      ...(artifact.columns ? { columns: artifact.columns } : {}),
      ...fitted?.details?.(),
    },
  };
  if (artifact.featureCount !== undefined) description.featureCount = artifact.featureCount;
  if (artifact.classes !== undefined) description.classes = artifact.classes;
  return description;
}

/**
 * An unfitted model lists only `fit` in its actions, yet answers the actions it will have once fitted
 * with a clear message instead of the runtime's generic "cannot predict".
 */
function withNotFittedErrors(model: LoadedModel, actions: readonly ModelAction[]): LoadedModel {
  const notFitted = async (): Promise<never> => {
    throw OmegaError.invalidInput('model is not fitted; run fit first');
  };
  const can = new Set(actions);
  if (can.has('predict')) model.predict = notFitted;
  if (can.has('predict_proba')) model.predict_proba = notFitted;
  if (can.has('transform')) model.transform = notFitted;
  if (can.has('score')) model.score = notFitted;
  if (can.has('decision_function')) model.decision_function = notFitted;
  return model;
}
