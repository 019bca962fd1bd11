import { Test } from '@nestjs/testing';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { FeatureMatrix, LoadedModel, ModelEngine } from '@omega/models';
import { IRIS_COLUMNS, irisSpecies } from '../test/iris';
import { engine, expectInvalid, fitted } from '../test/engine';
import { MljsEngine } from './mljs.engine';
import { MljsModule } from './mljs.module';

const { train, test } = irisSpecies();
const ALGORITHMS = [
  'random-forest-classifier',
  'random-forest-regressor',
  'cart-classifier',
  'cart-regressor',
  'linear-regression',
  'logistic-regression',
  'knn',
  'pca',
  'kmeans',
];
const json = (artifact: Buffer) => JSON.parse(artifact.toString('utf8')) as Record<string, unknown>;
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('MljsEngine', () => {
  it('is a provider of MljsModule, marked as the engine of one kind per algorithm', async () => {
    const app = await Test.createTestingModule({ imports: [MljsModule] }).compile();
    expect(app.get(MljsEngine)).toBeInstanceOf(MljsEngine);
    expect(Reflect.getMetadata(ModelEngine.KEY, MljsEngine)).toEqual({
      kinds: ALGORITHMS.map((algorithm) => `mljs.${algorithm}`),
    });
    expect(engine.algorithms()).toEqual(ALGORITHMS);
    await app.close();
  });

  describe('create', () => {
    it('accepts the kind suffix or the full kind and writes an unfitted artifact with defaults', async () => {
      const bySuffix = await engine.create({
        algorithm: 'random-forest-classifier',
        params: { nEstimators: 20 },
      });
      const byKind = await engine.create({
        algorithm: 'mljs.random-forest-classifier',
        params: { nEstimators: 20 },
      });
      expect(byKind).toEqual(bySuffix);
      expect(bySuffix.kind).toBe('mljs.random-forest-classifier');
      expect(json(bySuffix.artifact)).toEqual({
        format: 'omega-ts.mljs',
        formatVersion: 1,
        algorithm: 'random-forest-classifier',
        params: {
          nEstimators: 20,
          maxFeatures: 1,
          useSampleBagging: true,
          seed: 42,
          minNumSamples: 3,
          replacement: true,
          gainThreshold: 0.01,
        },
        fitted: null,
      });
      expect(bySuffix.description).toEqual({
        actions: ['fit'],
        details: {
          algorithm: 'random-forest-classifier',
          library: 'ml-random-forest',
          params: json(bySuffix.artifact).params,
          fitted: false,
        },
      });
    });

    it.each([
      ['knn', ['fit', 'partial_fit']],
      ['linear-regression', ['fit', 'partial_fit']],
      ['kmeans', ['fit', 'partial_fit']],
      ['logistic-regression', ['fit']],
      ['pca', ['fit']],
    ])('an unfitted %s can %j', async (algorithm, actions) => {
      await expect(engine.create({ algorithm })).resolves.toMatchObject({ description: { actions } });
    });

    it('names the known algorithms when the algorithm is unknown', async () => {
      await expectInvalid(
        engine.create({ algorithm: 'svm' }),
        /Unknown ml\.js algorithm "svm"; known: random-forest-classifier, .*kmeans/,
      );
    });

    it('names an unknown hyper-parameter and lists the accepted ones', async () => {
      await expectInvalid(
        engine.create({ algorithm: 'knn', params: { n_neighbors: 5 } }),
        'knn: unknown hyper-parameter "n_neighbors"; accepted: k',
      );
    });

    it.each([
      [{ nEstimators: '10' }, /"nEstimators" must be an integer from 1 to 1000; got "10"/],
      [{ nEstimators: 1001 }, /"nEstimators" must be an integer from 1 to 1000; got 1001/],
      [{ nEstimators: 2.5 }, /"nEstimators" must be an integer/],
      [{ useSampleBagging: 'yes' }, /"useSampleBagging" must be true or false/],
      [{ maxFeatures: 0 }, /"maxFeatures" must be a number from 0.001 to 1000/],
    ])('rejects random-forest-classifier params %j', async (params, message) => {
      await expectInvalid(engine.create({ algorithm: 'random-forest-classifier', params }), message);
    });

    it('bounds k and rejects params that are not an object', async () => {
      await expectInvalid(
        engine.create({ algorithm: 'knn', params: { k: 1001 } }),
        /"k" must be an integer from 1 to 1000/,
      );
      await expectInvalid(
        engine.create({ algorithm: 'random-forest-regressor', params: { selectionMethod: 'mode' } }),
        /"selectionMethod" must be one of "mean", "median"/,
      );
      await expectInvalid(
        engine.create({ algorithm: 'knn', params: [1] as unknown as Record<string, unknown> }),
        'knn: hyper-parameters must be an object',
      );
    });
  });

  describe('describe', () => {
    it('answers what fit answered: classes, feature count, columns', async () => {
      const spec = await engine.create({ algorithm: 'knn', params: { k: 3 } });
      const result = await (await engine.load(spec.kind, spec.artifact)).fit!(train.x, train.y, {});
      await expect(engine.describe(spec.kind, result.artifact)).resolves.toEqual(result.description);
      expect(result.description).toEqual({
        actions: ['predict', 'predict_proba', 'score', 'fit', 'partial_fit'],
        featureCount: 4,
        classes: ['setosa', 'versicolor', 'virginica'],
        details: {
          algorithm: 'knn',
          library: 'ml-knn',
          params: { k: 3 },
          fitted: true,
          columns: IRIS_COLUMNS,
        },
      });
      expect(json(result.artifact)).toMatchObject({
        format: 'omega-ts.mljs',
        formatVersion: 1,
        algorithm: 'knn',
        classes: ['setosa', 'versicolor', 'virginica'],
        featureCount: 4,
        columns: IRIS_COLUMNS,
        fitted: expect.objectContaining({ name: 'KNN' }),
      });
    });

    it.each([
      ['bad JSON', bytes('{"format": '), /not valid JSON/],
      ['another format', bytes({ format: 'onnx' }), /its format is not "omega-ts.mljs"/],
      ['a JSON array', bytes([1, 2]), /its format is not "omega-ts.mljs"/],
      [
        'a newer version',
        bytes({ format: 'omega-ts.mljs', formatVersion: 2 }),
        /formatVersion 2 is not supported/,
      ],
      [
        'no fitted key',
        bytes({ format: 'omega-ts.mljs', formatVersion: 1, algorithm: 'knn', params: {} }),
        /"fitted" is missing/,
      ],
    ])('rejects %s', async (_what, artifact, message) => {
      await expectInvalid(engine.describe('mljs.knn', artifact), message);
    });

    it('rejects an artifact of another algorithm than its kind', async () => {
      const spec = await engine.create({ algorithm: 'pca' });
      await expectInvalid(
        engine.describe('mljs.knn', spec.artifact),
        'The artifact holds a pca model, not mljs.knn',
      );
    });

    it('rejects a fitted classifier without classes and a fitted model the library cannot read', async () => {
      const { artifact } = await fitted('cart-classifier', {}, train.x, train.y);
      const { classes: _classes, ...withoutClasses } = json(artifact);
      await expectInvalid(engine.describe('mljs.cart-classifier', bytes(withoutClasses)), /needs "classes"/);
      const corrupt = { ...json(artifact), fitted: { name: 'DTRegression' } };
      await expectInvalid(
        engine.describe('mljs.cart-classifier', bytes(corrupt)),
        /fitted cart-classifier cannot be loaded/,
      );
    });
  });

  describe('fit', () => {
    it('answers a new artifact and leaves the loaded model as it was', async () => {
      const spec = await engine.create({ algorithm: 'knn', params: { k: 3 } });
      const unfitted = await engine.load(spec.kind, spec.artifact);
      const first = await unfitted.fit!(train.x, train.y, {});
      expect(unfitted.description.actions).toEqual(['fit', 'partial_fit']);
      await expectInvalid(unfitted.predict!(test.x, {}), 'model is not fitted; run fit first');

      // Refitting a fitted model starts over on the new rows; the loaded model keeps its answers.
      const model = await engine.load(spec.kind, first.artifact);
      const before = await model.predict!(test.x, {});
      const setosaOnly = { columns: IRIS_COLUMNS, rows: train.x.rows.slice(0, 40) };
      const refit = await model.fit!(setosaOnly, train.y.slice(0, 40), {});
      expect(refit.description.classes).toEqual(['setosa']);
      await expect(model.predict!(test.x, {})).resolves.toEqual(before);
      expect(model.description.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    });

    it('reports a failure of the library on this data as TASK_FAILED', async () => {
      const spec = await engine.create({ algorithm: 'pca', params: { scale: true } });
      const constantColumn = {
        rows: [
          [1, 2],
          [1, 3],
          [1, 5],
        ],
      };
      const err = await (
        await engine.load(spec.kind, spec.artifact)
      ).fit!(constantColumn, undefined, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OmegaError);
      expect(err).toMatchObject({
        code: OmegaErrorCode.TaskFailed,
        message: expect.stringMatching(/^pca fit failed: /),
      });
    });

    it.each([
      ['random-forest-classifier', { maxFeatures: 5 }, /maxFeatures 5 does not fit 4 features/],
      ['random-forest-classifier', { maxFeatures: 0.1 }, /maxFeatures 0.1 does not fit 4 features/],
      ['pca', { nComponents: 5 }, /nComponents 5 exceeds the 4 features/],
      ['kmeans', { k: 200 }, /kmeans with k=200 needs at least 200 rows; X has 120/],
    ])('checks %s params %j against the data', async (algorithm, params, message) => {
      await expectInvalid(fitted(algorithm, params, train.x, train.y), message);
    });
  });

  describe('input checks', () => {
    let knn: LoadedModel;
    let unfittedKnn: LoadedModel;
    let linear: LoadedModel;
    beforeAll(async () => {
      ({ model: knn } = await fitted('knn', { k: 5 }, train.x, train.y));
      const spec = await engine.create({ algorithm: 'knn' });
      unfittedKnn = await engine.load(spec.kind, spec.artifact);
      ({ model: linear } = await fitted('linear-regression', {}, { rows: [[1], [2], [3]] }, [2, 4, 6]));
    });
    const x = (rows: unknown[], columns?: string[]) => ({ rows, columns }) as FeatureMatrix;

    it.each([
      ['empty X', x([]), 'X is empty: it needs at least one row'],
      ['a row without values', x([[]]), 'X has no features: row 0 is empty'],
      [
        'ragged rows',
        x([
          [1, 2, 3, 4],
          [1, 2, 3],
        ]),
        'X is ragged: row 1 has 3 values, row 0 has 4',
      ],
      ['NaN', x([[1, 2, NaN, 4]]), 'X row 0, column 2: NaN is not a finite number'],
      ['a string', x([[1, '2', 3, 4]]), 'X row 0, column 1: "2" is not a finite number'],
      ['Infinity', x([[1, 2, 3, Infinity]]), 'X row 0, column 3: Infinity is not a finite number'],
      ['too few features', x([[1, 2, 3]]), 'the model expects 4 features per row; X has 3'],
      [
        'more names than values',
        x([[1, 2, 3, 4]], ['a', 'b']),
        'X names 2 columns but its rows have 4 values',
      ],
    ])('predict rejects %s', async (_what, input, message) => {
      await expectInvalid(knn.predict!(input, {}), message);
    });

    it('puts named columns in the order the model was fitted on, and rejects unknown names', async () => {
      const reversed = [...IRIS_COLUMNS].reverse();
      const reordered = { columns: reversed, rows: test.x.rows.map((row) => [...row].reverse()) };
      await expect(knn.predict!(reordered, {})).resolves.toEqual(await knn.predict!(test.x, {}));
      await expectInvalid(
        knn.predict!({ columns: ['a', ...IRIS_COLUMNS.slice(1)], rows: [[1, 2, 3, 4]] }, {}),
        "X's columns do not match the model's (sepal_length, sepal_width, petal_length, petal_width): missing sepal_length; unknown a",
      );
    });

    it('checks y against X', async () => {
      await expectInvalid(unfittedKnn.fit!(train.x, undefined, {}), 'fit needs y: one target per row of X');
      await expectInvalid(
        unfittedKnn.fit!(train.x, train.y.slice(1), {}),
        'fit needs one target per row: X has 120 rows, y has 119 values',
      );
      await expectInvalid(
        knn.score!(test.x, test.y.slice(2), {}),
        'score needs one target per row: X has 30 rows, y has 28 values',
      );
      await expectInvalid(
        unfittedKnn.fit!(x([[1], [2]]), [1, null as unknown as number], {}),
        /target 1: null is not a class label/,
      );
      await expectInvalid(
        linear.score!(x([[1], [2]]), [2, 'four'], {}),
        'score: target 1 ("four") is not a finite number',
      );
      await expectInvalid(
        linear.partial_fit!(x([[1], [2]]), [2, NaN], {}),
        'partial_fit: target 1 (NaN) is not a finite number',
      );
    });

    it('answers "not fitted" for what an unfitted model will do once fitted', async () => {
      await expectInvalid(unfittedKnn.predict!(test.x, {}), 'model is not fitted; run fit first');
      await expectInvalid(unfittedKnn.predict_proba!(test.x, {}), 'model is not fitted; run fit first');
      await expectInvalid(unfittedKnn.score!(test.x, test.y, {}), 'model is not fitted; run fit first');
      expect(unfittedKnn.transform).toBeUndefined();
    });

    it('scores a perfect linear fit as R² = 1', async () => {
      await expect(linear.score!(x([[4], [5]]), [8, 10], {})).resolves.toBeCloseTo(1, 10);
      await expect(linear.predict!(x([[10]]), {})).resolves.toEqual([expect.closeTo(20, 9)]);
    });
  });
});
