import { TenantContext } from '@omega/core';
import { TaskRecordsRepository } from '@omega/runtime';
import type { Browser } from 'playwright-core';
import request from 'supertest';
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

const REPORT_SCRIPT = `// Adds two numbers and echoes markup back, which the console must show as text.
interface Options { label?: string }

export function run(om: unknown, a: number, b: number, kwargs?: Options): unknown {
  console.log('<script>window.__ran = 1</script><b>bold</b>');
  console.error("a warning: 'quoted'");
  return { sum: a + b, label: kwargs?.label ?? null, html: '<img src=x onerror=alert(1)>' };
}
`;
const FAILING_SCRIPT = `exports.run = function () { throw new Error('report broke <b>here</b>'); };`;

/** Scripts in the console: listing and search, the script page, runs from the form, and who may run. */
describe('console: scripts', () => {
  let t: TestApp;
  let browser: Browser;
  let readonly: TestPrincipal;

  const upload = (name: string, source: string, filename: string) =>
    t.api
      .post('/api/v1/script/')
      .field('name', name)
      .attach('file', Buffer.from(source), filename)
      .expect(201);

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    readonly = await t.createPrincipal({ role: 'readonly' });
    await upload('report', REPORT_SCRIPT, 'report.ts');
    await upload('failing', FAILING_SCRIPT, 'failing.js');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const secrets = () => [t.admin.password, t.admin.apikey];
  /** How many tasks the tenant has: a refused run adds none. */
  const taskCount = async () =>
    (await t.app.get(TaskRecordsRepository).list(TenantContext.of(t.admin.tenant), { limit: 1 })).total;

  it('lists and searches scripts, shows one with its highlighted source, runs it and shows the answer as text', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.getByRole('link', { name: 'Scripts', exact: true }).click();
    await expect(page.locator('main tbody tr').count()).resolves.toBe(2);
    await page.getByLabel('Search by name').fill('rep');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('main tbody tr').count()).resolves.toBe(1);
    await expect(page.locator('main .meta').textContent()).resolves.toContain('1 found matching “rep”');
    await expectAccessiblePage(page, secrets());
    await screenshot(page, 'scripts');

    await page.getByRole('link', { name: 'report' }).click();
    expect(new URL(page.url()).pathname).toBe('/console/scripts/report');
    const facts = await page.locator('dl.facts').textContent();
    expect(facts).toMatch(/Languagetypescript/);
    expect(facts).toMatch(/Bundle size\d+(\.\d)? (B|KiB)/);
    expect(facts).toContain('report.ts');
    await expect(page.locator('pre.source').textContent()).resolves.toBe(REPORT_SCRIPT);
    await expect(page.locator('pre.source .tok-keyword', { hasText: 'interface' }).count()).resolves.toBe(1);
    await expect(page.locator('pre.source .tok-comment').first().textContent()).resolves.toContain(
      'Adds two numbers',
    );
    await expect(page.locator('pre.source .tok-string').count()).resolves.toBeGreaterThanOrEqual(3);
    await expect(page.getByText('None: the script is bundled on its own.').count()).resolves.toBe(1);
    await expectAccessiblePage(page, secrets());

    // Every control of the page is reachable with the keyboard alone.
    for (const control of ['Arguments', 'Named parameters', 'Run script'])
      expect({ control, reached: await tabTo(page, control) }).toEqual({ control, reached: true });

    // A synchronous run: the answer, stdout and stderr, all as text.
    await page.getByLabel('Arguments').fill('[2, 3]');
    await page.getByLabel('Named parameters').fill('{"label": "<i>x</i>"}');
    await page.getByRole('button', { name: 'Run script' }).click();
    await page.waitForSelector('pre.run-result');
    const result = JSON.parse((await page.locator('pre.run-result').textContent()) ?? '') as unknown;
    expect(result).toEqual({ sum: 5, label: '<i>x</i>', html: '<img src=x onerror=alert(1)>' });
    await expect(page.locator('pre.run-stdout').textContent()).resolves.toBe(
      '<script>window.__ran = 1</script><b>bold</b>\n',
    );
    await expect(page.locator('pre.run-stderr').textContent()).resolves.toBe("a warning: 'quoted'\n");
    await expectNothingInjected(page, 'main script, main img, main b');
    await expectAccessiblePage(page, secrets());
    await screenshot(page, 'script-run');

    // The run is in the recent runs, and the task page is one click away.
    await page.goto(`${t.url}/console/scripts/report`);
    const runRow = page.locator('section', { hasText: 'Recent runs' }).locator('tbody tr');
    await expect(runRow.count()).resolves.toBe(1);
    await expect(runRow.textContent()).resolves.toContain('SUCCESS');

    // In the background: the form goes to the task's page.
    await page.getByLabel('Arguments').fill('[40, 2]');
    await page.getByLabel('run in the background and open its task').check();
    await page.getByRole('button', { name: 'Run script' }).click();
    await page.waitForURL(/\/console\/tasks\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Task script.run');
    await context.close();
  });

  it('shows a failed run with its error, and refuses bad JSON with a clear message that runs nothing', async () => {
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/scripts/failing`);
    await expect(page.locator('pre.source').textContent()).resolves.toBe(FAILING_SCRIPT);
    const answer = page.waitForResponse((response) => response.url().endsWith('/failing/run'));
    await page.getByRole('button', { name: 'Run script' }).click();
    expect((await answer).status()).toBe(422);
    const alert = await page.getByRole('alert').textContent();
    expect(alert).toContain('report broke <b>here</b>');
    await expectNothingInjected(page, 'main script, main img, main b');

    const tasksBefore = await taskCount();
    await page.goto(`${t.url}/console/scripts/report`);
    await page.getByLabel('Arguments').fill('[2, 3');
    const refused = page.waitForResponse((response) => response.url().endsWith('/report/run'));
    await page.getByRole('button', { name: 'Run script' }).click();
    expect((await refused).status()).toBe(400);
    await expect(page.locator('main').textContent()).resolves.toContain('args is not valid JSON');
    expect(await taskCount()).toBe(tasksBefore);
    await context.close();
  });

  it('lets a readonly user see scripts but not run them, and needs the CSRF token to run', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await loginInBrowser(context, t.url, readonly);
    for (const path of ['/console/scripts', '/console/scripts/report']) {
      const response = await page.goto(`${t.url}${path}`);
      expect(response?.status()).toBe(200);
      expect((await auditPage(page)).pageWidth).toBe(375);
      await expectAccessiblePage(page, [readonly.password, readonly.apikey]);
    }
    await expect(page.getByRole('button', { name: 'Run script' }).count()).resolves.toBe(0);
    await expect(page.locator('main').textContent()).resolves.toContain(
      'may look at scripts but not run them',
    );
    await screenshot(page, 'phone-script');
    await context.close();

    const before = await taskCount();
    const { agent, csrf } = await consoleSession(t.url, readonly);
    const refused = await agent
      .post('/console/scripts/report/run')
      .type('form')
      .send({ _csrf: csrf, args: '[1, 2]' })
      .expect(403);
    expect(refused.text).toContain('Not allowed');
    const admin = await consoleSession(t.url, t.admin);
    await admin.agent.post('/console/scripts/report/run').type('form').send({ args: '[1, 2]' }).expect(403);
    await request(t.url).post('/console/scripts/report/run').type('form').send({ args: '[1]' }).expect(302);
    expect(await taskCount()).toBe(before);
  });
});
