import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { MetadataRepository, OmegaConfig, TenantContext, TenantDatabases } from '@omega/core';
import { TaskRecordsRepository, taskQueueName } from '@omega/runtime';
import {
  Clock,
  JOB_RUN_ACTION,
  ManualClock,
  ScheduleIndexEntry,
  ScheduleIndexRebuilder,
  ScheduleIndexRepository,
  SchedulesService,
  ScheduleTicker,
  ScheduleTriggersRepository,
  TickReport,
} from '@omega/schedules';
import { ManagerModule } from '../apps/manager/src/manager.module';
import { MongoClient } from 'mongodb';
import { rmSync } from 'node:fs';
import { deleteQueues, queueDepth } from './support/broker';
import { startTestApp, testConfig, TestApp, TestPrincipal } from './support/test-app';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Drops what a test deployment made: its databases (tenants and `__runtime`), queues and data folder. */
async function dropDeployment(config: OmegaConfig): Promise<void> {
  const client = await new MongoClient(config.mongoUrl as string).connect();
  try {
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) {
      if (name.startsWith(`${config.mongoDbPrefix}_`) || name.startsWith(`${config.mongoDbPrefix}-`))
        await client.db(name).dropDatabase();
    }
  } finally {
    await client.close();
  }
  await deleteQueues(config.brokerUrl as string, config.mongoDbPrefix);
  rmSync(config.dataDir, { recursive: true, force: true });
}

/** A job as the jobs kind would index it: the schedules only need its Metadata entry to exist. */
async function indexJob(metadata: MetadataRepository, ctx: TenantContext, name: string): Promise<void> {
  await metadata.insert(ctx, { name, prefix: 'jobs', kind: 'notebook.ipynb', attributes: {}, kindMeta: {} });
}

