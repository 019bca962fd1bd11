import { TargetVector } from '@omega/models';
import { ClassLabel } from './input/class-labels';

/** Share of labels predicted right, scikit-learn's classifier score; labels compare as text, so 1 and '1' match. */
export function accuracy(predicted: readonly ClassLabel[], y: TargetVector): number {
  let right = 0;
  for (let i = 0; i < y.length; i++) if (String(predicted[i]) === String(y[i])) right++;
  return right / y.length;
}

/** Coefficient of determination, as scikit-learn's `r2_score` (a constant target scores 1 if hit exactly, else 0). */
export function r2(predicted: readonly number[], y: readonly number[]): number {
  const mean = y.reduce((sum, value) => sum + value, 0) / y.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    residual += (y[i] - predicted[i]) ** 2;
    total += (y[i] - mean) ** 2;
  }
  if (total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}
