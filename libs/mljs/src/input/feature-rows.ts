import { OmegaError } from '@omega/core';
import { FeatureMatrix } from '@omega/models';
import { showValue } from './show-value';

/** What a fitted model remembers about its features. */
export interface FeatureLayout {
  featureCount: number;
  columns?: string[];
}

/**
 * Checks X before it reaches an ml.js library, which would otherwise answer NaN or a confusing
 * TypeError for a ragged or non-numeric matrix.
 */
export function checkRows(x: FeatureMatrix): number[][] {
  const rows = x?.rows;
  if (!Array.isArray(rows) || rows.length === 0) {
    throw OmegaError.invalidInput('X is empty: it needs at least one row');
  }
  const width = Array.isArray(rows[0]) ? rows[0].length : 0;
  if (width === 0) throw OmegaError.invalidInput('X has no features: row 0 is empty');
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      const length = Array.isArray(row) ? row.length : 0;
      throw OmegaError.invalidInput(`X is ragged: row ${i} has ${length} values, row 0 has ${width}`);
    }
    row.forEach((value, j) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw OmegaError.invalidInput(`X row ${i}, column ${j}: ${showValue(value)} is not a finite number`);
      }
    });
  });
  if (x.columns !== undefined && x.columns.length !== width) {
    throw OmegaError.invalidInput(`X names ${x.columns.length} columns but its rows have ${width} values`);
  }
  return rows;
}

/**
 * Checks X against the features a model was fitted on. When both sides name their columns, X is put in
 * the model's column order, so a caller who sends the same columns in another order still gets right
 * answers; a missing or unknown column is an error rather than a silent misreading.
 */
export function rowsFor(layout: FeatureLayout, x: FeatureMatrix): number[][] {
  const rows = checkRows(x);
  const { featureCount, columns } = layout;
  if (columns && x.columns && !sameOrder(columns, x.columns)) return reorder(rows, x.columns, columns);
  if (rows[0].length !== featureCount) {
    throw OmegaError.invalidInput(
      `the model expects ${featureCount} features per row; X has ${rows[0].length}`,
    );
  }
  return rows;
}

function sameOrder(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function reorder(rows: number[][], from: string[], to: string[]): number[][] {
  const missing = to.filter((name) => !from.includes(name));
  const unknown = from.filter((name) => !to.includes(name));
  const problems = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    unknown.length > 0 ? `unknown ${unknown.join(', ')}` : '',
    new Set(from).size !== from.length ? 'a column is named twice' : '',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw OmegaError.invalidInput(
      `X's columns do not match the model's (${to.join(', ')}): ${problems.join('; ')}`,
    );
  }
  const positions = to.map((name) => from.indexOf(name));
  return rows.map((row) => positions.map((p) => row[p]));
}
