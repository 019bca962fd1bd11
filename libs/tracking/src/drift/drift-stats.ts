/**
 * Drift statistics between a baseline sample and a recent one: PSI and the two-sample
 * Kolmogorov–Smirnov test for numbers, PSI and the chi-squared test of homogeneity for categories.
 * Checked against scipy in test/tracking-drift.e2e-spec.ts.
 */

/** Share floor of an empty bin in PSI (a bin with no values would make the logarithm infinite). */
export const PSI_EPSILON = 1e-4;
/** PSI bins for numbers: baseline deciles. */
export const PSI_BINS = 10;

export interface NumericDrift {
  psi: number;
  ks: number;
  ksPValue: number;
}

export interface CategoricalDrift {
  psi: number;
  chi2: number;
  chi2PValue: number;
  dof: number;
}

/**
 * Bin edges at the baseline's quantiles (duplicates merged, so a feature with few distinct values gets
 * fewer bins); the outer bins are open to ±∞.
 */
export function quantileEdges(baseline: readonly number[], bins = PSI_BINS): number[] {
  const sorted = [...baseline].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const edge = quantile(sorted, i / bins);
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

/** Linear interpolation between order statistics (numpy's default). */
function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** Counts per bin: bin i holds values in (edges[i-1], edges[i]]. */
export function binCounts(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) {
    let low = 0;
    let high = edges.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (value <= edges[mid]) high = mid;
      else low = mid + 1;
    }
    counts[low]++;
  }
  return counts;
}

/** Σ (recent − baseline) · ln(recent / baseline) over bin shares, each share floored at PSI_EPSILON. */
export function psiOfCounts(baseline: readonly number[], recent: readonly number[]): number {
  const totalB = baseline.reduce((a, b) => a + b, 0);
  const totalR = recent.reduce((a, b) => a + b, 0);
  let psi = 0;
  for (let i = 0; i < baseline.length; i++) {
    const b = Math.max(baseline[i] / totalB, PSI_EPSILON);
    const r = Math.max(recent[i] / totalR, PSI_EPSILON);
    psi += (r - b) * Math.log(r / b);
  }
  return psi;
}

/** The largest distance between the two empirical distribution functions. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const value = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= value) i++;
    while (j < y.length && y[j] <= value) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** The asymptotic two-sided p-value: Kolmogorov's distribution at √(nm/(n+m))·D (scipy's kstwobign.sf). */
export function ksPValue(d: number, n: number, m: number): number {
  const lambda = Math.sqrt((n * m) / (n + m)) * d;
  return kolmogorovSurvival(lambda);
}

/** Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}; for small λ the series is slow, and Q is 1 there. */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export function numericDrift(baseline: readonly number[], recent: readonly number[]): NumericDrift {
  const edges = quantileEdges(baseline);
  const psi = psiOfCounts(binCounts(baseline, edges), binCounts(recent, edges));
  const ks = ksStatistic(baseline, recent);
  return { psi, ks, ksPValue: ksPValue(ks, baseline.length, recent.length) };
}

/**
 * Categories: PSI over the union of categories, and Pearson's chi-squared test of homogeneity of the
 * 2 × k table (baseline and recent counts; no continuity correction), as scipy's chi2_contingency.
 */
export function categoricalDrift(baseline: readonly string[], recent: readonly string[]): CategoricalDrift {
  const categories = [...new Set([...baseline, ...recent])].sort();
  const count = (values: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
    return categories.map((category) => counts.get(category) ?? 0);
  };
  const b = count(baseline);
  const r = count(recent);
  const { chi2, dof } = chiSquared([b, r]);
  return { psi: psiOfCounts(b, r), chi2, dof, chi2PValue: dof > 0 ? chiSquaredSurvival(chi2, dof) : 1 };
}

/** Pearson's statistic of a contingency table and its degrees of freedom. */
export function chiSquared(table: readonly (readonly number[])[]): { chi2: number; dof: number } {
  const rows = table.map((row) => row.reduce((a, b) => a + b, 0));
  const columns = table[0].map((_, j) => table.reduce((sum, row) => sum + row[j], 0));
  const total = rows.reduce((a, b) => a + b, 0);
  let chi2 = 0;
  for (let i = 0; i < table.length; i++) {
    for (let j = 0; j < columns.length; j++) {
      const expected = (rows[i] * columns[j]) / total;
      if (expected > 0) chi2 += (table[i][j] - expected) ** 2 / expected;
    }
  }
  return { chi2, dof: (table.length - 1) * (columns.length - 1) };
}

/** P(X ≥ x) for X ~ χ²(k): the regularized upper incomplete gamma Q(k/2, x/2). */
export function chiSquaredSurvival(x: number, k: number): number {
  if (x <= 0) return 1;
  return upperGammaQ(k / 2, x / 2);
}

/** Q(a, x), by its series below a + 1 and its continued fraction above (Numerical Recipes 6.2). */
function upperGammaQ(a: number, x: number): number {
  const lnFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnFront));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(lnFront) * h;
}

/** Lanczos approximation (g = 7, n = 9). */
function logGamma(z: number): number {
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let a = coefficients[0];
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += coefficients[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
