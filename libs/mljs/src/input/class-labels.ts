import { OmegaError } from '@omega/core';
import { TargetVector } from '@omega/models';
import { showValue } from './show-value';

export type ClassLabel = number | string;

/**
 * ml.js classifiers learn integer labels 0…n-1; callers send their own labels (strings or numbers).
 * `classes[i]` is the caller's label for index i, kept in the artifact to translate predictions back.
 */
export class ClassLabels {
  private constructor(readonly classes: ClassLabel[]) {}

  /** Labels of a first fit, sorted as scikit-learn sorts them: numbers ascending, then strings. */
  static fromTargets(y: TargetVector): ClassLabels {
    return new ClassLabels(sortLabels([...new Set(y.map(checkLabel))]));
  }

  static of(classes: ClassLabel[]): ClassLabels {
    return new ClassLabels(classes);
  }

  /** Labels of a partial fit: classes seen before keep their index, new ones are added at the end. */
  extendedBy(y: TargetVector): ClassLabels {
    const added = [...new Set(y.map(checkLabel))].filter((label) => !this.classes.includes(label));
    return added.length === 0 ? this : new ClassLabels([...this.classes, ...sortLabels(added)]);
  }

  indicesOf(y: TargetVector): number[] {
    const index = new Map(this.classes.map((label, i) => [label, i]));
    return y.map((label, i) => {
      const found = index.get(label);
      if (found === undefined) {
        throw OmegaError.invalidInput(`target ${i}: ${showValue(label)} is not a known class`);
      }
      return found;
    });
  }

  labelsOf(indices: number[]): ClassLabel[] {
    return indices.map((i) => this.classes[i]);
  }
}

function checkLabel(label: unknown, i: number): ClassLabel {
  if (typeof label === 'string' || (typeof label === 'number' && Number.isFinite(label))) return label;
  throw OmegaError.invalidInput(
    `target ${i}: ${showValue(label)} is not a class label (a string or a number)`,
  );
}

function sortLabels(labels: ClassLabel[]): ClassLabel[] {
  const numbers = labels.filter((label): label is number => typeof label === 'number').sort((a, b) => a - b);
  const strings = labels.filter((label): label is string => typeof label === 'string').sort();
  return [...numbers, ...strings];
}
