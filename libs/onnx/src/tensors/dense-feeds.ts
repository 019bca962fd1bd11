import { Tensor } from 'onnxruntime-node';
import { OmegaError } from '@omega/core';
import type { DenseFeatures } from '@omega/models';
import type { InputSlot, OnnxSignature } from '../signature/onnx-signature';

/** The model's one input when it is a float matrix: packed features then fill it in one copy. */
export function denseSlot(signature: OnnxSignature): InputSlot | undefined {
  const [slot, ...others] = signature.slots;
  return slot && others.length === 0 && (slot.type === 'float32' || slot.type === 'float64')
    ? slot
    : undefined;
}

/**
 * Packed features as the tensor of the model's one float input: a float64 input takes the array as it
 * is, a float32 one a single conversion of it (the rounding the row path's per-value fill gives).
 */
export function toDenseFeeds(
  signature: OnnxSignature,
  slot: InputSlot,
  x: DenseFeatures,
): Record<string, Tensor> {
  const { rowCount, width } = x;
  if (rowCount === 0) throw OmegaError.invalidInput('empty input: give at least one row of features');
  const expected = slot.width ?? signature.featureCount;
  if (expected !== undefined && expected !== null && width !== expected)
    throw OmegaError.invalidInput(`model expects ${expected} features per row, got ${width}`);
  if (slot.batch !== null && slot.batch !== rowCount)
    throw OmegaError.invalidInput(`the model takes exactly ${slot.batch} row(s) per call, got ${rowCount}`);
  const values = x.data.length === rowCount * width ? x.data : x.data.subarray(0, rowCount * width);
  const data = slot.type === 'float32' ? new Float32Array(values) : new Float64Array(values);
  return { [slot.name]: new Tensor(slot.type, data, [rowCount, ...slot.dims.map((d) => d ?? width)]) };
}
