import { FeatureMatrix } from '@omega/models';
import { irisPetalWidth } from '../../test/iris';
import { engine, fitted } from '../../test/engine';

const { train, test } = irisPetalWidth();

/** R² on the 30 held-out rows, predicting petal width from the other three measurements. */
const REGRESSORS: Array<[string, Record<string, unknown>, number, number]> = [
  // [algorithm, params, R² reached, bound asserted]
  ['linear-regression', {}, 0.931, 0.9],
  ['random-forest-regressor', { nEstimators: 50, seed: 7 }, 0.952, 0.9],
  ['cart-regressor', {}, 0.933, 0.9],
];

describe.each(REGRESSORS)('%s on iris petal width', (algorithm, params, reached, bound) => {
  it(`reaches R² ≥ ${bound} (about ${reached})`, async () => {
    const { model } = await fitted(algorithm, params, train.x, train.y);
    const r2 = await model.score!(test.x, test.y, {});
    expect(r2).toBeGreaterThanOrEqual(bound);
    expect(r2).toBeCloseTo(reached, 2);
    expect(model.description).toMatchObject({
      actions: expect.arrayContaining(['predict', 'score']),
      featureCount: 3,
    });
    expect(model.description.classes).toBeUndefined();
  });
});

describe('linear-regression partial_fit', () => {
  const batch = (from: number, to: number): { x: FeatureMatrix; y: number[] } => ({
    x: { columns: train.x.columns, rows: train.x.rows.slice(from, to) },
    y: train.y.slice(from, to),
  });

  /** Partial fits over `bounds` (row offsets), each on the artifact the previous one answered. */
  async function partiallyFitted(bounds: number[], params: Record<string, unknown> = {}) {
    const spec = await engine.create({ algorithm: 'linear-regression', params });
    let artifact = spec.artifact;
    for (let i = 1; i < bounds.length; i++) {
      const { x, y } = batch(bounds[i - 1], bounds[i]);
      ({ artifact } = await (await engine.load(spec.kind, artifact)).partial_fit!(x, y, {}));
    }
    return engine.load(spec.kind, artifact);
  }

  const weights = (artifact: Buffer): number[] =>
    (JSON.parse(artifact.toString()) as { fitted: { weights: number[][] } }).fitted.weights.map((w) => w[0]);

  it.each<[Record<string, unknown>]>([[{}], [{ intercept: false }]])(
    'in three batches equals one fit on all rows to 1e-6 (%j)',
    async (params) => {
      const partial = await partiallyFitted([0, 2, 50, train.y.length], params);
      const full = await fitted('linear-regression', params, train.x, train.y);
      const [p, f] = await Promise.all([partial.predict!(test.x, {}), full.model.predict!(test.x, {})]);
      (p as number[]).forEach((value, i) => expect(Math.abs(value - (f[i] as number))).toBeLessThan(1e-6));

      const { artifact } = await partial.partial_fit!({ rows: [[5, 3, 1.5]] }, [0.2], {});
      expect(weights(artifact)).toHaveLength(params.intercept === false ? 3 : 4);
    },
  );

  it('continues a model trained with fit', async () => {
    const first = await fitted('linear-regression', {}, batch(0, 60).x, batch(0, 60).y);
    const { artifact } = await first.model.partial_fit!(
      batch(60, train.y.length).x,
      batch(60, train.y.length).y,
      {},
    );
    const full = await fitted('linear-regression', {}, train.x, train.y);
    weights(artifact).forEach((w, i) => expect(Math.abs(w - weights(full.artifact)[i])).toBeLessThan(1e-6));
  });

  it('is absent where continuing would not equal training on all rows', async () => {
    for (const algorithm of ['random-forest-regressor', 'cart-regressor']) {
      const spec = await engine.create({ algorithm });
      expect(spec.description.actions).toEqual(['fit']);
      expect((await engine.load(spec.kind, spec.artifact)).partial_fit).toBeUndefined();
    }
  });
});
