import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TenantContext } from '@omega/core';
import { TaskRecordsRepository } from '@omega/runtime';
import { Clock, ManualClock, ScheduleTicker } from '@omega/schedules';
import { JobsService } from '@omega/jobs';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { ManagerModule } from '../apps/manager/src/manager.module';
import {
  auditPage,
  consoleSession,
  expectAccessiblePage,
  expectNothingInjected,
  launchChromium,
  loginInBrowser,
  screenshot,
  tabTo,
} from './support/console-browser';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const SECRET_KEY = randomBytes(32).toString('base64url');
/** A 1×1 PNG: a stored image output, shown as an image. */
const PIXEL =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function notebook(cells: object[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'tslab', language: 'typescript' },
        language_info: { name: 'typescript' },
      },
      cells,
    }),
  );
}
const code = (source: string, outputs: object[] = []) => ({
  cell_type: 'code',
  source,
  metadata: {},
  outputs,
  execution_count: null,
});

const WEEKLY = notebook([
  { cell_type: 'markdown', source: '# Weekly <script>window.__ran = 1</script>', metadata: {} },
  code(
    "const rows = await om.datasets.get('sales');\nconsole.log('<script>window.__ran = 2</script>', rows.length);",
    [
      {
        output_type: 'display_data',
        data: { 'text/html': '<img src=x onerror="window.__ran = 3">' },
        metadata: {},
      },
      { output_type: 'display_data', data: { 'image/png': PIXEL, 'text/plain': '<Figure>' }, metadata: {} },
    ],
  ),
  code("'<b>' + rows.length + '</b>'"),
]);
const BROKEN = notebook([
  code("console.log('before the failure');"),
  code("throw new Error('cell <i>broke</i>');"),
]);

