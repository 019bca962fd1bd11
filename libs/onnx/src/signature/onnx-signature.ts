import { InferenceSession } from 'onnxruntime-node';
import { OmegaError } from '@omega/core';
import { ModelAction, TensorSpec } from '@omega/models';

/** Element types the engine can build from rows of numbers. */
export const FEED_TYPES = ['float32', 'float64', 'int32', 'int64'] as const;
export type FeedType = (typeof FEED_TYPES)[number];

/** How one model input takes its share of a row's features. */
export interface InputSlot {
  name: string;
  type: FeedType;
  /** A fixed batch size, when the graph declares one instead of a dynamic first dimension. */
  batch: number | null;
  /** Dimensions after the batch; `null` only for a single matrix input of dynamic width. */
  dims: Array<number | null>;
  /** Features this input takes per row (the product of `dims`); `null` when dynamic. */
  width: number | null;
}

/** The model's inputs and outputs, and which output plays which part. */
export interface OnnxSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  slots: InputSlot[];
  /** Features per row over all inputs, when every input's width is fixed. */
  featureCount?: number;
  /** The output `predict` answers: the label, else the value output. */
  predictOutput: string;
  /** A classifier's predicted labels. */
  labelOutput?: string;
  /** A classifier's class probabilities, as a tensor (a ZipMap's list of maps cannot be read). */
  probabilitiesOutput?: string;
  /** A classifier's raw scores (`decision_function`): exported with skl2onnx's `raw_scores` option. */
  scoresOutput?: string;
  /** A regressor's or transformer's values, when there is no label. */
  valueOutput?: string;
  actions: ModelAction[];
}

// Names converters give these outputs: skl2onnx (`label`, `probabilities`, `variable`) and
// onnxmltools / the ZipMap convention (`output_label`, `output_probability`).
const LABEL_NAMES = ['label', 'output_label'];
const PROBABILITY_NAMES = ['probabilities', 'output_probability', 'probability'];
// A classifier exported with `raw_scores` (its scores output named, e.g. with skl2onnx's `final_types`).
const SCORES_NAMES = ['scores', 'decision_function', 'raw_scores'];
const FLOAT_TYPES = ['float32', 'float64', 'float16'];

export function readSignature(session: InferenceSession): OnnxSignature {
  const inputs = session.inputMetadata.map(toTensorSpec);
  const outputs = session.outputMetadata.map(toTensorSpec);
  const slots = toSlots(session.inputMetadata);
  const widths = slots.map((slot) => slot.width);
  const featureCount = widths.every((w) => w !== null) ? widths.reduce((a, b) => a + b, 0) : undefined;

  const tensorOutputs = session.outputMetadata.filter(isTensor);
  const labelOutput = tensorOutputs.find((o) => LABEL_NAMES.includes(o.name));
  const probabilitiesOutput = tensorOutputs.find(
    (o) => PROBABILITY_NAMES.includes(o.name) && FLOAT_TYPES.includes(o.type),
  );
  const scoresOutput = labelOutput
    ? tensorOutputs.find((o) => SCORES_NAMES.includes(o.name) && FLOAT_TYPES.includes(o.type))
    : undefined;
  const valueOutput = labelOutput
    ? undefined
    : (tensorOutputs.find((o) => o.name === 'variable') ??
      tensorOutputs.find((o) => o.type !== 'string' && o !== probabilitiesOutput));
  const predictOutput = labelOutput ?? valueOutput;
  if (!predictOutput) throw OmegaError.invalidInput('the ONNX model has no tensor output to predict with');

  const actions: ModelAction[] = ['predict'];
  if (probabilitiesOutput) actions.push('predict_proba');
  if (labelOutput) actions.push('score');
  else if (valueOutput) actions.push(...valueActions(valueOutput, tensorOutputs.length));
  if (scoresOutput) actions.push('decision_function');

  return {
    inputs,
    outputs,
    slots,
    featureCount,
    predictOutput: predictOutput.name,
    labelOutput: labelOutput?.name,
    probabilitiesOutput: probabilitiesOutput?.name,
    scoresOutput: scoresOutput?.name,
    valueOutput: valueOutput?.name,
    actions,
  };
}

function toSlots(metadata: readonly InferenceSession.ValueMetadata[]): InputSlot[] {
  if (metadata.length === 0) throw OmegaError.invalidInput('the ONNX model has no inputs');
  return metadata.map((input) => {
    if (!isTensor(input)) {
      throw OmegaError.invalidInput(
        `input '${input.name}' is not a tensor; the onnx engine feeds tensors only`,
      );
    }
    if (!(FEED_TYPES as readonly string[]).includes(input.type)) {
      throw OmegaError.invalidInput(
        `input '${input.name}' takes ${input.type}; the onnx engine feeds ${FEED_TYPES.join(', ')}`,
      );
    }
    const [batch, ...rest] = input.shape.length > 0 ? input.shape : ['', ''];
    const dims = input.shape.length === 1 ? [] : rest.map(toDim);
    const dynamic = dims.some((d) => d === null);
    // Only a plain matrix can take its width from the rows; elsewhere a free dimension leaves the
    // split of a row between inputs (or into an image's axes) undefined.
    if (dynamic && (metadata.length > 1 || dims.length !== 1)) {
      throw OmegaError.invalidInput(
        `input '${input.name}' has shape [${input.shape.join(', ')}]; the onnx engine needs fixed dimensions ` +
          'after the batch, except for a single matrix input',
      );
    }
    return {
      name: input.name,
      type: input.type as FeedType,
      batch: toDim(batch),
      dims,
      width: dynamic ? null : dims.reduce<number>((a, b) => a * (b as number), 1),
    };
  });
}

function toTensorSpec(metadata: InferenceSession.ValueMetadata): TensorSpec {
  return isTensor(metadata)
    ? { name: metadata.name, type: metadata.type, shape: metadata.shape.map(toDim) }
    : { name: metadata.name, type: 'non-tensor', shape: [] };
}

function isTensor(
  metadata: InferenceSession.ValueMetadata,
): metadata is InferenceSession.TensorValueMetadata {
  return metadata.isTensor;
}

/** onnxruntime names a dynamic dimension by its symbol ('' when it has none). */
function toDim(dim: number | string): number | null {
  return typeof dim === 'number' && dim >= 0 ? dim : null;
}

/**
 * One value per row is a regressor's output, which R² can score; a model whose single output is a
 * float matrix is a transformer.
 */
function valueActions(output: InferenceSession.TensorValueMetadata, outputCount: number): ModelAction[] {
  if (outputWidth(output) === 1) return ['score'];
  const floatMatrix = FLOAT_TYPES.includes(output.type) && output.shape.length === 2;
  return outputCount === 1 && floatMatrix ? ['transform'] : [];
}

/** Values per row of an output; `null` when the graph leaves it dynamic. */
function outputWidth(output: InferenceSession.TensorValueMetadata): number | null {
  if (output.shape.length === 1) return 1;
  if (output.shape.length !== 2) return null;
  return toDim(output.shape[1]);
}
