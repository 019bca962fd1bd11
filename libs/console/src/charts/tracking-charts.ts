import type { Chart } from './chart-renderer';

const WIDTH = 640;
const HEIGHT = 280;
/** Bins of a numeric feature's distribution; categories shown at most. */
export const HISTOGRAM_BINS = 20;
export const MAX_CATEGORIES = 20;

function chart(rows: Record<string, unknown>[], spec: Record<string, unknown>): Chart {
  return { rows, spec: { width: WIDTH, height: HEIGHT, data: { values: rows }, ...spec } };
}

/** One metric over steps, a line per run. */
export function metricCurves(metric: string, points: { run: string; step: number; value: number }[]): Chart {
  return chart(points, {
    title: `${metric} over steps`,
    mark: { type: 'line', interpolate: 'linear' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: { field: 'run', type: 'nominal', title: 'run' },
    },
  });
}

/** One metric's last value in each run, runs in order. */
export function metricOverRuns(metric: string, rows: { run: number; value: number }[]): Chart {
  return chart(rows, {
    title: `${metric} (last value) over runs`,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'run', type: 'ordinal', title: 'run' },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
    },
  });
}

/** The latest check's PSI per feature as bars, the threshold as a rule line. */
export function driftBars(
  rows: { feature: string; psi: number; drift: boolean }[],
  threshold: number,
): Chart {
  return chart(
    rows.map((row) => ({ ...row, threshold })),
    {
      title: 'Drift per feature (PSI)',
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'feature', type: 'nominal', sort: null, title: 'feature', axis: { labelAngle: -30 } },
            y: { field: 'psi', type: 'quantitative', title: 'PSI' },
            color: {
              field: 'drift',
              type: 'nominal',
              title: 'drift',
              scale: { domain: [false, true], range: ['#4c78a8', '#e45756'] },
            },
          },
        },
        {
          mark: { type: 'rule', color: '#b00020', strokeDash: [6, 4], size: 2 },
          encoding: { y: { field: 'threshold', type: 'quantitative', aggregate: 'max' } },
        },
      ],
    },
  );
}

/** PSI of each feature over the checks' times, a line per feature. */
export function driftOverTime(rows: { time: string; run: number; feature: string; psi: number }[]): Chart {
  const labelled = rows.map((row) => ({
    check: `#${row.run} ${row.time.slice(0, 16).replace('T', ' ')}`,
    ...row,
  }));
  return chart(labelled, {
    title: 'Drift over time (PSI)',
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'check',
        type: 'ordinal',
        title: 'check (run, UTC time)',
        sort: { field: 'run', op: 'min' },
        axis: { labelAngle: -30 },
      },
      y: { field: 'psi', type: 'quantitative', title: 'PSI' },
      color: { field: 'feature', type: 'nominal', title: 'feature' },
    },
  });
}

export type DistributionRow = {
  bin: string;
  order: number;
  side: 'baseline' | 'recent';
  count: number;
  share: number;
};

/** Baseline and recent shares of a feature's bins (or categories), bars side by side. */
export function distributions(feature: string, rows: DistributionRow[]): Chart {
  return chart(rows, {
    title: `Distribution of ${feature}: baseline vs recent`,
    mark: 'bar',
    encoding: {
      x: {
        field: 'bin',
        type: 'ordinal',
        title: feature,
        sort: { field: 'order', op: 'min' },
        axis: { labelAngle: -45, labelLimit: 90 },
      },
      xOffset: { field: 'side', type: 'nominal' },
      y: { field: 'share', type: 'quantitative', title: 'share of values', axis: { format: '%' } },
      color: {
        field: 'side',
        type: 'nominal',
        title: 'data',
        scale: { domain: ['baseline', 'recent'], range: ['#4c78a8', '#f58518'] },
      },
    },
  });
}

/** Shares of baseline and recent values per bin: equal-width bins for numbers, top categories otherwise. */
export function histogram(baselineRaw: unknown[], recentRaw: unknown[]): DistributionRow[] {
  const baseline = baselineRaw.filter((v) => v !== null && v !== undefined);
  const recent = recentRaw.filter((v) => v !== null && v !== undefined);
  const numeric = [...baseline, ...recent].every((v) => typeof v === 'number' && Number.isFinite(v));
  return numeric && baseline.length + recent.length > 0
    ? numericBins(baseline as number[], recent as number[])
    : categoryBins(baseline.map(String), recent.map(String));
}

function numericBins(baseline: number[], recent: number[]): DistributionRow[] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of [...baseline, ...recent]) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const width = max > min ? (max - min) / HISTOGRAM_BINS : 1;
  const bins = max > min ? HISTOGRAM_BINS : 1;
  const count = (values: number[]) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
    return counts;
  };
  const sides = { baseline: count(baseline), recent: count(recent) };
  const label = (i: number) => formatEdge(min + i * width);
  return rowsOf(
    Array.from({ length: bins }, (_, i) => label(i)),
    sides,
    { baseline: baseline.length, recent: recent.length },
  );
}

function categoryBins(baseline: string[], recent: string[]): DistributionRow[] {
  const totals = new Map<string, number>();
  for (const v of [...baseline, ...recent]) totals.set(v, (totals.get(v) ?? 0) + 1);
  const categories = [...totals.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_CATEGORIES)
    .map(([category]) => category);
  const count = (values: string[]) => categories.map((c) => values.filter((v) => v === c).length);
  return rowsOf(
    categories,
    { baseline: count(baseline), recent: count(recent) },
    { baseline: baseline.length, recent: recent.length },
  );
}

function rowsOf(
  bins: string[],
  counts: Record<'baseline' | 'recent', number[]>,
  totals: Record<'baseline' | 'recent', number>,
): DistributionRow[] {
  return (['baseline', 'recent'] as const).flatMap((side) =>
    bins.map((bin, order) => ({
      bin,
      order,
      side,
      count: counts[side][order],
      share: totals[side] > 0 ? counts[side][order] / totals[side] : 0,
    })),
  );
}

function formatEdge(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(3);
}