describe('job schedules over REST', () => {
  let app: TestApp;
  let other: TestPrincipal;
  let readonly: TestPrincipal;
  const ctx = TenantContext.of('default');

  beforeAll(async () => {
    app = await startTestApp();
    other = await app.createPrincipal({ tenant: 'acme' });
    readonly = await app.createPrincipal({ role: 'readonly' });
    const metadata = app.app.get(MetadataRepository);
    await indexJob(metadata, ctx, 'nightly');
    await indexJob(metadata, ctx, 'reports/weekly');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('sets a schedule in plain English with a time zone and answers the next 5 times', async () => {
    const before = Date.now();
    const { body } = await app.api
      .put('/api/v1/job/nightly/schedule')
      .send({ text: 'weekdays at 06:00', timezone: 'Europe/Zurich' })
      .expect(200);
    expect(body).toMatchObject({
      name: 'nightly',
      bucket: 'default',
      cron: '0 6 * * 1-5',
      text: 'weekdays at 06:00',
      timezone: 'Europe/Zurich',
      source: 'api',
      last_run: null,
    });
    const times = (body.next_times as string[]).map((time) => new Date(time));
    expect(times).toHaveLength(5);
    for (const [i, time] of times.entries()) {
      expect(time.getTime()).toBeGreaterThan(before);
      if (i > 0) expect(time.getTime()).toBeGreaterThan(times[i - 1].getTime());
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Zurich',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(time);
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 06:00$/);
    }
  });

  it('replaces it with a cron expression and lists as many next times as asked', async () => {
    await app.api
      .put('/api/v1/job/nightly/schedule')
      .send({ cron: '*/15 * * * *' })
      .expect(200)
      .expect(({ body }) => {
        expect(body).toMatchObject({ cron: '*/15 * * * *', timezone: 'UTC' });
        expect(body.text).toBeUndefined();
      });
    const { body } = await app.api.get('/api/v1/job/nightly/schedule?n=10').expect(200);
    expect(body.next_times).toHaveLength(10);
    const gaps = (body.next_times as string[])
      .map((time) => Date.parse(time))
      .slice(1)
      .map((time, i) => time - Date.parse(body.next_times[i]));
    expect(new Set(gaps)).toEqual(new Set([15 * MINUTE]));
  });

  it('keeps the platform index in step: one entry with the tenant, bucket and next run', async () => {
    const index = app.app.get(ScheduleIndexRepository);
    const entry = await index.find(ctx, 'nightly');
    expect(entry).toMatchObject({
      tenant: 'default',
      qualifier: 'default',
      bucket: 'default',
      job: 'nightly',
    });
    expect(entry?.cron).toBe('*/15 * * * *');
    expect(entry?.nextRun.getTime()).toBeGreaterThan(Date.now() - 1000);
    const stored = await app.databases
      .client()
      .db(`${app.config.mongoDbPrefix}__runtime`)
      .collection('schedules')
      .countDocuments({ job: 'nightly' });
    expect(stored).toBe(1);
  });

  it('accepts job names with / (sent as %2F)', async () => {
    const { body } = await app.api
      .put('/api/v1/job/reports%2Fweekly/schedule')
      .send({ text: 'mondays at 9:30' })
      .expect(200);
    expect(body).toMatchObject({ name: 'reports/weekly', cron: '30 9 * * 1' });
  });

  it.each([
    [{ cron: '61 * * * *' }, /Invalid cron expression/],
    [{ cron: 'every day' }, /five fields/],
    [{ text: 'twice a fortnight' }, /one of: every minute, every N minutes, every hour/],
    [{ text: 'every day at 06:00', timezone: 'Mars/Olympus_Mons' }, /Unknown timezone "Mars\/Olympus_Mons"/],
    [{ cron: '* * * * *', text: 'every minute' }, /exactly one/],
    [{}, /exactly one/],
  ])('answers 400 for %j', async (body, message) => {
    const { body: error } = await app.api.put('/api/v1/job/nightly/schedule').send(body).expect(400);
    expect(error).toMatchObject({ statusCode: 400, code: 'INVALID_INPUT' });
    expect(error.message).toMatch(message);
  });

  it('validates the body and the query strictly', async () => {
    await app.api
      .put('/api/v1/job/nightly/schedule')
      .send({ cron: '* * * * *', runAs: 'root' })
      .expect(400)
      .expect(({ body }) => expect(JSON.stringify(body.message)).toMatch(/runAs should not exist/));
    await app.api.put('/api/v1/job/nightly/schedule').send({ cron: 5 }).expect(400);
    await app.api.get('/api/v1/job/nightly/schedule?n=0').expect(400);
    await app.api.get('/api/v1/job/nightly/schedule?n=101').expect(400);
    await app.api
      .put('/api/v1/job/..%2Fescape/schedule')
      .send({ cron: '* * * * *' })
      .expect(400)
      .expect(({ body }) => expect(body.code).toBe('INVALID_NAME'));
  });

  it('answers 404 for a job that does not exist', async () => {
    const { body } = await app.api.put('/api/v1/job/ghost/schedule').send({ text: 'every hour' }).expect(404);
    expect(body).toMatchObject({ code: 'NOT_FOUND', message: 'jobs/ghost not found' });
    await app.api.get('/api/v1/job/ghost/schedule').expect(404);
  });

  it('keeps a schedule in its tenant: another tenant gets 404 and cannot change it', async () => {
    await other.api.get('/api/v1/job/nightly/schedule').expect(404);
    await other.api.put('/api/v1/job/nightly/schedule').send({ text: 'every minute' }).expect(404);
    await other.api.delete('/api/v1/job/nightly/schedule').expect(404);
    const { body } = await app.api.get('/api/v1/job/nightly/schedule').expect(200);
    expect(body.cron).toBe('*/15 * * * *');
  });

  it('lets a readonly member read but not set or drop a schedule', async () => {
    await readonly.api.get('/api/v1/job/nightly/schedule').expect(200);
    await readonly.api.put('/api/v1/job/nightly/schedule').send({ text: 'every minute' }).expect(403);
    await readonly.api.delete('/api/v1/job/nightly/schedule').expect(403);
  });

  it('drops a schedule: gone from the tenant and from the index', async () => {
    await app.api.delete('/api/v1/job/nightly/schedule').expect(200, { deleted: 'nightly' });
    await app.api.get('/api/v1/job/nightly/schedule').expect(404);
    await app.api.delete('/api/v1/job/nightly/schedule').expect(404);
    expect(await app.app.get(ScheduleIndexRepository).find(ctx, 'nightly')).toBeNull();
  });

  it('takes a schedule from a notebook at put, and drops it when a new version has none', async () => {
    const schedules = app.app.get(SchedulesService);
    const notebook = (schedule?: unknown) => ({
      cells: [],
      metadata: { omega: schedule === undefined ? {} : { schedule } },
    });
    const set = await schedules.applyNotebookSchedule(
      ctx,
      'nightly',
      notebook({ text: 'every day at 02:30', timezone: 'Europe/Zurich' }),
    );
    expect(set).toMatchObject({ cron: '30 2 * * *', timezone: 'Europe/Zurich', source: 'notebook' });
    const { body } = await app.api.get('/api/v1/job/nightly/schedule').expect(200);
    expect(body).toMatchObject({ source: 'notebook', cron: '30 2 * * *' });

    expect(await schedules.applyNotebookSchedule(ctx, 'nightly', notebook())).toBeUndefined();
    await app.api.get('/api/v1/job/nightly/schedule').expect(404);

    // A schedule set over the API is the user's: a notebook without one leaves it alone.
    await app.api.put('/api/v1/job/nightly/schedule').send({ text: 'every hour' }).expect(200);
    const kept = await schedules.applyNotebookSchedule(ctx, 'nightly', notebook());
    expect(kept).toMatchObject({ source: 'api', cron: '0 * * * *' });
  });
});

describe('the manager fires schedules', () => {
  const start = new Date('2026-06-01T09:58:00Z');
  let config: OmegaConfig;
  let clock: ManualClock;
  let managers: INestApplicationContext[] = [];
  const acme = TenantContext.of('acme');
  const main = TenantContext.of('default');

  /** One manager replica with the shared clock; ticks only when told (the timer's period is an hour). */
  async function bootManager(overrides: Partial<OmegaConfig> = {}): Promise<INestApplicationContext> {
    const moduleRef = await Test.createTestingModule({
      imports: [ManagerModule.forRoot({ ...config, ...overrides })],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    moduleRef.useLogger(['error']);
    await moduleRef.init();
    managers.push(moduleRef);
    return moduleRef;
  }

  beforeEach(() => {
    // A deployment of its own per test (database prefix, queues): schedules of one test never fall due in another.
    config = testConfig({ scheduleTickSeconds: 3600 }, { broker: true });
    clock = new ManualClock(start);
  });

  afterEach(async () => {
    for (const manager of managers) await manager.close();
    managers = [];
    await dropDeployment(config);
  });

  async function scheduleJob(
    manager: INestApplicationContext,
    ctx: TenantContext,
    name: string,
    spec: { cron?: string; text?: string; timezone?: string },
  ): Promise<void> {
    await indexJob(manager.get(MetadataRepository), ctx, name);
    await manager.get(SchedulesService).schedule(ctx, name, spec);
  }

  it('submits a job.run task at each due time, and records each trigger', async () => {
    const manager = await bootManager();
    const ticker = manager.get(ScheduleTicker);
    const queue = taskQueueName(config.mongoDbPrefix, 'default');
    await scheduleJob(manager, main, 'hourly', { text: 'every hour' });

    expect(await ticker.tick()).toMatchObject({ due: 0, fired: 0 });
    const reports: TickReport[] = [];
    for (const at of ['10:00:05', '10:30:00', '11:00:02', '11:00:09', '12:00:14']) {
      clock.set(new Date(`2026-06-01T${at}Z`));
      reports.push(await ticker.tick());
    }
    expect(reports.map((report) => report.fired)).toEqual([1, 0, 1, 0, 1]);

    const triggers = await manager.get(SchedulesService).listTriggers(main, 'hourly');
    expect(triggers.map((trigger) => trigger.dueAt.toISOString())).toEqual([
      '2026-06-01T12:00:00.000Z',
      '2026-06-01T11:00:00.000Z',
      '2026-06-01T10:00:00.000Z',
    ]);
    expect(triggers.map((trigger) => trigger.firedAt?.toISOString())).toEqual([
      '2026-06-01T12:00:14.000Z',
      '2026-06-01T11:00:02.000Z',
      '2026-06-01T10:00:05.000Z',
    ]);
    const records = manager.get(TaskRecordsRepository, { strict: false });
    for (const trigger of triggers) {
      expect(trigger).toMatchObject({ status: 'submitted', manager: ticker.id, catchUp: false });
      const record = await records.find(main, trigger.taskId as string);
      expect(record).toMatchObject({
        action: JOB_RUN_ACTION,
        object: 'hourly',
        bucket: 'default',
        status: 'PENDING',
      });
    }
    // A deployment of its own and no worker: its queue holds exactly the three runs (the first publish
    // declared it).
    expect(await queueDepth(config.brokerUrl as string, queue)).toBe(3);

    const schedule = await manager.get(SchedulesService).get(main, 'hourly');
    expect(schedule.lastRun?.toISOString()).toBe('2026-06-01T12:00:00.000Z');
    expect(schedule.lastTaskId).toBe(triggers[0].taskId);
    const entry = await manager.get(ScheduleIndexRepository).find(main, 'hourly');
    expect(entry?.nextRun.toISOString()).toBe('2026-06-01T13:00:00.000Z');
    expect(entry?.leaseOwner).toBe(ticker.id);
  });

  it('fires each due run exactly once with two managers ticking together', async () => {
    const [first, second] = [await bootManager(), await bootManager()];
    const tickers = [first.get(ScheduleTicker), second.get(ScheduleTicker)];
    expect(tickers[0].id).not.toBe(tickers[1].id);
    const jobs: [TenantContext, string][] = [
      [main, 'race-a'],
      [main, 'race-b'],
      [acme, 'race-a'],
      [acme.withBucket('team'), 'race-c'],
    ];
    for (const [ctx, name] of jobs) await scheduleJob(first, ctx, name, { text: 'every 5 minutes' });

    const totals = { fired: 0, lost: 0 };
    for (let step = 1; step <= 6; step++) {
      clock.set(new Date(start.getTime() + 2 * MINUTE + (step - 1) * 5 * MINUTE + 1000));
      const reports = await Promise.all([
        tickers[0].tick(),
        tickers[1].tick(),
        tickers[0].tick(),
        tickers[1].tick(),
      ]);
      // Each ticker joins its own running tick; two passes race per step.
      for (const report of new Set(reports)) {
        totals.fired += report.fired;
        totals.lost += report.lost;
      }
    }
    expect(totals.fired).toBe(jobs.length * 6);

    const schedules = first.get(SchedulesService);
    const records = first.get(TaskRecordsRepository, { strict: false });
    const taskIds = new Set<string>();
    for (const [ctx, name] of jobs) {
      const triggers = await schedules.listTriggers(ctx, name);
      expect(triggers).toHaveLength(6);
      expect(new Set(triggers.map((trigger) => trigger.dueAt.getTime())).size).toBe(6);
      for (const trigger of triggers) {
        expect(trigger.status).toBe('submitted');
        expect(tickers.map((ticker) => ticker.id)).toContain(trigger.manager);
        const record = await records.find(ctx, trigger.taskId as string);
        expect(record).toMatchObject({ action: JOB_RUN_ACTION, object: name, bucket: ctx.bucket });
        taskIds.add(trigger.taskId as string);
      }
    }
    expect(taskIds.size).toBe(jobs.length * 6);
    for (const ctx of [main, acme]) {
      const submitted = await first
        .get(TenantDatabases)
        .db(ctx)
        .collection('omega_tasks')
        .countDocuments({ action: JOB_RUN_ACTION, object: { $regex: '^race-' } });
      expect(submitted).toBe(12);
    }
  });

  it('claims a due time once even where the conditional update answers success to both managers', async () => {
    // FerretDB 1.x applies `updateOne({_id, nextRun: due}, …)` (and findOneAndUpdate) as a read, then a
    // write: two managers racing can both see a match. The trigger's unique `_id` decides between them.
    const [first, second] = [await bootManager(), await bootManager()];
    await scheduleJob(first, main, 'claimed', { text: 'every minute' });
    const indexes = [first.get(ScheduleIndexRepository), second.get(ScheduleIndexRepository)];
    const triggers = [first.get(ScheduleTriggersRepository), second.get(ScheduleTriggersRepository)];
    for (let round = 0; round < 10; round++) {
      const entry = (await indexes[0].find(main, 'claimed')) as ScheduleIndexEntry;
      const nextRun = new Date(entry.nextRun.getTime() + MINUTE);
      const advanced = await Promise.all(
        indexes.map((index, i) => index.advance(entry, { nextRun, leaseOwner: `m${i}`, leasedAt: start })),
      );
      expect(advanced.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      const claims = await Promise.all(
        triggers.map((repository, i) =>
          repository.claim(main, {
            job: 'claimed',
            bucket: 'default',
            dueAt: entry.nextRun,
            claimedAt: start,
            manager: `m${i}`,
            catchUp: false,
          }),
        ),
      );
      expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
    }
    expect(await first.get(SchedulesService).listTriggers(main, 'claimed')).toHaveLength(10);
  });

  it('routes a run to the worker label the job requires, and records a run of a dropped job as failed', async () => {
    const manager = await bootManager();
    const ticker = manager.get(ScheduleTicker);
    const metadata = manager.get(MetadataRepository);
    await metadata.insert(main, {
      name: 'on-gpu',
      prefix: 'jobs',
      kind: 'notebook.ipynb',
      attributes: { require: 'gpu' },
      kindMeta: {},
    });
    await manager.get(SchedulesService).schedule(main, 'on-gpu', { text: 'every hour' });
    await scheduleJob(manager, main, 'dropped', { text: 'every hour' });
    await metadata.remove(main, 'jobs', 'dropped');

    clock.set(new Date('2026-06-01T10:00:03Z'));
    expect(await ticker.tick()).toMatchObject({ due: 2, fired: 1, failed: 1 });
    const schedules = manager.get(SchedulesService);
    const [gpuRun] = await schedules.listTriggers(main, 'on-gpu');
    const record = await manager
      .get(TaskRecordsRepository, { strict: false })
      .find(main, gpuRun.taskId as string);
    expect(record).toMatchObject({ action: JOB_RUN_ACTION, object: 'on-gpu', label: 'gpu' });
    const [droppedRun] = await schedules.listTriggers(main, 'dropped');
    expect(droppedRun).toMatchObject({ status: 'failed', error: 'jobs/dropped not found' });
    expect(droppedRun.taskId).toBeUndefined();
  });

  it('catches up a missed run once after downtime, and then waits for the next time', async () => {
    const manager = await bootManager({ scheduleCatchUp: 'once' });
    const ticker = manager.get(ScheduleTicker);
    await scheduleJob(manager, acme, 'catch-up-once', { cron: '0 * * * *' });

    clock.set(new Date(start.getTime() + 5 * HOUR + 30 * MINUTE)); // 15:28: 10:00 … 15:00 passed
    expect(await ticker.tick()).toMatchObject({ due: 1, fired: 1 });
    expect(await ticker.tick()).toMatchObject({ due: 0, fired: 0 });
    const triggers = await manager.get(SchedulesService).listTriggers(acme, 'catch-up-once');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({ catchUp: true, status: 'submitted' });
    expect(triggers[0].dueAt.toISOString()).toBe('2026-06-01T15:00:00.000Z');
    const entry = await manager.get(ScheduleIndexRepository).find(acme, 'catch-up-once');
    expect(entry?.nextRun.toISOString()).toBe('2026-06-01T16:00:00.000Z');
    expect(entry?.nextRun.getTime()).toBeGreaterThan(clock.now().getTime());
  });

  it('skips runs missed during downtime with OMEGA_SCHEDULE_CATCH_UP=skip', async () => {
    const manager = await bootManager({ scheduleCatchUp: 'skip', scheduleTickSeconds: 15 });
    manager.get(ScheduleTicker).stop();
    const ticker = manager.get(ScheduleTicker);
    await scheduleJob(manager, acme, 'catch-up-skip', { cron: '0 * * * *' });

    clock.set(new Date(start.getTime() + 5 * HOUR + 30 * MINUTE));
    expect(await ticker.tick()).toMatchObject({ due: 1, fired: 0, skipped: 1 });
    expect(await manager.get(SchedulesService).listTriggers(acme, 'catch-up-skip')).toHaveLength(0);
    const entry = await manager.get(ScheduleIndexRepository).find(acme, 'catch-up-skip');
    expect(entry?.nextRun.toISOString()).toBe('2026-06-01T16:00:00.000Z');
    expect(entry?.nextRun.getTime()).toBeGreaterThan(clock.now().getTime());

    // Back on time, the next run fires as usual.
    clock.set(new Date('2026-06-01T16:00:04Z'));
    expect(await ticker.tick()).toMatchObject({ due: 1, fired: 1 });
  });

  it("rebuilds the platform index from the tenants' schedules, keeping next runs that exist", async () => {
    const manager = await bootManager();
    const index = manager.get(ScheduleIndexRepository);
    const dev = TenantContext.of('acme', 'default', 'dev');
    await scheduleJob(manager, main, 'lost-entry', { text: 'every hour' });
    await scheduleJob(manager, main, 'kept-entry', { text: 'every hour' });
    await scheduleJob(manager, dev, 'in-dev', { text: 'every day at 06:00' });
    await index.remove(main, 'lost-entry');
    await index.upsert(main, 'orphan', { cron: '* * * * *', timezone: 'UTC', nextRun: start });
    const kept = (await index.find(main, 'kept-entry')) as ScheduleIndexEntry;
    const earlier = new Date('2026-06-01T07:00:00Z');
    expect(await index.advance(kept, { nextRun: earlier, leaseOwner: 'test', leasedAt: start })).toBe(true);

    const rebuilder = manager.get(ScheduleIndexRebuilder);
    expect(await rebuilder.rebuild()).toEqual({ added: 1, removed: 1 });
    expect((await index.find(main, 'lost-entry'))?.nextRun.toISOString()).toBe('2026-06-01T10:00:00.000Z');
    expect(await index.find(main, 'orphan')).toBeNull();
    expect((await index.find(main, 'kept-entry'))?.nextRun.toISOString()).toBe(earlier.toISOString());
    expect(await index.find(dev, 'in-dev')).toMatchObject({
      tenant: 'acme',
      qualifier: 'dev',
      cron: '0 6 * * *',
    });
    expect(await rebuilder.rebuild()).toEqual({ added: 0, removed: 0 });
  });

  it('boots as the manager app with its ticker running, and stops it on close', async () => {
    const manager = await NestFactory.createApplicationContext(ManagerModule.forRoot(config), {
      logger: ['error'],
    });
    const ticker = manager.get(ScheduleTicker);
    expect(ticker.running).toBe(true);
    expect(ticker.id).toMatch(/^manager-/);
    expect(await ticker.tick()).toMatchObject({ failed: 0 });
    await manager.close();
    expect(ticker.running).toBe(false);
  });
});
