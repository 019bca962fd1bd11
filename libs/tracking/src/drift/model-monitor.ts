import { Injectable } from '@nestjs/common';
import { OmegaError, OmegaStores, TenantContext } from '@omega/core';
import { isTableReader } from '@omega/datasets';
import { parseModelRef } from '@omega/models';
import { ExperimentsService } from '../experiments/experiments.service';
import { TrackedModels } from '../models/tracked-models';
import { DriftGauge, driftLabels } from './drift-gauge';
import { categoricalDrift, numericDrift } from './drift-stats';
import { recentInputs } from './recent-inputs';

/** Rows read from the baseline dataset, and logged input rows used, at most. */
export const MAX_MONITOR_ROWS = 100_000;
/** A feature with fewer values than this on either side is reported, not judged. */
export const MIN_VALUES = 5;

export interface MonitorOptions {
  /** The dataset the model was trained on (or any reference sample). */
  baseline: string;
  /** Features to compare; the baseline's columns found in the logged inputs when absent. */
  features?: string[];
  /** Only inputs logged at or after this time. */
  since?: Date;
  /** PSI at or above this flags drift (0.2 is the usual "significant shift"). */
  psiThreshold?: number;
  /** A KS or chi-squared p-value below this flags drift. */
  pThreshold?: number;
}

export interface FeatureDrift {
  feature: string;
  type: 'number' | 'category';
  baselineCount: number;
  recentCount: number;
  psi: number | null;
  ks?: number | null;
  ksPValue?: number | null;
  chi2?: number | null;
  chi2PValue?: number | null;
  drift: boolean;
  /** Why the feature was not judged (too few values). */
  note?: string;
  /** This feature's `feature` label on the `omega_model_drift` gauge. */
  gaugeFeature: string;
}

export interface MonitorResult {
  model: string;
  experiment: string;
  run: number;
  baseline: string;
  recentRows: number;
  psiThreshold: number;
  pThreshold: number;
  alert: boolean;
  /** This model's `model` label on the `omega_model_drift` gauge. */
  gaugeModel: string;
  features: FeatureDrift[];
}

/**
 * Drift of a tracked model's inputs: a baseline dataset against the inputs its calls logged, per
 * feature. Each check is stored as a run of the experiment `<model>.monitor` (metrics `psi/<feature>`,
 * `ks/<feature>`, …, the whole result as an artifact) and set on the `omega_model_drift` gauge.
 */
@Injectable()
export class ModelMonitor {
  constructor(
    private readonly stores: OmegaStores,
    private readonly tracked: TrackedModels,
    private readonly experiments: ExperimentsService,
    private readonly gauge: DriftGauge,
  ) {}

  async check(
    ctx: TenantContext,
    model: string,
    options: MonitorOptions,
    user: string,
  ): Promise<MonitorResult> {
    const name = parseModelRef(model).name;
    const link = await this.tracked.requireLink(ctx, name);
    const psiThreshold = options.psiThreshold ?? 0.2;
    const pThreshold = options.pThreshold ?? 0.01;

    const recent = await recentInputs(
      await this.experiments.runEvents(ctx, link.experiment, link.run, options.since),
      options.features,
      MAX_MONITOR_ROWS,
    );
    const features = options.features ?? recent.columns;
    if (features.length === 0)
      throw OmegaError.invalidInput(
        `no logged inputs of model ${name} to compare yet (inputs are kept for the OMEGA_TRACK_SAMPLE share of calls)`,
      );
    const baseline = await this.baselineColumns(ctx, options.baseline, features);

    const results = features.map((feature) => ({
      ...judge(
        feature,
        baseline.get(feature) ?? [],
        recent.values.get(feature) ?? [],
        psiThreshold,
        pThreshold,
      ),
      gaugeFeature: driftLabels(ctx, name, feature).feature,
    }));
    const alert = results.some((result) => result.drift);
    const experiment = `${name}.monitor`;
    await this.experiments.create(ctx, experiment, { existOk: true, description: `drift of model ${name}` });
    const run = await this.experiments.startRun(ctx, experiment, user, { source: 'drift-monitor' });
    const result: MonitorResult = {
      model: name,
      experiment,
      run: run.run,
      baseline: options.baseline,
      recentRows: recent.rows,
      psiThreshold,
      pThreshold,
      alert,
      gaugeModel: driftLabels(ctx, name, '').model,
      features: results,
    };
    await this.experiments.logBatch(ctx, experiment, run.run, user, {
      params: {
        baseline: options.baseline,
        psi_threshold: psiThreshold,
        p_threshold: pThreshold,
        recent_rows: recent.rows,
      },
      metrics: results.flatMap((r) =>
        statsOf(r).map(([stat, value]) => ({ key: `${stat}/${r.feature}`, value, step: 0 })),
      ),
      artifacts: [{ name: 'drift', type: 'json', value: { alert, features: results } }],
      tags: { alert: String(alert) },
    });
    await this.experiments.endRun(ctx, experiment, run.run, 'completed', user);
    for (const r of results)
      for (const [stat, value] of statsOf(r)) this.gauge.set(ctx, name, r.feature, stat, value);
    return result;
  }

