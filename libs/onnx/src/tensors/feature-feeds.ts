import { Tensor } from 'onnxruntime-node';
import { OmegaError } from '@omega/core';
import { FeatureMatrix } from '@omega/models';
import { FeedType, InputSlot, OnnxSignature } from '../signature/onnx-signature';

type NumberArray = Float32Array | Float64Array | Int32Array;
type FeedArray = NumberArray | BigInt64Array;

const NUMBER_ARRAY_OF: Record<Exclude<FeedType, 'int64'>, new (length: number) => NumberArray> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
};

/**
 * Turns rows of features into one tensor per model input, checking the rows on the way: this is the
 * hot path of every predict, so each input is filled by one loop into a preallocated typed array.
 */
export function toFeeds(signature: OnnxSignature, x: FeatureMatrix): Record<string, Tensor> {
  const rows = x?.rows;
  if (!Array.isArray(rows) || rows.length === 0) {
    throw OmegaError.invalidInput('empty input: give at least one row of features');
  }
  const { offsets, rowWidth } = planColumns(signature, x.columns, rows[0]);
  checkRows(rows, rowWidth);

  const feeds: Record<string, Tensor> = {};
  signature.slots.forEach((slot, i) => {
    const width = slot.width ?? rowWidth;
    if (slot.batch !== null && slot.batch !== rows.length) {
      throw OmegaError.invalidInput(
        `the model takes exactly ${slot.batch} row(s) per call, got ${rows.length}`,
      );
    }
    const data = fill(rows, slot, offsets[i], width);
    const dims = slot.dims.map((d) => d ?? width);
    feeds[slot.name] = new Tensor(slot.type, data, [rows.length, ...dims]);
  });
  return feeds;
}

/**
 * Where each input's features start in a row. Inputs of one column each (a converted ColumnTransformer)
 * are found by name when the caller named its columns after them, else inputs take the row in order.
 */
function planColumns(
  signature: OnnxSignature,
  columns: string[] | undefined,
  firstRow: unknown,
): { offsets: number[]; rowWidth: number } {
  const { slots, featureCount } = signature;
  const firstWidth = Array.isArray(firstRow) ? firstRow.length : -1;
  if (firstWidth < 0) throw OmegaError.invalidInput('row 0 is not a list of numbers');

  const byName =
    slots.length > 1 &&
    columns !== undefined &&
    slots.every((slot) => slot.width === 1 && columns.includes(slot.name));
  if (byName) {
    if (firstWidth !== columns.length) {
      throw OmegaError.invalidInput(`${columns.length} columns are named but row 0 has ${firstWidth} values`);
    }
    return { offsets: slots.map((slot) => columns.indexOf(slot.name)), rowWidth: firstWidth };
  }

  if (featureCount !== undefined && firstWidth !== featureCount) {
    throw OmegaError.invalidInput(`model expects ${featureCount} features per row, got ${firstWidth}`);
  }
  if (firstWidth === 0) throw OmegaError.invalidInput('rows have no features');
  const offsets: number[] = [];
  let offset = 0;
  for (const slot of slots) {
    offsets.push(offset);
    offset += slot.width ?? firstWidth;
  }
  return { offsets, rowWidth: firstWidth };
}

function checkRows(rows: unknown[], rowWidth: number): void {
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row)) throw OmegaError.invalidInput(`row ${r} is not a list of numbers`);
    if (row.length !== rowWidth) {
      throw OmegaError.invalidInput(
        `rows differ in length: row 0 has ${rowWidth} values, row ${r} has ${row.length}`,
      );
    }
  }
}

function fill(rows: unknown[][], slot: InputSlot, offset: number, width: number): FeedArray {
  const integer = slot.type === 'int32' || slot.type === 'int64';
  // int64 wants bigints; a loop of its own keeps the float path free of the conversion.
  if (slot.type === 'int64') {
    const data = new BigInt64Array(rows.length * width);
    let k = 0;
    for (let r = 0; r < rows.length; r++) {
      for (let c = offset; c < offset + width; c++) data[k++] = BigInt(numberAt(rows[r], r, c, integer));
    }
    return data;
  }
  const data = new NUMBER_ARRAY_OF[slot.type](rows.length * width);
  let k = 0;
  for (let r = 0; r < rows.length; r++) {
    for (let c = offset; c < offset + width; c++) data[k++] = numberAt(rows[r], r, c, integer);
  }
  return data;
}

function numberAt(row: unknown[], r: number, c: number, integer: boolean): number {
  const value = row[c];
  if (typeof value === 'number' && (!integer || Number.isInteger(value))) return value;
  throw OmegaError.invalidInput(
    `row ${r}, column ${c}: ${show(value)} is not ${integer ? 'an integer' : 'a number'}`,
  );
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value.slice(0, 40)}'`;
  if (typeof value === 'number' || value === undefined) return String(value);
  return (JSON.stringify(value) ?? String(value)).slice(0, 40);
}
