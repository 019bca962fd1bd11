import { TrackedModelActions } from '@omega/tracking';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  expectAccessiblePage,
  expectNothingInjected,
  launchChromium,
  loginInBrowser,
  screenshot,
} from './support/console-browser';
import { FEATURES, featuresOf, production, trackedWeatherModel } from './support/seattle-weather';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const POINTS = 100;
const HOSTILE_PARAM = '"><img src=x onerror="window.__ran=1">';
const HOSTILE_TEXT = '<script>window.__ran=1</script>';
/** An experiment name with a raw `/`, as object names may have. */
const SLASHED = 'team/churn';
/** A tracked model whose name holds a `/`. */
const SLASHED_MODEL = 'team/weather';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The bytes of a URL fetched with the page's session (cookies), with its headers. */
async function fetchIn(page: Page, path: string) {
  const answer = await page.request.get(new URL(path, page.url()).href);
  return { status: answer.status(), headers: answer.headers(), body: await answer.body() };
}

/** Every chart <img> of the page, once loaded and decoded (a broken image rejects). */
async function chartsLoaded(page: Page): Promise<{ src: string; width: number }[]> {
  const images = page.locator('figure.chart img');
  await expect(images.count()).resolves.toBeGreaterThan(0);
  const found: { src: string; width: number }[] = [];
  for (let i = 0; i < (await images.count()); i++) {
    const image = images.nth(i);
    const src = (await image.getAttribute('src'))!;
    const width = await image.evaluate(async (element) => {
      const img = element as unknown as { decode(): Promise<void>; naturalWidth: number };
      await img.decode();
      return img.naturalWidth;
    });
    found.push({ src, width });
  }
  return found;
}

/** An experiment with two finished runs of `POINTS` steps of loss and accuracy each. */
async function logExperiment(t: TestApp, name: string, description: string): Promise<void> {
  const path = `/api/v1/experiment/${encodeURIComponent(name)}`;
  await t.api.post('/api/v1/experiment').send({ name, description }).expect(201);
  for (const [run, rate] of [
    [1, 0.1],
    [2, 0.03],
  ] as const) {
    await t.api.post(`${path}/runs`).send({}).expect(201);
    const steps = Array.from({ length: POINTS }, (_, i) => i);
    await t.api
      .post(`${path}/runs/${run}/log`)
      .send({
        params: { learning_rate: rate, layers: run + 1, note: HOSTILE_PARAM },
        series: [
          { key: 'loss', steps, values: steps.map((s) => Math.exp(-rate * s) + 0.01 * run) },
          { key: 'accuracy', steps, values: steps.map((s) => 1 - Math.exp(-rate * s) / 2) },
        ],
      })
      .expect(200);
    await t.api.post(`${path}/runs/${run}/end`).send({}).expect(200);
  }
}

