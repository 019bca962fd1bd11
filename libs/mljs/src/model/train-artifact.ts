import { OmegaError, OmegaErrorCode } from '@omega/core';
import { FeatureMatrix, TargetVector } from '@omega/models';
import { Trained, TrainingSet } from '../algorithms/algorithm-adapter';
import { CheckedArtifact, featureLayout, specArtifact, writeArtifact } from '../artifact/mljs-artifact';
import { ClassLabels } from '../input/class-labels';
import { checkRows, rowsFor } from '../input/feature-rows';
import { checkTargets, numericTargets } from '../input/targets';

export type TrainMode = 'fit' | 'partial_fit';

/**
 * Trains from an artifact and answers the next artifact; the source is left as it was. `fit` starts
 * over with the same hyper-parameters; `partial_fit` continues a fitted model (or starts one).
 */
export function trainArtifact(
  { artifact, adapter }: CheckedArtifact,
  x: FeatureMatrix,
  y: TargetVector | undefined,
  mode: TrainMode,
): Buffer {
  const continuing = mode === 'partial_fit' && artifact.fitted !== null;
  const rows = continuing ? rowsFor(featureLayout(artifact), x) : checkRows(x);
  let classes: ClassLabels | undefined;
  let targets: number[] = [];
  if (adapter.task === 'classifier') {
    const labels = checkTargets(y, rows.length, mode);
    classes = continuing
      ? ClassLabels.of(artifact.classes ?? []).extendedBy(labels)
      : ClassLabels.fromTargets(labels);
    targets = classes.indicesOf(labels);
  } else if (adapter.task === 'regressor') {
    targets = numericTargets(y, rows.length, mode);
  }
  // Decomposition and clustering learn from X alone; a y sent along is ignored, as scikit-learn does.

  const data: TrainingSet = { rows, targets, classCount: classes?.classes.length ?? 0 };
  const previous: Trained | undefined = continuing
    ? { fitted: artifact.fitted, trainingState: artifact.trainingState }
    : undefined;
  const trained = runLibrary(adapter.name, mode, () =>
    mode === 'fit' || !adapter.partialFit
      ? adapter.fit(data, artifact.params)
      : adapter.partialFit(previous, data, artifact.params),
  );
  return writeArtifact({
    ...specArtifact(adapter, artifact.params),
    fitted: trained.fitted,
    trainingState: trained.trainingState,
    classes: classes?.classes,
    featureCount: rows[0].length,
    // Continued rows were put in the model's column order, so its names still hold.
    columns: continuing ? artifact.columns : x.columns,
  });
}

/**
 * Inputs are checked before training, so what the library still throws is about this data and these
 * hyper-parameters (e.g. scaling a constant column): the user's model failed, not the platform.
 */
function runLibrary(algorithm: string, mode: TrainMode, train: () => Trained): Trained {
  try {
    return train();
  } catch (err) {
    if (err instanceof OmegaError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new OmegaError(OmegaErrorCode.TaskFailed, `${algorithm} ${mode} failed: ${reason}`);
  }
}
