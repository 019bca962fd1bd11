import { Injectable } from '@nestjs/common';
import { OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import { ExperimentsService, FeatureDrift, ModelMonitor, RunDetail, TrackedModels } from '@omega/tracking';
import { Chart } from '../../charts/chart-renderer';
import {
  distributions,
  driftBars,
  driftOverTime,
  histogram,
  metricCurves,
  metricOverRuns,
} from '../../charts/tracking-charts';

/** Runs an experiment page lists (the latest ones). */
export const RUNS_SHOWN = 50;
/** Runs drawn as curves on the experiment page (the latest ones; the comparison draws its own). */
export const CURVE_RUNS = 10;
/** Points per run a curve draws at most (evenly thinned beyond). */
export const CURVE_POINTS = 2_000;
/** Monitoring checks the monitoring page reads (the latest ones). */
export const CHECKS_SHOWN = 200;

export type ExperimentChart = 'curves' | 'runs';
export type MonitorChart = 'drift' | 'history' | 'distribution';

export interface ExperimentView {
  experiment: Awaited<ReturnType<ExperimentsService['get']>>;
  runs: RunDetail[];
  total: number;
  params: string[];
  metrics: string[];
  metric: string | null;
  curveRuns: number[];
}

interface MonitorCheck {
  run: number;
  time: Date;
  baseline: string;
  threshold: number;
  alert: boolean;
  features: FeatureDrift[];
}

export interface MonitorView {
  model: string;
  experiment: string;
  trackedInto: string;
  checks: MonitorCheck[];
  latest: MonitorCheck | null;
  features: string[];
  feature: string | null;
}

/** What the experiment and model monitoring pages show, and the data of their charts. */
@Injectable()
export class TrackingPages {
  constructor(
    private readonly experiments: ExperimentsService,
    private readonly tracked: TrackedModels,
    private readonly monitor: ModelMonitor,
  ) {}

  async experiment(ctx: TenantContext, name: string, metric?: string): Promise<ExperimentView> {
    const experiment = await this.experiments.get(ctx, name);
    const runs = await this.latestRuns(ctx, name, RUNS_SHOWN);
    const params = keysOf(runs.runs.map((run) => run.params));
    const metrics = keysOf(runs.runs.map((run) => run.metrics));
    return {
      experiment,
      runs: runs.runs,
      total: runs.total,
      params,
      metrics,
      metric: pick(metrics, metric, `metric of experiment ${name}:`),
      curveRuns: runs.runs.slice(-CURVE_RUNS).map((run) => run.run),
    };
  }

  async compare(ctx: TenantContext, name: string, runs: number[] | undefined, metric?: string) {
    const experiment = await this.experiments.get(ctx, name);
    const comparison = await this.experiments.compare(ctx, name, runs ?? []);
    const metrics = comparison.metrics.map((m) => m.key);
    return { experiment, ...comparison, metric: pick(metrics, metric, `metric of experiment ${name}:`) };
  }

  async experimentChart(
    ctx: TenantContext,
    name: string,
    chart: string,
    query: { metric?: string; runs?: number[] },
  ): Promise<Chart> {
    const view = await this.experiment(ctx, name, query.metric);
    const metric = view.metric;
    if (!metric) throw OmegaError.notFound(`metrics of experiment ${name}`);
    if (chart === 'runs') {
      return metricOverRuns(
        metric,
        view.runs.flatMap((run) => {
          const last = run.metrics[metric]?.last;
          return typeof last === 'number' ? [{ run: run.run, value: last }] : [];
        }),
      );
    }
    if (chart !== 'curves') throw OmegaError.notFound(`chart ${chart}`);
    const runs = query.runs ?? view.curveRuns;
    const series = await this.experiments.series(ctx, name, metric, runs);
    const points = [...series.entries()]
      .sort((a, b) => a[0] - b[0])
      .flatMap(([run, list]) =>
        thin(list, CURVE_POINTS).map((p) => ({ run: `run ${run}`, step: p.step, value: p.value })),
      );
    return metricCurves(metric, points);
  }

  async monitoring(ctx: TenantContext, model: string, feature?: string): Promise<MonitorView> {
    const link = await this.tracked.requireLink(ctx, model);
    const experiment = `${link.model}.monitor`;
    let checks: MonitorCheck[] = [];
    try {
      checks = (await this.latestRuns(ctx, experiment, CHECKS_SHOWN)).runs.flatMap(checkOf);
    } catch (error) {
      if (!(error instanceof OmegaError && error.code === OmegaErrorCode.NotFound)) throw error;
    }
    const latest = checks[checks.length - 1] ?? null;
    const features = latest?.features.map((f) => f.feature) ?? [];
    return {
      model: link.model,
      experiment,
      trackedInto: link.experiment,
      checks,
      latest,
      features,
      feature: pick(features, feature, `feature of model ${link.model}:`),
    };
  }

  async monitorChart(ctx: TenantContext, model: string, chart: string, feature?: string): Promise<Chart> {
    const view = await this.monitoring(ctx, model, feature);
    const latest = view.latest;
    if (!latest) throw OmegaError.notFound(`drift checks of model ${view.model}`);
    if (chart === 'drift') {
      return driftBars(
        latest.features.flatMap((f) =>
          f.psi === null ? [] : [{ feature: f.feature, psi: f.psi, drift: f.drift }],
        ),
        latest.threshold,
      );
    }
    if (chart === 'history') {
      return driftOverTime(
        view.checks.flatMap((check) =>
          check.features.flatMap((f) =>
            f.psi === null
              ? []
              : [{ time: check.time.toISOString(), run: check.run, feature: f.feature, psi: f.psi }],
          ),
        ),
      );
    }
    if (chart !== 'distribution') throw OmegaError.notFound(`chart ${chart}`);
    if (!view.feature) throw OmegaError.notFound(`features of model ${view.model}`);
    const values = await this.monitor.featureValues(
      ctx,
      view.model,
      latest.baseline,
      view.feature,
      view.features,
    );
    return distributions(view.feature, histogram(values.baseline, values.recent));
  }

  private async latestRuns(ctx: TenantContext, name: string, count: number) {
    const first = await this.experiments.runs(ctx, name, { limit: count });
    if (first.total <= count) return first;
    return this.experiments.runs(ctx, name, { skip: first.total - count, limit: count });
  }
}

function keysOf(records: Record<string, unknown>[]): string[] {
  return [...new Set(records.flatMap((record) => Object.keys(record)))].sort();
}

/** The wanted name (404 when there is none such), or the first. */
function pick(names: string[], wanted: string | undefined, what: string): string | null {
  if (wanted === undefined) return names[0] ?? null;
  if (!names.includes(wanted)) throw OmegaError.notFound(`${what} ${wanted}`);
  return wanted;
}

function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const every = points.length / max;
  return Array.from({ length: max }, (_, i) => points[Math.floor(i * every)]);
}

function checkOf(run: RunDetail): MonitorCheck[] {
  const artifact = run.artifacts.drift as
    { value?: { alert?: boolean; features?: FeatureDrift[] } } | undefined;
  const drift = artifact?.value;
  if (!drift || !Array.isArray(drift.features)) return [];
  const threshold = run.params.psi_threshold;
  return [
    {
      run: run.run,
      time: run.start,
      baseline: String(run.params.baseline ?? ''),
      threshold: typeof threshold === 'number' ? threshold : 0.2,
      alert: drift.alert === true,
      features: drift.features,
    },
  ];
}
