import { ApiKeysService } from '@omega/accounts';
import { TenantContext } from '@omega/core';
import type { Browser, Page } from 'playwright-core';
import { expectAccessiblePage, launchChromium, loginInBrowser, screenshot } from './support/console-browser';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

const DATASETS = 1000;
const name = (index: number) => `ds-${String(index).padStart(4, '0')}`;

/** Listings at scale: cursor paging with counts and search, task and audit filters. */
describe('console: listings at scale', () => {
  let t: TestApp;
  let browser: Browser;
  let member: TestPrincipal;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    member = await t.createPrincipal({ role: 'member' });
    const ctx = TenantContext.of(t.admin.tenant);
    const indexes = Array.from({ length: DATASETS }, (_, index) => index);
    for (let start = 0; start < DATASETS; start += 50) {
      await Promise.all(
        indexes.slice(start, start + 50).map((index) => t.stores.datasets.put(ctx, name(index), { index })),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Names in the listing's table, following "Next page" to the end. */
  async function walkPages(page: Page): Promise<{ names: string[]; pages: number }> {
    const names: string[] = [];
    let pages = 0;
    for (;;) {
      pages++;
      names.push(...(await page.locator('main tbody tr td:first-child a').allTextContents()));
      const next = page.getByRole('link', { name: 'Next page' });
      if ((await next.count()) === 0) return { names, pages };
      await next.click();
      await page.waitForLoadState();
    }
  }

  it('pages through 1,000 datasets by cursor, with the count and a search', async () => {
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/datasets`);
    await expect(page.locator('main .meta').textContent()).resolves.toContain(
      `${DATASETS} found in bucket default, 50 on this page`,
    );
    await expectAccessiblePage(page);
    const all = await walkPages(page);
    expect(all.pages).toBe(20);
    expect(all.names).toEqual(Array.from({ length: DATASETS }, (_, index) => name(index)));
    expect(new URL(page.url()).searchParams.get('after')).toBe(name(949));
    await page.getByRole('link', { name: 'First page' }).click();
    await expect(page.locator('main tbody tr td:first-child a').first().textContent()).resolves.toBe(name(0));

    await page.getByLabel('Search by name').fill('ds-09');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('main .meta').textContent()).resolves.toContain('100 found');
    const found = await walkPages(page);
    expect(found.names).toEqual(Array.from({ length: 100 }, (_, index) => name(900 + index)));
    expect(new URL(page.url()).searchParams.get('q')).toBe('ds-09');
    await screenshot(page, 'datasets-paged');
    await context.close();
  });

  it('filters tasks by status, action, object and time, and pages them', async () => {
    for (let index = 0; index < 55; index++) await t.api.get('/api/v1/runtime/ping').expect(200);
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/tasks`);
    await page.getByLabel('Status').selectOption('SUCCESS');
    await page.getByLabel('Action').fill('runtime.ping');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.locator('main .meta').textContent()).resolves.toContain('55 tasks, 50 on this page');
    await expectAccessiblePage(page);
    const rows = async () => page.locator('main tbody tr').count();
    const ids = new Set<string>();
    const collect = async () => {
      for (const href of await page
        .locator('main tbody tr td:first-child a')
        .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? '')))
        ids.add(href);
    };
    await collect();
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(rows()).resolves.toBe(5);
    await collect();
    expect(ids.size).toBe(55);
    expect(new URL(page.url()).searchParams.get('action')).toBe('runtime.ping');

    await page.goto(`${t.url}/console/tasks?action=runtime.ping&from=2099-01-01T00:00`);
    await expect(page.getByText('No tasks yet.').count()).resolves.toBe(1);
    await page.goto(`${t.url}/console/tasks?action=script.run`);
    await expect(page.locator('main .meta').textContent()).resolves.toContain('0 tasks');
    await page.goto(`${t.url}/console/tasks?object=nothing-by-that-name`);
    await expect(page.locator('main .meta').textContent()).resolves.toContain('0 tasks');
    const bad = await page.goto(`${t.url}/console/tasks?from=yesterday`);
    expect(bad?.status()).toBe(400);
    await expect(page.locator('main').textContent()).resolves.toContain('from must be a time');
    await context.close();
  });

  it('filters the audit log by actor, action and time, and pages it', async () => {
    const keys = t.app.get(ApiKeysService);
    for (let index = 0; index < 105; index++)
      await keys.create(
        { userid: t.admin.userid, tenant: t.admin.tenant, name: `k${index}` },
        { actor: 'robot' },
      );
    await member.api.post('/api/v1/auth/keys').send({ name: 'mine' }).expect(201);
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/audit`);
    await page.getByLabel('Actor').fill('robot');
    await page.getByLabel('Action').fill('apikey.create');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.locator('main .meta').first().textContent()).resolves.toContain(
      '105 events, 100 on this page',
    );
    await expectAccessiblePage(page);
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(page.locator('main tbody tr').count()).resolves.toBe(5);
    // The oldest five are on the second page: k4 … k0.
    await expect(page.locator('main tbody tr').last().textContent()).resolves.toContain('robot');

    await page.goto(`${t.url}/console/audit?actor=${member.userid}`);
    const memberRows = await page.locator('main tbody tr').allTextContents();
    expect(memberRows.length).toBeGreaterThanOrEqual(1);
    for (const row of memberRows) expect(row).toContain(member.userid);
    await page.goto(`${t.url}/console/audit?from=2099-01-01T00:00`);
    await expect(page.getByText('No events found.').count()).resolves.toBe(1);
    const now = new Date(Date.now() + 60_000).toISOString().slice(0, 16);
    await page.goto(`${t.url}/console/audit?actor=robot&to=${now}`);
    await expect(page.locator('main .meta').first().textContent()).resolves.toContain('105 events');
    await context.close();
  });
});
