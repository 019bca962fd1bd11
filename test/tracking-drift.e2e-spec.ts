import { categoricalDrift, numericDrift, TrackedModelActions } from '@omega/tracking';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON } from './support/pytest';
import { baseline, FEATURES, production, trackedWeatherModel } from './support/seattle-weather';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

/** scipy's and numpy's answers for the same samples (the test venv's python). */
function reference(samples: Record<string, { baseline: unknown[]; recent: unknown[] }>) {
  const dir = mkdtempSync(join(tmpdir(), 'drift-'));
  try {
    const input = join(dir, 'samples.json');
    writeFileSync(input, JSON.stringify(samples));
    const script = `
import json, sys
import numpy as np
from scipy.stats import ks_2samp, kstwobign, chi2_contingency
out = {}
for name, s in json.load(open(sys.argv[1])).items():
    b, r = s['baseline'], s['recent']
    if isinstance(b[0], str):
        cats = sorted(set(b) | set(r))
        table = [[b.count(c) for c in cats], [r.count(c) for c in cats]]
        chi2, p, dof, _ = chi2_contingency(table, correction=False)
        out[name] = {'chi2': chi2, 'chi2PValue': p, 'dof': dof}
        continue
    b, r = np.array(b, float), np.array(r, float)
    edges = np.unique(np.quantile(b, np.arange(1, 10) / 10))
    cb = np.bincount(np.searchsorted(edges, b, side='left'), minlength=len(edges) + 1)
    cr = np.bincount(np.searchsorted(edges, r, side='left'), minlength=len(edges) + 1)
    pb, pr = np.maximum(cb / cb.sum(), 1e-4), np.maximum(cr / cr.sum(), 1e-4)
    ks = ks_2samp(b, r, method='asymp')
    n, m = len(b), len(r)
    out[name] = {'psi': float(((pr - pb) * np.log(pr / pb)).sum()), 'ks': float(ks.statistic),
                 'ksPValueAsymp': float(kstwobign.sf(np.sqrt(n * m / (n + m)) * ks.statistic)),
                 'ksPValueScipy': float(ks.pvalue)}
print(json.dumps(out))
`;
    const run = spawnSync(PYTHON, ['-c', script, input], { encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`scipy reference failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as Record<string, Record<string, number>>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('drift monitoring of a tracked model', () => {
  let app: TestApp;
  let worker: WorkerProcess;
  let other: TestPrincipal;
  const saved = { ...process.env };

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`bash scripts/services.sh start\``);
    process.env.OMEGA_TRACK_SAMPLE = '1';
    process.env.OMEGA_TRACK_MAX_ROWS = '100';
    app = await startTestApp({ broker: true });
    worker = await startWorker(app.config);
    other = await app.createPrincipal({ tenant: 'acme' });
    await trackedWeatherModel(app.api, 'weather_2012_13', 'weather-prod');
    await app.app.get(TrackedModelActions).flush();
  });

  afterAll(async () => {
    process.env = saved;
    await worker?.stop();
    await app?.close();
  });

  it('flags the shifted feature and not the unshifted ones, with statistics equal to scipy', async () => {
    const { body } = await app.api
      .post('/api/v1/model/weather/monitor')
      .send({ baseline: 'weather_2012_13', features: [...FEATURES] })
      .expect(200);
    expect(body).toMatchObject({ model: 'weather', experiment: 'weather.monitor', run: 1, alert: true });
    expect(body.recentRows).toBe(production.length);
    const byFeature = Object.fromEntries(
      (body.features as { feature: string; drift: boolean }[]).map((f) => [f.feature, f]),
    );
    // 2015 was a warm year: its highs moved (KS p ≈ 0.003); rain and wind did not (p ≈ 0.4).
    expect(byFeature.temp_max.drift).toBe(true);
    expect(byFeature.precipitation.drift).toBe(false);
    expect(byFeature.wind.drift).toBe(false);

    const samples = Object.fromEntries(
      FEATURES.map((f) => [f, { baseline: baseline.map((d) => d[f]), recent: production.map((d) => d[f]) }]),
    );
    const scipy = reference(samples);
    for (const feature of FEATURES) {
      const ours = byFeature[feature] as unknown as Record<string, number>;
      expect(ours.psi).toBeCloseTo(scipy[feature].psi, 10);
      expect(ours.ks).toBeCloseTo(scipy[feature].ks, 12);
      expect(ours.ksPValue).toBeCloseTo(scipy[feature].ksPValueAsymp, 10);
      // scipy's own asymptotic mode takes the one-sample exact distribution at the rounded effective size
      // (kstwo.sf(d, round(nm/(n+m)))): within 15 % of the limiting distribution's value here.
      expect(Math.abs(ours.ksPValue - scipy[feature].ksPValueScipy)).toBeLessThan(
        0.15 * scipy[feature].ksPValueScipy + 1e-12,
      );
    }
  });

  it('computes chi-squared and PSI of a category (the weather label) as scipy does', () => {
    const b = baseline.map((d) => d.weather);
    const r = production.map((d) => d.weather);
    const ours = categoricalDrift(b, r);
    const scipy = reference({ weather: { baseline: b, recent: r } }).weather;
    expect(ours.chi2).toBeCloseTo(scipy.chi2, 8);
    expect(ours.dof).toBe(scipy.dof);
    expect(ours.chi2PValue / scipy.chi2PValue).toBeCloseTo(1, 6);
    // The label's coding changed after 2012: a drift on any threshold.
    expect(ours.chi2PValue).toBeLessThan(1e-10);
    expect(numericDrift([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]).psi).toBe(0);
  });

  it('stores each check as a run of the monitoring experiment and exports the gauge', async () => {
    const { body: run } = await app.api.get('/api/v1/experiment/weather.monitor/runs/1').expect(200);
    expect(run.status).toBe('completed');
    expect(run.params).toMatchObject({ baseline: 'weather_2012_13', psi_threshold: 0.2, p_threshold: 0.01 });
    expect(Object.keys(run.metrics)).toEqual(
      expect.arrayContaining(['psi/temp_max', 'ks/wind', 'drift/temp_max']),
    );
    expect(run.metrics['drift/temp_max'].last).toBe(1);
    expect(run.artifacts.drift).toMatchObject({ type: 'json', value: { alert: true } });

    const check = await app.api
      .post('/api/v1/model/weather/monitor')
      .send({ baseline: 'weather_2012_13', features: ['wind'], psi_threshold: 0.5, p_threshold: 0.001 })
      .expect(200);
    expect(check.body).toMatchObject({ run: 2, alert: false });
    const metrics = await app.api.get('/metrics').expect(200);
    const wind = check.body.features[0].gaugeFeature as string;
    const line = metrics.text
      .split('\n')
      .find((l) =>
        l.startsWith(`omega_model_drift{model="${check.body.gaugeModel}",feature="${wind}",stat="psi"}`),
      );
    expect(Number(line?.split(' ').pop())).toBeCloseTo(check.body.features[0].psi, 10);
    // Nothing of the tenant's names is on the public page.
    expect(metrics.text).not.toContain('weather');
  });

  it('refuses bad requests and other tenants', async () => {
    await app.api.post('/api/v1/model/weather/monitor').send({}).expect(400);
    await app.api.post('/api/v1/model/weather/monitor').send({ baseline: 'nosuch' }).expect(404);
    await app.api
      .post('/api/v1/model/weather/monitor')
      .send({ baseline: 'weather_2012_13', features: ['nosuch'] })
      .expect(400);
    await app.api
      .post('/api/v1/model/weather/monitor')
      .send({ baseline: 'weather_2012_13', p_threshold: 2 })
      .expect(400);
    await other.api.post('/api/v1/model/weather/monitor').send({ baseline: 'weather_2012_13' }).expect(404);
    await other.api.get('/api/v1/experiment/weather.monitor').expect(404);
  });
});
