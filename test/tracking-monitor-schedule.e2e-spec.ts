import { TenantContext } from '@omega/core';
import {
  Clock,
  ManualClock,
  ScheduleIndexRepository,
  ScheduleTicker,
  ScheduleTickerModule,
} from '@omega/schedules';
import { MODEL_MONITOR_ACTION, TrackedModelActions } from '@omega/tracking';
import { Omega } from '@omega/client';
import { readFileSync } from 'node:fs';
import { buildProgram } from '../apps/cli/src/program';
import { join } from 'node:path';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const CRON = '*/5 * * * *';
const FEATURES = ['temp_max', 'wind'] as const;

/** Seattle's daily weather from vega-datasets: 2012–13 is the baseline, 2015 what the model is asked. */
function seattleWeather(): Record<string, string | number>[] {
  const [header, ...lines] = readFileSync(
    join(__dirname, '..', 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'),
    'utf8',
  )
    .trim()
    .split('\n');
  const names = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(
      names.map((name, i) => [name, i === 0 || i === 5 ? cells[i] : Number(cells[i])]),
    );
  });
}

interface RunList {
  runs: { run: number; status: string; source?: string; user: string }[];
}

/** A knn model of the weather trained on 2012–13, tracked, and asked about 2015 (inputs logged). */
async function trackedWeatherModel(app: TestApp): Promise<void> {
  const days = seattleWeather();
  const pick = (d: Record<string, unknown>) => Object.fromEntries(FEATURES.map((f) => [f, d[f]]));
  const baseline = days.filter((d) => String(d.date) < '2014');
  const tables = {
    weather_base: baseline,
    weather_X: baseline.map(pick),
    weather_y: baseline.map((d) => ({ weather: d.weather })),
  };
  for (const [name, data] of Object.entries(tables))
    await app.api.put(`/api/v1/dataset/${name}`).send({ data }).expect(200);
  await app.api
    .post('/api/v1/model/')
    .send({ name: 'weather', algorithm: 'knn', params: { k: 5 } })
    .expect(201);
  await app.api.put('/api/v1/model/weather/fit?datax=weather_X&datay=weather_y').expect(200);
  await app.api.put('/api/v1/model/weather/track').send({ experiment: 'weather-prod' }).expect(200);
  const production = days.filter((d) => String(d.date) >= '2015');
  for (let start = 0; start < production.length; start += 100) {
    const X = production.slice(start, start + 100).map(pick);
    await app.api.put('/api/v1/model/weather/predict').send({ X }).expect(200);
  }
  await app.app.get(TrackedModelActions).flush();
}

/**
 * Scheduled drift checks on the real services: the API with the schedules ticker (as the embedded
 * deployment runs it), its timer an hour apart so only the test's ticks fire, its clock moved by the test.
 */