/** Jobs in the console: notebooks read-only, runs and their result notebooks, schedules, and who may change them. */
describe('console: jobs and schedules', () => {
  let t: TestApp;
  let worker: WorkerProcess;
  let browser: Browser;
  let readonly: TestPrincipal;

  const upload = (name: string, content: Buffer) =>
    t.api.post('/api/v1/job/').field('name', name).attach('file', content, `${name}.ipynb`).expect(201);

  beforeAll(async () => {
    t = await startTestApp({ broker: true, config: { secretKey: SECRET_KEY, scriptTimeoutSeconds: 8 } });
    worker = await startWorker(t.config, {
      env: { OMEGA_SECRET_KEY: SECRET_KEY, OMEGA_API_URL: t.url, OMEGA_SCRIPT_TIMEOUT_SECONDS: '8' },
    });
    browser = await launchChromium();
    readonly = await t.createPrincipal({ role: 'readonly' });
    await t.api
      .put('/api/v1/dataset/sales')
      .send({ data: [{ units: 1 }, { units: 2 }] })
      .expect(200);
    await upload('weekly', WEEKLY);
    await upload('broken', BROKEN);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await t?.close();
  });

  const secrets = () => [t.admin.password, t.admin.apikey];

  it('shows a job read-only, runs it from the form and shows its result notebook, markup as text', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await expect(page.locator('main tbody tr').count()).resolves.toBe(2);
    await expectAccessiblePage(page, secrets());

    await page.getByRole('link', { name: 'weekly' }).click();
    await expect(page.locator('.cell-text').textContent()).resolves.toBe(
      '# Weekly <script>window.__ran = 1</script>',
    );
    await expect(page.locator('.output-result').first().textContent()).resolves.toBe(
      '<img src=x onerror="window.__ran = 3">',
    );
    await expect(page.getByText('text/html, shown as text:').count()).resolves.toBe(1);
    await expect(page.getByRole('img', { name: 'Output of cell 2 (image/png)' }).count()).resolves.toBe(1);
    await expect(page.locator('.cell-code .tok-keyword', { hasText: 'await' }).count()).resolves.toBe(1);
    await expectNothingInjected(page, 'main script, main b, main i, main img:not(.output-image)');
    await expectAccessiblePage(page, secrets());

    for (const control of [
      'Run job',
      'In plain English',
      'Or a cron expression',
      'Time zone',
      'Set schedule',
    ])
      expect({ control, reached: await tabTo(page, control, 200) }).toEqual({ control, reached: true });
    await page.getByRole('button', { name: 'Run job' }).click();
    await page.waitForSelector('#run-title');
    await expect(page.locator('#run-title').textContent()).resolves.toBe('Run finished');
    const history = page.locator('table.runs tbody tr');
    await expect(history.count()).resolves.toBe(1);
    await expect(history.textContent()).resolves.toContain('SUCCESS');
    await screenshot(page, 'job');

    await history.getByRole('link').click();
    expect(new URL(page.url()).pathname).toMatch(
      /^\/console\/jobs\/weekly\/results\/weekly_\d{8}T\d{9}Z\.ipynb$/,
    );
    await expect(page.locator('.output-stdout').textContent()).resolves.toBe(
      '<script>window.__ran = 2</script> 2\n',
    );
    await expect(page.locator('.output-result').last().textContent()).resolves.toBe("'<b>2</b>'");
    await expectNothingInjected(page, 'main script, main b, main i, main img:not(.output-image)');
    await expectAccessiblePage(page, secrets());
    await screenshot(page, 'job-result');
    await context.close();
  });

  it('shows a failing run with its error, in the history and in its result notebook', async () => {
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/jobs/broken`);
    const answer = page.waitForResponse((response) => response.url().endsWith('/broken/run'));
    await page.getByRole('button', { name: 'Run job' }).click();
    expect((await answer).status()).toBe(422);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('cell <i>broke</i>');
    const row = page.locator('table.runs tbody tr');
    await expect(row.textContent()).resolves.toContain('FAILURE');
    await expect(row.locator('.error-text').textContent()).resolves.toContain('cell <i>broke</i>');
    await row.getByRole('link').click();
    await expect(page.locator('.output-stdout').textContent()).resolves.toBe('before the failure\n');
    await expect(page.locator('.output-error').textContent()).resolves.toContain('Error: cell <i>broke</i>');
    await expectNothingInjected(page, 'main script, main b, main i, main img:not(.output-image)');
    await expectAccessiblePage(page, secrets());
    await context.close();
  });

  it('lists jobs only, their result notebooks left to each job page, in the count and the search too', async () => {
    const ctx = TenantContext.of(t.admin.tenant);
    const results = await t.app.get(JobsService).list(ctx, { pattern: 'results/*' });
    expect(results.total).toBeGreaterThanOrEqual(2);
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/jobs`);
    await expect(page.locator('main .meta').textContent()).resolves.toContain('2 found');
    await expect(page.locator('main tbody tr td:first-child').allTextContents()).resolves.toEqual([
      'broken',
      'weekly',
    ]);
    await expect(page.locator('main a[href*="/results/"]').count()).resolves.toBe(0);
    await expectAccessiblePage(page, secrets());

    // Each result's name holds its job's: a search for the job finds the job alone.
    await page.getByLabel('Search by name').fill('weekly');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('main .meta').textContent()).resolves.toContain('1 found');
    await expect(page.locator('main tbody tr td:first-child').allTextContents()).resolves.toEqual(['weekly']);
    await page.goto(`${t.url}/console/jobs?q=results`);
    await expect(page.locator('main .meta').textContent()).resolves.toContain('0 found');
    await expect(page.getByText('No jobs found.').count()).resolves.toBe(1);

    // The results are on their job's page.
    await page.goto(`${t.url}/console/jobs/weekly`);
    await expect(page.locator('table.runs a[href*="/console/jobs/weekly/results/"]').count()).resolves.toBe(
      1,
    );
    await context.close();
  });

  it('sets a schedule from the form with the API validation, fires it with an injected clock, and drops it', async () => {
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/jobs/weekly`);
    await expect(page.getByText('Not scheduled.').count()).resolves.toBe(1);

    // Refused as the API refuses it: a clear 400, nothing saved.
    for (const [field, value, message] of [
      ['In plain English', 'every blue moon', 'Unknown schedule text'],
      ['Time zone', 'Mars/Olympus', 'time zone'],
    ]) {
      await page.goto(`${t.url}/console/jobs/weekly`);
      if (field === 'Time zone') await page.getByLabel('In plain English').fill('every hour');
      await page.getByLabel(field).fill(value);
      const refused = page.waitForResponse((response) => response.url().endsWith('/weekly/schedule'));
      await page.getByRole('button', { name: 'Set schedule' }).click();
      expect((await refused).status()).toBe(400);
      await expect(page.locator('main').textContent()).resolves.toMatch(new RegExp(message, 'i'));
    }
    await page.goto(`${t.url}/console/jobs/weekly`);
    await page.getByLabel('In plain English').fill('every hour');
    await page.getByLabel('Or a cron expression').fill('0 * * * *');
    await page.getByRole('button', { name: 'Set schedule' }).click();
    await expect(page.locator('main').textContent()).resolves.toContain('exactly one');
    await expect(t.api.get('/api/v1/job/weekly/schedule').then((res) => res.status)).resolves.toBe(404);

    // Cron in a time zone: shown in words, with the next five times.
    await page.goto(`${t.url}/console/jobs/weekly`);
    await page.getByLabel('Or a cron expression').fill('30 6 * * 1-5');
    await page.getByLabel('Time zone').fill('Europe/Zurich');
    await page.getByRole('button', { name: 'Set schedule' }).click();
    await page.waitForURL(/done=scheduled$/);
    const facts = await page.locator('dl.schedule').textContent();
    expect(facts).toContain('weekdays at 06:30');
    expect(facts).toContain('Europe/Zurich');
    const next = await page
      .locator('ol.next-times time')
      .evaluateAll((times) => times.map((time) => (time as unknown as { dateTime: string }).dateTime));
    const api = (await t.api.get('/api/v1/job/weekly/schedule').expect(200)).body as { next_times: string[] };
    expect(next).toEqual(api.next_times);
    expect(next).toHaveLength(5);
    await expectAccessiblePage(page, secrets());
    await screenshot(page, 'job-schedule');

    // Changed to every minute, then fired by the manager with its clock a minute ahead.
    await page.getByLabel('Or a cron expression').fill('');
    await page.getByLabel('In plain English').fill('every minute');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByRole('button', { name: 'Change schedule' }).click();
    await page.waitForURL(/done=scheduled$/);
    await expect(page.locator('dl.schedule').textContent()).resolves.toContain('every minute');
    const clock = new ManualClock(new Date(Date.now() + 61_000));
    const manager = await bootManager(clock);
    try {
      // The manager ticks once as it starts (that fires the due run); a second tick fires nothing more.
      expect(await manager.get(ScheduleTicker).tick()).toMatchObject({ fired: 0 });
    } finally {
      await manager.close();
    }
    await page.reload();
    const trigger = page.locator('section', { hasText: 'Recent triggers' }).locator('tbody tr');
    await expect(trigger.count()).resolves.toBe(1);
    const taskLink = trigger.getByRole('link');
    const taskId = (await taskLink.textContent()) ?? '';
    const record = await waitForTask(taskId);
    expect(record).toMatchObject({ status: 'SUCCESS', action: 'job.run', object: 'weekly' });
    await page.reload();
    await expect(page.locator('table.runs tbody tr').count()).resolves.toBe(2);
    await taskLink.click();
    expect(new URL(page.url()).pathname).toBe(`/console/tasks/${taskId}`);

    await page.goto(`${t.url}/console/jobs/weekly`);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Drop schedule' }).click();
    await page.waitForURL(/done=unscheduled$/);
    await expect(page.getByText('Not scheduled.').count()).resolves.toBe(1);
    await t.api.get('/api/v1/job/weekly/schedule').expect(404);
    await context.close();
  });

  it('lets a readonly user see jobs and results but not run or schedule them', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await loginInBrowser(context, t.url, readonly);
    await page.goto(`${t.url}/console/jobs/weekly`);
    const result = await page.locator('table.runs a').first().getAttribute('href');
    for (const path of ['/console/jobs', '/console/jobs/weekly', result ?? '']) {
      const response = await page.goto(`${t.url}${path}`);
      expect(response?.status()).toBe(200);
      expect((await auditPage(page)).pageWidth).toBe(375);
      await expectAccessiblePage(page, [readonly.password, readonly.apikey]);
    }
    await page.goto(`${t.url}/console/jobs/weekly`);
    await expect(page.getByRole('button', { name: 'Run job' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Set schedule' }).count()).resolves.toBe(0);
    await screenshot(page, 'phone-job');
    await context.close();

    const { agent, csrf } = await consoleSession(t.url, readonly);
    // A result is shown under its own job only.
    const file = (result ?? '').split('/').pop() ?? '';
    await agent.get(`/console/jobs/broken/results/${file}`).expect(404);
    await agent.get(`/console/jobs/week/results/${file}`).expect(404);
    for (const [path, form] of [
      ['/console/jobs/weekly/run', {}],
      ['/console/jobs/weekly/schedule', { text: 'every hour' }],
      ['/console/jobs/weekly/schedule/drop', {}],
    ] as const) {
      await agent
        .post(path)
        .type('form')
        .send({ _csrf: csrf, ...form })
        .expect(403);
    }
    await t.api.get('/api/v1/job/weekly/schedule').expect(404);
    const runs = (await t.api.get('/api/v1/job/weekly').expect(200)).body.kindMeta.runs as unknown[];
    expect(runs).toHaveLength(2);
  });

  async function bootManager(clock: Clock): Promise<INestApplicationContext> {
    const moduleRef = await Test.createTestingModule({
      imports: [ManagerModule.forRoot({ ...t.config, scheduleTickSeconds: 3600 })],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    moduleRef.useLogger(['error']);
    await moduleRef.init();
    return moduleRef;
  }

  async function waitForTask(id: string) {
    const tasks = t.app.get(TaskRecordsRepository);
    for (let attempt = 0; attempt < 100; attempt++) {
      const record = await tasks.find(TenantContext.of(t.admin.tenant), id);
      if (record && (record.status === 'SUCCESS' || record.status === 'FAILURE')) return record;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`task ${id} did not finish`);
  }
});