  /**
   * One feature's values on both sides, for plotting their distributions: the baseline dataset's column
   * and the logged inputs (`features` in input order, for inputs logged as plain rows).
   */
  async featureValues(
    ctx: TenantContext,
    model: string,
    baseline: string,
    feature: string,
    features: string[],
  ): Promise<{ baseline: unknown[]; recent: unknown[] }> {
    const link = await this.tracked.requireLink(ctx, parseModelRef(model).name);
    const events = await this.experiments.runEvents(ctx, link.experiment, link.run);
    const recent = recentInputs(events, features, MAX_MONITOR_ROWS);
    const base = await this.baselineColumns(ctx, baseline, [feature]);
    return { baseline: base.get(feature) ?? [], recent: recent.values.get(feature) ?? [] };
  }

  private async baselineColumns(
    ctx: TenantContext,
    dataset: string,
    features: string[],
  ): Promise<Map<string, unknown[]>> {
    const meta = await this.stores.datasets.metadata(ctx, dataset);
    const reader = await this.stores.datasets.get(ctx, dataset, {});
    if (!isTableReader(reader))
      throw OmegaError.invalidInput(`baseline ${dataset} is ${meta.kind}, not a table`);
    const byName = new Map(reader.columns.map((column) => [column.name, column]));
    const missing = features.filter((feature) => !byName.has(feature));
    if (missing.length > 0)
      throw OmegaError.invalidInput(
        `baseline ${dataset} has no column ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
      );
    const values = new Map<string, unknown[]>(features.map((feature) => [feature, []]));
    const columns = features.map((feature) => byName.get(feature)!);
    for await (const chunk of reader.chunks({ columns, limit: MAX_MONITOR_ROWS })) {
      for (const record of chunk) for (const feature of features) values.get(feature)!.push(record[feature]);
    }
    return values;
  }
}

function judge(
  feature: string,
  baselineRaw: unknown[],
  recentRaw: unknown[],
  psiThreshold: number,
  pThreshold: number,
): Omit<FeatureDrift, 'gaugeFeature'> {
  const baseline = baselineRaw.filter((v) => v !== null && v !== undefined);
  const recent = recentRaw.filter((v) => v !== null && v !== undefined);
  const numeric = baseline.every((v) => typeof v === 'number') && recent.every((v) => typeof v === 'number');
  const base = {
    feature,
    type: numeric ? 'number' : 'category',
    baselineCount: baseline.length,
    recentCount: recent.length,
  } as const;
  if (baseline.length < MIN_VALUES || recent.length < MIN_VALUES) {
    return { ...base, psi: null, drift: false, note: `fewer than ${MIN_VALUES} values to compare` };
  }
  if (numeric) {
    const stats = numericDrift(baseline as number[], recent as number[]);
    return { ...base, ...stats, drift: stats.psi >= psiThreshold || stats.ksPValue < pThreshold };
  }
  const stats = categoricalDrift(baseline.map(String), recent.map(String));
  return {
    ...base,
    psi: stats.psi,
    chi2: stats.chi2,
    chi2PValue: stats.chi2PValue,
    drift: stats.psi >= psiThreshold || stats.chi2PValue < pThreshold,
  };
}

/** The judged statistics of a feature, as gauge and metric values. */
function statsOf(result: Omit<FeatureDrift, 'gaugeFeature'>): [string, number][] {
  const stats: [string, number | null | undefined][] = [
    ['psi', result.psi],
    ['ks', result.ks],
    ['ks_pvalue', result.ksPValue],
    ['chi2', result.chi2],
    ['chi2_pvalue', result.chi2PValue],
    ['drift', result.psi === null ? null : result.drift ? 1 : 0],
  ];
  return stats.filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  );
}
