import { readFileSync } from 'fs';
import { join } from 'path';
import { Test } from '@nestjs/testing';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { FeatureMatrix, LoadedModel, ModelEngine } from '@omega/models';
import { OnnxEngine } from './onnx.engine';
import { OnnxModule } from './onnx.module';

/** Written by scripts/make-onnx-fixtures.py: held-out rows and scikit-learn's own answers on them. */
interface Expected {
  columns: string[];
  X: number[][];
  y?: number[];
  predict?: number[];
  predict_proba?: number[][];
  transform?: number[][];
  decision_function?: number[] | number[][];
  classes?: number[];
  score?: number;
}

const FIXTURES = join(__dirname, '../../../test/fixtures/onnx');
const artifact = (name: string): Buffer => readFileSync(join(FIXTURES, `${name}.onnx`));
const expected = (name: string): Expected =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;

const KIND = 'onnx.model';
const SKL2ONNX_DETAILS = {
  producer: 'skl2onnx',
  producerVersion: expect.any(String),
  irVersion: expect.any(Number),
  opsets: expect.arrayContaining([{ domain: 'ai.onnx', version: 17 }]),
};

/** float32 inference against scikit-learn's float64 arithmetic: equal to 1e-5, relative or absolute. */
function expectClose(actual: unknown, wanted: unknown, path = 'value'): void {
  if (Array.isArray(wanted)) {
    expect(Array.isArray(actual) && actual.length).toBe(wanted.length);
    wanted.forEach((w, i) => expectClose((actual as unknown[])[i], w, `${path}[${i}]`));
    return;
  }
  const tolerance = 1e-5 * Math.max(1, Math.abs(wanted as number));
  if (!(Math.abs((actual as number) - (wanted as number)) <= tolerance)) {
    throw new Error(`${path}: ${String(actual)} is not within ${tolerance} of ${String(wanted)}`);
  }
}

async function expectInvalid(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OmegaError);
  expect((err as OmegaError).code).toBe(OmegaErrorCode.InvalidInput);
  expect((err as OmegaError).message).toMatch(message);
}

