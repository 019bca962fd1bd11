import { OmegaError } from '@omega/core';
import { TargetVector } from '@omega/models';

/** Share of labels predicted right; labels compare as text, so 1 and '1' match. */
export function accuracy(predicted: ReadonlyArray<number | string>, y: TargetVector): number {
  checkLength(predicted.length, y);
  let right = 0;
  for (let i = 0; i < y.length; i++) if (String(predicted[i]) === String(y[i])) right++;
  return right / y.length;
}

/** Coefficient of determination, as scikit-learn's `r2_score` (a constant target scores 1 or 0). */
export function r2(predicted: ReadonlyArray<number>, y: TargetVector): number {
  checkLength(predicted.length, y);
  let mean = 0;
  for (let i = 0; i < y.length; i++) {
    const value = y[i];
    if (typeof value !== 'number') throw OmegaError.invalidInput(`target ${i}: '${value}' is not a number`);
    mean += value;
  }
  mean /= y.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const value = y[i] as number;
    residual += (value - predicted[i]) ** 2;
    total += (value - mean) ** 2;
  }
  if (total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

function checkLength(rows: number, y: TargetVector): void {
  if (!Array.isArray(y) || y.length !== rows) {
    throw OmegaError.invalidInput(
      `score needs one target per row: ${rows} rows, ${Array.isArray(y) ? y.length : 0} targets`,
    );
  }
}
