import { readFileSync } from 'fs';
import { join } from 'path';
import { OmegaError } from '@omega/core';
import { DenseFeatures, LoadedModel } from '@omega/models';
import { OnnxEngine } from '../onnx.engine';

const FIXTURES = join(__dirname, '../../../../test/fixtures/onnx');

function packed(rows: number[][]): DenseFeatures {
  const width = rows[0].length;
  const data = new Float64Array(rows.length * width + width);
  rows.forEach((row, r) => data.set(row, r * width));
  // One spare row past the end: a batch's array may be longer than its rows.
  return { data, rowCount: rows.length, width };
}

describe('packed features into an ONNX model', () => {
  const engine = new OnnxEngine();
  const load = (name: string): Promise<LoadedModel> =>
    engine.load('onnx.model', readFileSync(join(FIXTURES, `${name}.onnx`)));
  const rowsOf = (name: string): number[][] =>
    (JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as { X: number[][] }).X;

  it.each(['scaler-classifier', 'iris-logreg', 'rf-regressor'])(
    '%s: predictDense answers what predict answers on the same rows',
    async (name) => {
      const model = await load(name);
      const rows = rowsOf(name);
      expect(model.predictDense).toBeDefined();
      await expect(model.predictDense!(packed(rows), {})).resolves.toEqual(
        await model.predict!({ rows }, {}),
      );
      await model.dispose?.();
    },
  );

  it('refuses a width the model does not take, and a model of several inputs takes rows only', async () => {
    const model = await load('scaler-classifier');
    const rows = rowsOf('scaler-classifier').map((row) => row.slice(1));
    const refused = model.predictDense!(packed(rows), {});
    await expect(refused).rejects.toBeInstanceOf(OmegaError);
    await expect(refused).rejects.toThrow('model expects 13 features per row, got 12');
    await model.dispose?.();
    const columns = await load('columns-regressor');
    expect(columns.predictDense).toBeUndefined();
    await columns.dispose?.();
  });
});
