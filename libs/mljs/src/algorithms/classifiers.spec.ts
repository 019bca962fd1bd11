import { irisSpecies } from '../../test/iris';
import { engine, fitted } from '../../test/engine';

const { train, test } = irisSpecies();
const SPECIES = ['setosa', 'versicolor', 'virginica'];

/** Each reaches 29 of the 30 held-out rows (0.967); the bound leaves one more row of margin. */
const CLASSIFIERS: Array<[string, Record<string, unknown>, number]> = [
  ['random-forest-classifier', { nEstimators: 50, seed: 7 }, 0.93],
  ['cart-classifier', {}, 0.93],
  // Fewer steps than the library's 50 000 (about 10 s here) at a rate that still converges.
  ['logistic-regression', { numSteps: 5000, learningRate: 1e-3 }, 0.93],
  ['knn', { k: 5 }, 0.93],
];

/** Index of the largest share, or -1 when two classes share the top (the tie may be broken either way). */
function clearWinner(shares: number[]): number {
  const top = Math.max(...shares);
  return shares.filter((share) => share === top).length === 1 ? shares.indexOf(top) : -1;
}

describe.each(CLASSIFIERS)('%s on iris (held-out rows)', (algorithm, params, minAccuracy) => {
  let model: Awaited<ReturnType<typeof fitted>>['model'];
  beforeAll(async () => {
    ({ model } = await fitted(algorithm, params, train.x, train.y));
  });

  it(`reaches an accuracy of at least ${minAccuracy}`, async () => {
    await expect(model.score!(test.x, test.y, {})).resolves.toBeGreaterThanOrEqual(minAccuracy);
  });

  it('predicts the original labels and lists them as classes', async () => {
    const predicted = await model.predict!(test.x, {});
    expect(predicted).toHaveLength(test.y.length);
    expect(new Set(predicted)).toEqual(new Set(SPECIES));
    expect(model.description).toMatchObject({
      actions: expect.arrayContaining(['predict', 'predict_proba', 'score', 'fit']),
      featureCount: 4,
      classes: SPECIES,
    });
  });

  it('answers one probability per class that sums to 1 and agrees with predict', async () => {
    const [proba, predicted] = await Promise.all([
      model.predict_proba!(test.x, {}),
      model.predict!(test.x, {}),
    ]);
    expect(proba).toHaveLength(test.y.length);
    proba.forEach((shares, i) => {
      expect(shares).toHaveLength(3);
      shares.forEach((share) => expect(share).toBeGreaterThanOrEqual(0));
      expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 12);
      const winner = clearWinner(shares);
      if (winner >= 0) expect(predicted[i]).toBe(SPECIES[winner]);
    });
  });
});

describe('class labels', () => {
  it('keeps numeric labels as numbers, sorted', async () => {
    const codes = train.y.map((species) => [30, 10, 20][SPECIES.indexOf(species)]);
    const { model } = await fitted('knn', { k: 5 }, train.x, codes);
    expect(model.description.classes).toEqual([10, 20, 30]);
    const predicted = await model.predict!(test.x, {});
    expect(predicted.slice(0, 3)).toEqual([30, 30, 30]);
  });
});

describe('knn partial_fit', () => {
  it('adds rows: two partial fits answer as one fit on all rows, learning a class that came later', async () => {
    const half = train.y.length / 2; // the first half has no virginica
    const batch = (from: number, to: number) => ({
      x: { columns: train.x.columns, rows: train.x.rows.slice(from, to) },
      y: train.y.slice(from, to),
    });
    const spec = await engine.create({ algorithm: 'knn', params: { k: 5 } });
    const first = await (
      await engine.load(spec.kind, spec.artifact)
    ).partial_fit!(batch(0, half).x, batch(0, half).y, {});
    expect(first.description.classes).toEqual(['setosa', 'versicolor']);
    const second = await (
      await engine.load(spec.kind, first.artifact)
    ).partial_fit!(batch(half, train.y.length).x, batch(half, train.y.length).y, {});
    const partial = await engine.load(spec.kind, second.artifact);
    const { model: full } = await fitted('knn', { k: 5 }, train.x, train.y);

    expect(partial.description.classes).toEqual(full.description.classes);
    await expect(partial.predict!(test.x, {})).resolves.toEqual(await full.predict!(test.x, {}));
    await expect(partial.predict_proba!(test.x, {})).resolves.toEqual(await full.predict_proba!(test.x, {}));
  });
});

describe('logistic-regression decision_function', () => {
  it('answers one score per class whose largest is the predicted class, as scikit-learn does', async () => {
    const { model } = await fitted(
      'logistic-regression',
      { numSteps: 5000, learningRate: 1e-3 },
      train.x,
      train.y,
    );
    expect(model.description.actions).toContain('decision_function');
    const [scores, proba, predicted] = await Promise.all([
      model.decision_function!(test.x, {}),
      model.predict_proba!(test.x, {}),
      model.predict!(test.x, {}),
    ]);
    expect(scores).toHaveLength(test.y.length);
    (scores as number[][]).forEach((row, i) => {
      expect(row).toHaveLength(3);
      // A class's probability is the sigmoid of its score, normalised over the classes.
      const sigmoid = row.map((score) => 1 / (1 + Math.exp(-score)));
      const total = sigmoid.reduce((sum, p) => sum + p, 0);
      sigmoid.forEach((p, j) => expect(p / total).toBeCloseTo(proba[i][j], 10));
      const winner = clearWinner(row);
      if (winner >= 0) expect(predicted[i]).toBe(SPECIES[winner]);
    });
  });

  it("answers the second class's score alone for two classes, positive where it is predicted", async () => {
    const two = train.y.map((species) => (species === 'setosa' ? 'setosa' : 'other'));
    const { model } = await fitted(
      'logistic-regression',
      { numSteps: 5000, learningRate: 1e-3 },
      train.x,
      two,
    );
    expect(model.description.classes).toEqual(['other', 'setosa']);
    const [scores, predicted] = await Promise.all([
      model.decision_function!(test.x, {}),
      model.predict!(test.x, {}),
    ]);
    scores.forEach((score, i) => {
      expect(typeof score).toBe('number');
      expect(predicted[i]).toBe((score as number) > 0 ? 'setosa' : 'other');
    });
  });

  it('is refused until the model is fitted', async () => {
    const spec = await engine.create({ algorithm: 'logistic-regression' });
    const unfitted = await engine.load(spec.kind, spec.artifact);
    await expect(unfitted.decision_function!(test.x, {})).rejects.toThrow(
      'model is not fitted; run fit first',
    );
  });
});
