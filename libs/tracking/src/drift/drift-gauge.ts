import { Injectable } from '@nestjs/common';
import type { TenantContext } from '@omega/core';
import { hashedLabel, MetricsRegistry } from '@omega/metrics';
import { Gauge } from 'prom-client';

/** Series the gauge holds at most; later ones are not exported (the results are still stored). */
export const MAX_DRIFT_SERIES = 5000;

/**
 * `omega_model_drift{model, feature, stat}`, the latest value of each drift statistic. `/metrics` is
 * public and never shows an object or tenant name, so model and feature are hashes (`m-…`, `f-…`):
 * a monitor's answer names the label values of its series.
 */
@Injectable()
export class DriftGauge {
  private readonly gauge: Gauge<'model' | 'feature' | 'stat'>;
  private readonly series = new Set<string>();

  constructor(metrics: MetricsRegistry) {
    this.gauge = new Gauge({
      name: 'omega_model_drift',
      help: 'Latest drift statistic of a monitored model feature (psi, ks, ks_pvalue, chi2, chi2_pvalue, drift 0/1); model and feature hashed',
      labelNames: ['model', 'feature', 'stat'],
      registers: [metrics.registry],
    });
  }

  set(ctx: TenantContext, model: string, feature: string, stat: string, value: number): void {
    const labels = driftLabels(ctx, model, feature);
    const key = `${labels.model}/${labels.feature}/${stat}`;
    if (!this.series.has(key)) {
      if (this.series.size >= MAX_DRIFT_SERIES) return;
      this.series.add(key);
    }
    this.gauge.set({ ...labels, stat }, value);
  }
}

export function driftLabels(
  ctx: TenantContext,
  model: string,
  feature: string,
): { model: string; feature: string } {
  return {
    model: hashedLabel('m', `${ctx.tenant}/${ctx.qualifier}/${ctx.bucket}/${model}`),
    feature: hashedLabel('f', feature),
  };
}