describe('OnnxEngine', () => {
  const engine = new OnnxEngine();
  const loaded: LoadedModel[] = [];
  const load = async (name: string): Promise<LoadedModel> => {
    const model = await engine.load(KIND, artifact(name));
    loaded.push(model);
    return model;
  };
  afterAll(() => Promise.all(loaded.map((model) => model.dispose?.())));

  it('is a provider of OnnxModule, marked as the onnx.model engine', async () => {
    const app = await Test.createTestingModule({ imports: [OnnxModule] }).compile();
    expect(app.get(OnnxEngine)).toBeInstanceOf(OnnxEngine);
    expect(Reflect.getMetadata(ModelEngine.KEY, OnnxEngine)).toEqual({ kinds: [KIND] });
    await app.close();
  });

  describe.each(['iris-logreg', 'scaler-classifier'])('classifier %s', (name) => {
    const want = expected(name);
    const x: FeatureMatrix = { columns: want.columns, rows: want.X };
    const n = want.columns.length;

    it('describes its signature, classes and producer', async () => {
      await expect(engine.describe(KIND, artifact(name))).resolves.toEqual({
        actions: ['predict', 'predict_proba', 'score'],
        inputs: [{ name: 'input', type: 'float32', shape: [null, n] }],
        outputs: [
          { name: 'label', type: 'int64', shape: [null] },
          { name: 'probabilities', type: 'float32', shape: [null, want.classes!.length] },
        ],
        featureCount: n,
        classes: want.classes,
        details: {
          ...SKL2ONNX_DETAILS,
          opsets: [
            { domain: 'ai.onnx', version: 17 },
            { domain: 'ai.onnx.ml', version: 1 },
          ],
        },
      });
    });

    it("predicts scikit-learn's labels exactly, as numbers", async () => {
      const model = await load(name);
      await expect(model.predict!(x, {})).resolves.toEqual(want.predict);
    });

    it("predicts scikit-learn's probabilities to 1e-5", async () => {
      const model = await load(name);
      expectClose(await model.predict_proba!(x, {}), want.predict_proba);
    });

    it('scores accuracy like scikit-learn, also against string labels', async () => {
      const model = await load(name);
      expect(await model.score!(x, want.y!, {})).toBeCloseTo(want.score!, 10);
      // Three labels changed: 17 of 20 right.
      const wrong = want.y!.map((label, i) => (i < 3 ? String((label + 1) % 3) : String(label)));
      expect(await model.score!(x, wrong, {})).toBeCloseTo(17 / 20, 10);
    });

    it('has no transform: a classifier is not a transformer', async () => {
      const model = await load(name);
      expect(model.transform).toBeUndefined();
    });

    it('has no decision_function: its export has probabilities, not scores', async () => {
      const model = await load(name);
      expect(model.decision_function).toBeUndefined();
    });
  });

  describe('classifier iris-logreg-scores (exported with raw scores)', () => {
    const want = expected('iris-logreg-scores');
    const x: FeatureMatrix = { columns: want.columns, rows: want.X };

    it('describes decision_function instead of predict_proba', async () => {
      const description = await engine.describe(KIND, artifact('iris-logreg-scores'));
      expect(description.actions).toEqual(['predict', 'score', 'decision_function']);
      expect(description.outputs).toEqual([
        { name: 'label', type: 'int64', shape: [null] },
        { name: 'scores', type: 'float32', shape: [null, 3] },
      ]);
    });

    it("answers scikit-learn's decision_function to 1e-5, one row of class scores per row", async () => {
      const model = await load('iris-logreg-scores');
      expectClose(await model.decision_function!(x, {}), want.decision_function);
      await expect(model.predict!(x, {})).resolves.toEqual(want.predict);
      expect(model.predict_proba).toBeUndefined();
    });
  });

  describe('binary classifier cancer-logreg-scores (exported with raw scores)', () => {
    const want = expected('cancer-logreg-scores');
    const x: FeatureMatrix = { columns: want.columns, rows: want.X };

    it('exports two score columns, one per class', async () => {
      const description = await engine.describe(KIND, artifact('cancer-logreg-scores'));
      expect(description.actions).toEqual(['predict', 'score', 'decision_function']);
      expect(description.outputs).toContainEqual({ name: 'scores', type: 'float32', shape: [null, 2] });
    });

    it("answers scikit-learn's decision_function to 1e-5, one score per row (the positive class's)", async () => {
      const model = await load('cancer-logreg-scores');
      const scores = await model.decision_function!(x, {});
      expect(scores.every((score) => typeof score === 'number')).toBe(true);
      expectClose(scores, want.decision_function);
      // A positive margin is the positive class, as scikit-learn's predict decides it.
      expect(scores.map((score) => ((score as number) > 0 ? 1 : 0))).toEqual(want.predict);
    });
  });

  describe('regressor rf-regressor', () => {
    const want = expected('rf-regressor');
    const x: FeatureMatrix = { columns: want.columns, rows: want.X };

    it('describes its signature', async () => {
      await expect(engine.describe(KIND, artifact('rf-regressor'))).resolves.toEqual({
        actions: ['predict', 'score'],
        inputs: [{ name: 'input', type: 'float32', shape: [null, 10] }],
        outputs: [{ name: 'variable', type: 'float32', shape: [null, 1] }],
        featureCount: 10,
        details: SKL2ONNX_DETAILS,
      });
    });

    it("predicts scikit-learn's values to 1e-5, one number per row", async () => {
      const model = await load('rf-regressor');
      const predicted = await model.predict!(x, {});
      expect(predicted.every((v) => typeof v === 'number')).toBe(true);
      expectClose(predicted, want.predict);
    });

    it('scores R² like scikit-learn', async () => {
      const model = await load('rf-regressor');
      expectClose(await model.score!(x, want.y!, {}), want.score);
    });

    it('predicts a single row', async () => {
      const model = await load('rf-regressor');
      const predicted = await model.predict!({ rows: [want.X[3]] }, {});
      expectClose(predicted, [want.predict![3]]);
    });
  });

  describe('regressor columns-regressor (one float64 input per column)', () => {
    const want = expected('columns-regressor');

    it('describes one input per column', async () => {
      const description = await engine.describe(KIND, artifact('columns-regressor'));
      expect(description.inputs).toEqual(
        ['age', 'bmi', 'bp'].map((name) => ({ name, type: 'float64', shape: [null, 1] })),
      );
      expect(description.featureCount).toBe(3);
      expect(description.actions).toEqual(['predict', 'score']);
    });

    it('feeds columns by position when they are not named', async () => {
      const model = await load('columns-regressor');
      expectClose(await model.predict!({ rows: want.X }, {}), want.predict);
      expectClose(await model.score!({ rows: want.X }, want.y!, {}), want.score);
    });

    it('feeds columns by name when they match the inputs, in any order', async () => {
      const model = await load('columns-regressor');
      // bp, age, bmi, plus a column the model does not take.
      const rows = want.X.map(([age, bmi, bp]) => [bp, age, 99, bmi]);
      const predicted = await model.predict!({ columns: ['bp', 'age', 'extra', 'bmi'], rows }, {});
      expectClose(predicted, want.predict);
    });
  });

  describe('transformer iris-pca', () => {
    const want = expected('iris-pca');

    it('describes a transformer', async () => {
      const description = await engine.describe(KIND, artifact('iris-pca'));
      expect(description.actions).toEqual(['predict', 'transform']);
      expect(description.outputs).toEqual([{ name: 'variable', type: 'float32', shape: [null, 2] }]);
      expect(description.classes).toBeUndefined();
    });

    it('transforms like scikit-learn to 1e-5', async () => {
      const model = await load('iris-pca');
      expectClose(await model.transform!({ rows: want.X }, {}), want.transform);
    });
  });

  describe('input errors', () => {
    const rows = expected('iris-logreg').X;

    it.each([
      ['too few features', { rows: [[1, 2, 3]] }, 'model expects 4 features per row, got 3'],
      ['too many features', { rows: [[1, 2, 3, 4, 5]] }, 'model expects 4 features per row, got 5'],
      [
        'ragged rows',
        { rows: [rows[0], [1, 2, 3]] },
        'rows differ in length: row 0 has 4 values, row 1 has 3',
      ],
      ['a string', { rows: [rows[0], [1, 'abc', 3, 4]] }, "row 1, column 1: 'abc' is not a number"],
      ['a null', { rows: [[1, 2, null, 4]] }, 'row 0, column 2: null is not a number'],
      ['no rows', { rows: [] }, 'empty input: give at least one row of features'],
      ['a row that is not a list', { rows: [rows[0], 7] }, 'row 1 is not a list of numbers'],
    ])('rejects %s', async (_case, x, message) => {
      const model = await load('iris-logreg');
      await expectInvalid(model.predict!(x as FeatureMatrix, {}), message);
    });

    it('rejects a score with one target too few', async () => {
      const model = await load('iris-logreg');
      await expectInvalid(
        model.score!({ rows }, [0], {}),
        'score needs one target per row: 20 rows, 1 targets',
      );
    });

    it('rejects named columns that do not cover a row', async () => {
      const model = await load('columns-regressor');
      await expectInvalid(
        model.predict!({ columns: ['age', 'bmi', 'bp'], rows: [[1, 2]] }, {}),
        '3 columns are named but row 0 has 2 values',
      );
    });
  });

  describe('artifact errors', () => {
    it('rejects bytes that are not an ONNX model', async () => {
      await expectInvalid(
        engine.describe(KIND, Buffer.from('certainly not protobuf')),
        /^not a valid ONNX model: /,
      );
      await expectInvalid(engine.load(KIND, Buffer.from([0xff, 0xff, 0xff])), /^not a valid ONNX model: /);
    });

    it('rejects an empty file', async () => {
      await expectInvalid(
        engine.describe(KIND, Buffer.alloc(0)),
        'not a valid ONNX model: the file is empty',
      );
    });

    it('rejects a truncated model', async () => {
      const bytes = artifact('rf-regressor');
      await expectInvalid(
        engine.describe(KIND, bytes.subarray(0, bytes.length / 2)),
        /^not a valid ONNX model: /,
      );
    });
  });

  it('refuses to run once disposed', async () => {
    const model = await engine.load(KIND, artifact('iris-logreg'));
    await model.dispose!();
    await expect(model.predict!({ rows: [[1, 2, 3, 4]] }, {})).rejects.toThrow('disposed');
  });
});
