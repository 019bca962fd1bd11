import { Tensor } from 'onnxruntime-node';

/**
 * Readers for output tensors. Labels come back as numbers or strings (int64 labels arrive as bigints,
 * which JSON cannot carry); value tensors as one number per row or as rows.
 */
export function toLabels(tensor: Tensor): Array<number | string> {
  const data = tensor.data;
  if (Array.isArray(data)) return data.slice();
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return Array.from(data as ArrayLike<number>);
}

/** One number per row when the tensor has one value per row, else rows. */
export function toValues(tensor: Tensor): Array<number | number[]> {
  const n = tensor.dims[0] ?? 0;
  return n > 0 && tensor.size === n ? (toLabels(tensor) as number[]) : toRows(tensor);
}

/**
 * A classifier's raw scores as scikit-learn's `decision_function` answers them: a row of class scores per
 * row, except for a binary problem, where it is one score per row, the positive class's margin. skl2onnx
 * exports a binary classifier's scores as two columns (the negative class's, then the positive's) or one.
 */
export function toDecisionScores(tensor: Tensor): Array<number | number[]> {
  const rows = toRows(tensor);
  if (rows.length === 0 || rows[0].length > 2) return rows;
  return rows.map((row) => row[row.length - 1]);
}

/** The tensor as rows: its first dimension is the batch, the rest is flattened into each row. */
export function toRows(tensor: Tensor): number[][] {
  const data = tensor.data as ArrayLike<number | bigint>;
  const n = tensor.dims[0] ?? 0;
  const width = n > 0 ? tensor.size / n : 0;
  const rows: number[][] = new Array(n);
  for (let i = 0, k = 0; i < n; i++) {
    const row: number[] = new Array(width);
    for (let j = 0; j < width; j++) row[j] = Number(data[k++]);
    rows[i] = row;
  }
  return rows;
}
