import {
  binCounts,
  categoricalDrift,
  chiSquaredSurvival,
  ksStatistic,
  numericDrift,
  quantileEdges,
} from './drift-stats';

describe('drift statistics', () => {
  it('finds no drift between a sample and itself, and a large one after a shift', () => {
    const base = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10);
    expect(numericDrift(base, base)).toEqual({ psi: 0, ks: 0, ksPValue: 1 });
    const shifted = numericDrift(
      base,
      base.map((v) => v + 8),
    );
    expect(shifted.psi).toBeGreaterThan(1);
    expect(shifted.ks).toBeGreaterThan(0.4);
    expect(shifted.ksPValue).toBeLessThan(1e-10);
  });

  it('bins at the baseline deciles with values on an edge in the lower bin', () => {
    const values = Array.from({ length: 11 }, (_, i) => i);
    expect(quantileEdges(values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(binCounts([1, 1.5, 9, 10, -5], [1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([
      2, 1, 0, 0, 0, 0, 0, 0, 1, 1,
    ]);
  });

  it('computes the KS statistic as the largest gap of the two step functions', () => {
    expect(ksStatistic([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
  });

  it('matches known chi-squared tail values', () => {
    // scipy 1.17: chi2.sf(3.84, 1), chi2.sf(10, 4), chi2.sf(0.5, 3)
    expect(chiSquaredSurvival(3.84, 1)).toBeCloseTo(0.05004352, 6);
    expect(chiSquaredSurvival(10, 4)).toBeCloseTo(0.04042768, 6);
    expect(chiSquaredSurvival(0.5, 3)).toBeCloseTo(0.91889141, 6);
  });

  it('tests categories for homogeneity', () => {
    const same = categoricalDrift(['a', 'b', 'a', 'c'], ['a', 'b', 'a', 'c']);
    expect(same).toMatchObject({ chi2: 0, chi2PValue: 1, psi: 0, dof: 2 });
    const moved = categoricalDrift(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? 'sun' : 'rain')),
      Array.from({ length: 100 }, (_, i) => (i % 10 ? 'sun' : 'rain')),
    );
    expect(moved.chi2PValue).toBeLessThan(1e-6);
    expect(moved.psi).toBeGreaterThan(0.2);
  });
});
