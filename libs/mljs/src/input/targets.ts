import { OmegaError } from '@omega/core';
import { TargetVector } from '@omega/models';
import { showValue } from './show-value';

/** Checks that y has one value per row of X; `what` names the action for the message. */
export function checkTargets(y: TargetVector | undefined, rows: number, what: string): TargetVector {
  if (y === undefined || y === null)
    throw OmegaError.invalidInput(`${what} needs y: one target per row of X`);
  if (!Array.isArray(y) || y.length !== rows) {
    const length = Array.isArray(y) ? y.length : 0;
    throw OmegaError.invalidInput(
      `${what} needs one target per row: X has ${rows} rows, y has ${length} values`,
    );
  }
  return y;
}

/** Regression targets: finite numbers only, since a regressor cannot learn from a label. */
export function numericTargets(y: TargetVector | undefined, rows: number, what: string): number[] {
  return checkTargets(y, rows, what).map((value, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw OmegaError.invalidInput(`${what}: target ${i} (${showValue(value)}) is not a finite number`);
    }
    return value;
  });
}