describe('console: experiments and model monitoring with charts', () => {
  let t: TestApp;
  let worker: WorkerProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let other: TestPrincipal;
  const saved = { ...process.env };

  beforeAll(async () => {
    process.env.OMEGA_TRACK_SAMPLE = '1';
    process.env.OMEGA_TRACK_MAX_ROWS = '100';
    t = await startTestApp({ broker: true });
    worker = await startWorker(t.config);
    browser = await launchChromium();
    other = await t.createPrincipal({ tenant: 'acme' });

    // An experiment with two runs of 100 points each, and a hostile parameter value and description; and
    // one whose name holds a `/`.
    await logExperiment(t, 'churn', HOSTILE_TEXT);
    await logExperiment(t, SLASHED, 'a name with a slash');

    // A tracked model with two drift checks: trained on 2012–13, asked about 2015.
    await trackedWeatherModel(t.api, 'weather_base', 'weather-prod');
    // The same model under a name with a `/`, tracked, asked about 2015 and checked once.
    const slashed = `/api/v1/model/${encodeURIComponent(SLASHED_MODEL)}`;
    await t.api
      .post('/api/v1/model/')
      .send({ name: SLASHED_MODEL, algorithm: 'knn', params: { k: 5 } })
      .expect(201);
    await t.api.put(`${slashed}/fit?datax=weather_base_X&datay=weather_base_y`).expect(200);
    await t.api.put(`${slashed}/track`).send({ experiment: 'team-weather-prod' }).expect(200);
    await t.api
      .put(`${slashed}/predict`)
      .send({ X: production.slice(0, 200).map(featuresOf) })
      .expect(200);
    await t.app.get(TrackedModelActions).flush();
    for (let check = 0; check < 2; check++)
      await t.api
        .post('/api/v1/model/weather/monitor')
        .send({ baseline: 'weather_base', features: [...FEATURES] })
        .expect(200);
    await t.api
      .post(`${slashed}/monitor`)
      .send({ baseline: 'weather_base', features: [...FEATURES] })
      .expect(200);

    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await loginInBrowser(context, t.url, t.admin);
  }, 240_000);

  afterAll(async () => {
    process.env = saved;
    await browser?.close();
    await worker?.stop();
    await t?.close();
  });

  it('lists experiments and shows one: runs, parameters side by side, metric curves with a line per run', async () => {
    await page.getByRole('link', { name: 'Experiments', exact: true }).click();
    await page.waitForURL(`${t.url}/console/experiments`);
    await page.getByRole('link', { name: 'churn', exact: true }).click();
    await page.waitForURL(`${t.url}/console/experiments/churn`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Experiment churn');
    const rows = page.locator('table.runs tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.nth(0).textContent()).resolves.toContain('completed');
    await expect(page.locator('main').textContent()).resolves.toContain(HOSTILE_PARAM);
    await expect(page.locator('main').textContent()).resolves.toContain(HOSTILE_TEXT);
    await expectNothingInjected(page, 'main img:not(figure.chart img), main script');

    const charts = await chartsLoaded(page);
    expect(charts.map((c) => c.src)).toEqual([
      '/console/experiments/churn/charts/curves.svg?metric=accuracy',
      '/console/experiments/churn/charts/runs.svg?metric=accuracy',
    ]);
    for (const chart of charts) expect(chart.width).toBeGreaterThan(100);
    await expectAccessiblePage(page);
    await screenshot(page, 'experiment');

    // The loss curves: one line per run, drawn through the 100 points.
    await page.getByLabel('Metric', { exact: true }).selectOption('loss');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(`${t.url}/console/experiments/churn?metric=loss`);
    await chartsLoaded(page);
    const svg = await fetchIn(page, '/console/experiments/churn/charts/curves.svg?metric=loss');
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(svg.headers['content-security-policy']).toContain("default-src 'none'");
    const text = svg.body.toString('utf8');
    const lines = text.match(/<path[^>]*aria-roledescription="line mark"[^>]*d="M[^"]+"/g) ?? [];
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.split('L').length).toBeGreaterThanOrEqual(POINTS);
    expect(text).not.toMatch(/<script|onerror|onload/i);
  });

  it('downloads a chart as PNG and its data as CSV', async () => {
    await page.goto(`${t.url}/console/experiments/churn?metric=loss`);
    const csvLink = page.getByRole('link', { name: 'data (CSV)' }).first();
    expect(await csvLink.getAttribute('download')).not.toBeNull();
    const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('run,step,value');
    expect(csv).toHaveLength(1 + 2 * POINTS);
    expect(csv[1]).toBe(`run 1,0,${1 + 0.01}`);
    expect(csv.filter((line) => line.startsWith('run 2,'))).toHaveLength(POINTS);

    const png = await fetchIn(page, '/console/experiments/churn/charts/curves.png?metric=loss');
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.body.subarray(0, 8)).toEqual(PNG_MAGIC);
    expect(png.body.length).toBeGreaterThan(5_000);
  });

  it('compares two runs chosen with the checkboxes', async () => {
    await page.goto(`${t.url}/console/experiments/churn`);
    await page.getByLabel('Compare run 1').check();
    await page.getByLabel('Compare run 2').check();
    await page.getByRole('button', { name: 'Compare the chosen runs' }).click();
    await page.waitForURL(`${t.url}/console/experiments/churn/compare?runs=1&runs=2`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Runs 1, 2 of churn');
    const differs = page.locator('table.compare tr.differs th');
    await expect(differs.allTextContents()).resolves.toEqual([
      expect.stringContaining('layers'),
      expect.stringContaining('learning_rate'),
    ]);
    const charts = await chartsLoaded(page);
    expect(charts[0].src).toBe('/console/experiments/churn/charts/curves.svg?metric=accuracy&runs=1%2C2');
    expect(charts[0].width).toBeGreaterThan(100);
    await expectAccessiblePage(page);
    await screenshot(page, 'experiment-compare');

    // One run, or six, is not a comparison.
    const one = await fetchIn(page, '/console/experiments/churn/compare?runs=1');
    expect(one.status).toBe(400);
  });

  it('shows the monitoring of a tracked model: drift bars with the threshold, drift over time, distributions', async () => {
    await page.goto(`${t.url}/console/models/weather`);
    await page.getByRole('link', { name: 'monitoring and drift' }).click();
    await page.waitForURL(`${t.url}/console/models/weather/monitor`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Monitoring of model weather');
    const charts = await chartsLoaded(page);
    expect(charts.map((c) => c.src)).toEqual([
      '/console/models/weather/monitor/charts/drift.svg',
      '/console/models/weather/monitor/charts/history.svg',
      '/console/models/weather/monitor/charts/distribution.svg?feature=precipitation',
    ]);
    for (const chart of charts) expect(chart.width).toBeGreaterThan(100);

    const bars = (await fetchIn(page, '/console/models/weather/monitor/charts/drift.svg')).body.toString();
    expect(bars.match(/aria-roledescription="bar"/g)).toHaveLength(FEATURES.length);
    expect(bars).toMatch(/class="mark-rule/);
    const history = (
      await fetchIn(page, '/console/models/weather/monitor/charts/history.svg')
    ).body.toString();
    expect(history.match(/aria-roledescription="line mark"/g)).toHaveLength(FEATURES.length);

    await page.getByLabel('Feature', { exact: true }).selectOption('temp_max');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(`${t.url}/console/models/weather/monitor?feature=temp_max`);
    await chartsLoaded(page);
    const csv = (
      await fetchIn(page, '/console/models/weather/monitor/charts/distribution.csv?feature=temp_max')
    ).body
      .toString()
      .trim()
      .split('\n');
    expect(csv[0]).toBe('bin,order,side,count,share');
    const share = (side: string) =>
      csv
        .slice(1)
        .filter((line) => line.split(',')[2] === side)
        .reduce((sum, line) => sum + Number(line.split(',')[4]), 0);
    expect(share('baseline')).toBeCloseTo(1);
    expect(share('recent')).toBeCloseTo(1);
    await expectAccessiblePage(page);
    await screenshot(page, 'model-monitoring');
  });

  it('shows an experiment whose name holds a `/`, by the link (%2F) and by the raw path', async () => {
    await page.goto(`${t.url}/console/experiments`);
    await page.getByRole('link', { name: SLASHED, exact: true }).click();
    await page.waitForURL(`${t.url}/console/experiments/team%2Fchurn`);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Experiment ${SLASHED}`);
    await expect(page.locator('table.runs tbody tr').count()).resolves.toBe(2);
    const linked = await chartsLoaded(page);
    expect(linked.map((c) => c.src)).toEqual([
      '/console/experiments/team%2Fchurn/charts/curves.svg?metric=accuracy',
      '/console/experiments/team%2Fchurn/charts/runs.svg?metric=accuracy',
    ]);
    for (const chart of linked) expect(chart.width).toBeGreaterThan(100);
    await page.getByLabel('Compare run 1').check();
    await page.getByLabel('Compare run 2').check();
    await page.getByRole('button', { name: 'Compare the chosen runs' }).click();
    await page.waitForURL(`${t.url}/console/experiments/team%2Fchurn/compare?runs=1&runs=2`);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Runs 1, 2 of ${SLASHED}`);
    await chartsLoaded(page);

    // The raw path, as a name is written: the page, its comparison and its charts.
    await page.goto(`${t.url}/console/experiments/${SLASHED}?metric=loss`);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Experiment ${SLASHED}`);
    await chartsLoaded(page);
    await page.goto(`${t.url}/console/experiments/${SLASHED}/compare?runs=1&runs=2`);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Runs 1, 2 of ${SLASHED}`);
    const svg = await fetchIn(page, `/console/experiments/${SLASHED}/charts/curves.svg?metric=loss`);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(svg.body.toString('utf8').match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    const csv = await fetchIn(page, `/console/experiments/${SLASHED}/charts/runs.csv?metric=loss`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toContain('filename="team_churn-runs.csv"');
    expect((await fetchIn(page, `/console/experiments/${SLASHED}/charts/pie.svg`)).status).toBe(404);
    expect((await fetchIn(page, `/console/experiments/${SLASHED}/compare?runs=1`)).status).toBe(400);
    expect((await fetchIn(page, '/console/experiments/team/nope')).status).toBe(404);
  });

  it('shows the monitoring of a model whose name holds a `/`, by the link (%2F) and by the raw path', async () => {
    await page.goto(`${t.url}/console/models/team%2Fweather`);
    await page.getByRole('link', { name: 'monitoring and drift' }).click();
    await page.waitForURL(`${t.url}/console/models/team%2Fweather/monitor`);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Monitoring of model ${SLASHED_MODEL}`);
    await chartsLoaded(page);

    // The raw path, as a name is written: the page (its feature form too) and its charts.
    await page.goto(`${t.url}/console/models/${SLASHED_MODEL}/monitor`);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Monitoring of model ${SLASHED_MODEL}`);
    const charts = await chartsLoaded(page);
    expect(charts).toHaveLength(3);
    for (const chart of charts) expect(chart.width).toBeGreaterThan(100);
    await page.goto(`${t.url}/console/models/${SLASHED_MODEL}/monitor?feature=temp_max`);
    await expect(page.getByLabel('Feature', { exact: true }).inputValue()).resolves.toBe('temp_max');
    const bars = await fetchIn(page, `/console/models/${SLASHED_MODEL}/monitor/charts/drift.svg`);
    expect(bars.status).toBe(200);
    expect(bars.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(bars.body.toString('utf8').match(/aria-roledescription="bar"/g)).toHaveLength(FEATURES.length);
    const csv = await fetchIn(
      page,
      `/console/models/${SLASHED_MODEL}/monitor/charts/distribution.csv?feature=temp_max`,
    );
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toContain('filename="team_weather-distribution.csv"');
    expect(csv.body.toString('utf8').split('\n')[0]).toBe('bin,order,side,count,share');
    for (const missing of [
      `/console/models/${SLASHED_MODEL}/monitor/charts/pie.svg`,
      `/console/models/${SLASHED_MODEL}/monitor?feature=nope`,
      `/console/models/${SLASHED_MODEL}/nope`,
      '/console/models/team/nope/monitor',
    ])
      expect({ missing, status: (await fetchIn(page, missing)).status }).toEqual({ missing, status: 404 });
  });

  it('keeps tenants apart: another tenant gets 404 for the pages and charts', async () => {
    for (const path of [
      '/console/experiments/churn',
      '/console/experiments/churn/compare?runs=1&runs=2',
      '/console/experiments/churn/charts/curves.svg?metric=loss',
      '/console/experiments/churn/charts/runs.csv?metric=loss',
      '/console/models/weather/monitor',
      '/console/models/weather/monitor/charts/drift.png',
      `/console/experiments/${SLASHED}`,
      `/console/experiments/${SLASHED}/compare?runs=1&runs=2`,
      `/console/experiments/${SLASHED}/charts/curves.svg?metric=loss`,
      `/console/models/${SLASHED_MODEL}/monitor`,
      `/console/models/${SLASHED_MODEL}/monitor/charts/drift.svg`,
    ])
      await other.api.get(path).expect(404);
    const { text } = await other.api.get('/console/experiments').expect(200);
    expect(text).toContain('0 found.');
    expect(text).not.toContain('/console/experiments/churn');
  });

  it('answers unknown charts, formats and metrics with 404, and bad run lists with 400', async () => {
    await t.api.get('/console/experiments/churn/charts/curves.gif').expect(404);
    await t.api.get('/console/experiments/churn/charts/pie.svg').expect(404);
    await t.api.get('/console/experiments/churn/charts/curves.svg?metric=nope').expect(404);
    await t.api.get('/console/experiments/churn/charts/curves.svg?runs=x').expect(400);
    await t.api.get('/console/models/weather/monitor?feature=nope').expect(404);
  });

  it('refuses markup as a metric name at the API, so it never reaches a page', async () => {
    await t.api.post('/api/v1/experiment/churn/runs').send({}).expect(201);
    await t.api
      .post('/api/v1/experiment/churn/runs/3/log')
      .send({ metrics: [{ key: '<script>alert(1)</script>', value: 1 }] })
      .expect(400);
    await t.api.post('/api/v1/experiment/churn/runs/3/end').send({ status: 'killed' }).expect(200);
  });
});
