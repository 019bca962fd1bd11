import { DenseFeatures, FeatureMatrix, LoadedModel, ModelDescription, TargetVector } from '@omega/models';
import type { Tensor } from 'onnxruntime-node';
import { accuracy, r2 } from './scores';
import { OnnxSession } from './onnx-session';
import { denseSlot, toDenseFeeds } from './tensors/dense-feeds';
import { toDecisionScores, toLabels, toRows, toValues } from './tensors/output-values';

/**
 * The loaded model the runtime caches. Built as an object rather than a class instance because the
 * contract tells what an artifact supports by which methods are present.
 */
export function createOnnxModel(session: OnnxSession, description: ModelDescription): LoadedModel {
  const { predictOutput, labelOutput, probabilitiesOutput, scoresOutput, valueOutput } = session.signature;
  const can = new Set(description.actions);

  const predictions = (tensor: Tensor) => (labelOutput ? toLabels(tensor) : toValues(tensor));
  const predict = async (x: FeatureMatrix): Promise<Array<number | string | number[]>> =>
    predictions((await session.run(x, [predictOutput]))[predictOutput]);

  const model: LoadedModel = {
    description,
    predict,
    dispose: () => session.release(),
  };
  const slot = denseSlot(session.signature);
  if (slot) {
    model.predictDense = async (x: DenseFeatures) =>
      predictions(
        (await session.runFeeds(toDenseFeeds(session.signature, slot, x), [predictOutput]))[predictOutput],
      );
  }
  if (can.has('predict_proba') && probabilitiesOutput) {
    model.predict_proba = async (x: FeatureMatrix) =>
      toRows((await session.run(x, [probabilitiesOutput]))[probabilitiesOutput]);
  }
  if (can.has('transform') && valueOutput) {
    model.transform = async (x: FeatureMatrix) => toRows((await session.run(x, [valueOutput]))[valueOutput]);
  }
  if (can.has('decision_function') && scoresOutput) {
    model.decision_function = async (x: FeatureMatrix) =>
      toDecisionScores((await session.run(x, [scoresOutput]))[scoresOutput]);
  }
  if (can.has('score')) {
    model.score = async (x: FeatureMatrix, y: TargetVector) => {
      const predicted = await predict(x);
      return labelOutput ? accuracy(predicted as Array<number | string>, y) : r2(predicted as number[], y);
    };
  }
  return model;
}