describe('drift monitoring on a schedule', () => {
  let app: TestApp;
  let other: TestPrincipal;
  const ctx = TenantContext.of('default');
  const saved = { ...process.env };
  const clock = new ManualClock(new Date('2026-06-01T09:58:00Z'));
  const at = (time: string) => clock.set(new Date(`2026-06-01T${time}Z`));

  beforeAll(async () => {
    process.env.OMEGA_TRACK_SAMPLE = '1';
    process.env.OMEGA_TRACK_MAX_ROWS = '100';
    app = await startTestApp({
      config: { scheduleTickSeconds: 3600 },
      extra: { imports: [ScheduleTickerModule] },
    });
    // The schedules' clock moves only when told (the ticker's own test hook): due times without waiting.
    jest.spyOn(app.app.get(Clock), 'now').mockImplementation(() => clock.now());
    other = await app.createPrincipal({ tenant: 'acme' });
    await trackedWeatherModel(app);
  });

  afterAll(async () => {
    process.env = saved;
    await app?.close();
  });

  /** Polls the monitoring experiment until it holds `count` completed runs (the task runs after the tick). */
  async function completedRuns(count: number): Promise<RunList['runs']> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { status, body } = await app.api.get('/api/v1/experiment/weather.monitor/runs');
      const runs = status === 200 ? (body as RunList).runs.filter((r) => r.status === 'completed') : [];
      if (runs.length >= count) return runs;
      if (Date.now() > deadline)
        throw new Error(`expected ${count} completed monitor runs, saw ${runs.length}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('sets a schedule on a tracked model and answers it with its next times', async () => {
    const { body } = await app.api
      .put('/api/v1/model/weather/monitor')
      .send({ schedule: CRON, baseline: 'weather_base', features: [...FEATURES], psi_threshold: 0.2 })
      .expect(200);
    expect(body).toMatchObject({
      model: 'weather',
      cron: CRON,
      timezone: 'UTC',
      check: { baseline: 'weather_base', features: [...FEATURES], psiThreshold: 0.2 },
    });
    expect(body.next.slice(0, 2)).toEqual(['2026-06-01T10:00:00.000Z', '2026-06-01T10:05:00.000Z']);
    const read = await app.api.get('/api/v1/model/weather/monitor').expect(200);
    expect(read.body).toMatchObject({ cron: CRON, check: { baseline: 'weather_base' } });
    const entry = await app.app.get(ScheduleIndexRepository).find(ctx, 'monitor:weather');
    expect(entry).toMatchObject({ tenant: 'default', bucket: 'default', action: MODEL_MONITOR_ACTION });
  });

  it('refuses a bad schedule, an untracked model and a missing baseline clearly', async () => {
    const bad = await app.api
      .put('/api/v1/model/weather/monitor')
      .send({ schedule: 'every tuesday-ish', baseline: 'weather_base' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/cron/i);
    await app.api.put('/api/v1/model/weather/monitor').send({ schedule: CRON }).expect(400);
    await app.api
      .put('/api/v1/model/weather/monitor')
      .send({ schedule: CRON, text: 'every hour', baseline: 'weather_base' })
      .expect(400);
    await app.api
      .put('/api/v1/model/nosuchmodel/monitor')
      .send({ schedule: CRON, baseline: 'weather_base' })
      .expect(404);
  });

  it('fires through the ticker: each firing is a run of the monitoring experiment and sets the gauge', async () => {
    const ticker = app.app.get(ScheduleTicker);
    expect(await ticker.tick()).toMatchObject({ due: 0, fired: 0 });
    at('10:00:04');
    expect(await ticker.tick()).toMatchObject({ due: 1, fired: 1, failed: 0 });
    // Due once: a tick later in the same five minutes finds it moved on.
    at('10:02:30');
    expect(await ticker.tick()).toMatchObject({ due: 0, fired: 0 });
    const [first] = await completedRuns(1);
    expect(first).toMatchObject({ run: 1, user: app.config.adminUserid });

    const { body: run } = await app.api.get('/api/v1/experiment/weather.monitor/runs/1').expect(200);
    expect(run.params).toMatchObject({ baseline: 'weather_base', psi_threshold: 0.2, recent_rows: 365 });
    expect(run.artifacts.drift.value.alert).toBe(true);
    // The same check on demand answers the same statistics.
    const { body: now } = await app.api
      .post('/api/v1/model/weather/monitor')
      .send({ baseline: 'weather_base', features: [...FEATURES] })
      .expect(200);
    expect(now.run).toBe(2);
    for (const feature of now.features as { feature: string; psi: number; gaugeFeature: string }[]) {
      expect(run.metrics[`psi/${feature.feature}`].last).toBeCloseTo(feature.psi, 12);
    }
    // A second firing: run 3, and the gauge holds the latest values.
    at('10:05:01');
    expect(await ticker.tick()).toMatchObject({ due: 1, fired: 1, failed: 0 });
    await completedRuns(3);
    const metrics = await app.api.get('/metrics').expect(200);
    const wind = (now.features as { feature: string; psi: number; gaugeFeature: string }[]).find(
      (f) => f.feature === 'wind',
    )!;
    const line = metrics.text
      .split('\n')
      .find((l) =>
        l.startsWith(
          `omega_model_drift{model="${now.gaugeModel}",feature="${wind.gaugeFeature}",stat="psi"}`,
        ),
      );
    expect(Number(line?.split(' ').pop())).toBeCloseTo(wind.psi, 10);
    const read = await app.api.get('/api/v1/model/weather/monitor').expect(200);
    expect(read.body.lastTaskId).toEqual(expect.any(String));
    const task = await app.api.get(`/api/v1/task/${read.body.lastTaskId}/status`).expect(200);
    expect(JSON.stringify(task.body)).toContain('SUCCESS');
  });

  it("keeps a tenant's schedule from another tenant: 404 on read, replace and drop", async () => {
    await other.api.get('/api/v1/model/weather/monitor').expect(404);
    await other.api.delete('/api/v1/model/weather/monitor').expect(404);
    await other.api
      .put('/api/v1/model/weather/monitor')
      .send({ schedule: '* * * * *', baseline: 'weather_base' })
      .expect(404);
    const read = await app.api.get('/api/v1/model/weather/monitor').expect(200);
    expect(read.body.cron).toBe(CRON);
    const entries = (await app.app.get(ScheduleIndexRepository).all()).filter((e) => e.action);
    expect(entries.map((e) => [e.tenant, e.job])).toEqual([['default', 'monitor:weather']]);
  });

  it('stops firing once the schedule is removed', async () => {
    const before = (await completedRuns(3)).length;
    await app.api.delete('/api/v1/model/weather/monitor').expect(200, { unscheduled: 'weather' });
    await app.api.get('/api/v1/model/weather/monitor').expect(404);
    await app.api.delete('/api/v1/model/weather/monitor').expect(404);
    expect(await app.app.get(ScheduleIndexRepository).find(ctx, 'monitor:weather')).toBeNull();
    at('10:30:00');
    expect(await app.app.get(ScheduleTicker).tick()).toMatchObject({ due: 0, fired: 0 });
    const { body } = await app.api.get('/api/v1/experiment/weather.monitor/runs').expect(200);
    expect((body as RunList).runs).toHaveLength(before);
  });

  it('is set and removed with `om models monitor --schedule` and read through the SDK', async () => {
    /** One `om` command in this process, with --json; answers what it printed. */
    async function om(args: string[]): Promise<unknown> {
      const printed: string[] = [];
      const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        printed.push(String(chunk));
        return true;
      });
      try {
        const auth = ['--url', app.url, '--userid', app.admin.userid, '--apikey', app.admin.apikey];
        await buildProgram().parseAsync(['node', 'om', ...auth, '--json', ...args]);
      } finally {
        write.mockRestore();
      }
      return JSON.parse(printed.join(''));
    }
    const set = await om([
      'models',
      'monitor',
      'weather',
      '--baseline',
      'weather_base',
      '--features',
      'wind',
      '--schedule',
      '0 6 * * *',
      '--timezone',
      'Europe/Zurich',
    ]);
    expect(set).toMatchObject({ model: 'weather', cron: '0 6 * * *', timezone: 'Europe/Zurich' });
    const sdk = await Omega.connect({ url: app.url, userid: app.admin.userid, apikey: app.admin.apikey });
    const read = await sdk.runtime.model('weather').monitorSchedule();
    expect(read.check).toEqual({ baseline: 'weather_base', features: ['wind'] });
    expect(read.next[0]).toBe('2026-06-02T04:00:00.000Z');
    expect(await om(['models', 'monitor', 'weather', '--unschedule'])).toEqual({ unscheduled: 'weather' });
    await expect(sdk.runtime.model('weather').monitorSchedule()).rejects.toThrow(/not found/i);
  });
});

describe('scheduled drift checks with a broker', () => {
  let app: TestApp;
  let worker: WorkerProcess;
  const saved = { ...process.env };
  const clock = new ManualClock(new Date('2026-06-01T09:58:00Z'));

  beforeAll(async () => {
    process.env.OMEGA_TRACK_SAMPLE = '1';
    app = await startTestApp({
      broker: true,
      config: { scheduleTickSeconds: 3600 },
      extra: { imports: [ScheduleTickerModule] },
    });
    jest.spyOn(app.app.get(Clock), 'now').mockImplementation(() => clock.now());
    worker = await startWorker(app.config);
    await trackedWeatherModel(app);
  });

  afterAll(async () => {
    process.env = saved;
    await worker?.stop();
    await app?.close();
  });

  it('runs the fired check on a worker: a run of the monitoring experiment and a successful task', async () => {
    await app.api
      .put('/api/v1/model/weather/monitor')
      .send({ schedule: CRON, baseline: 'weather_base', features: [...FEATURES] })
      .expect(200);
    clock.set(new Date('2026-06-01T10:00:02Z'));
    expect(await app.app.get(ScheduleTicker).tick()).toMatchObject({ due: 1, fired: 1, failed: 0 });
    const { body: schedule } = await app.api.get('/api/v1/model/weather/monitor').expect(200);
    const deadline = Date.now() + 120_000;
    let status = '';
    while (!['SUCCESS', 'FAILURE'].includes(status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = (await app.api.get(`/api/v1/task/${schedule.lastTaskId}/status`).expect(200)).body.status;
    }
    expect(status).toBe('SUCCESS');
    const { body: run } = await app.api.get('/api/v1/experiment/weather.monitor/runs/1').expect(200);
    expect(run).toMatchObject({ status: 'completed', tags: { source: 'drift-monitor' } });
    expect(run.params.recent_rows).toBe(365);
  });
});
