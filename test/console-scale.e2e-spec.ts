import { ApiKeysService } from '@omega/accounts';
import { TenantContext } from '@omega/core';
import { WorkerDirectory } from '@omega/runtime';
import type { Browser, Page } from 'playwright-core';
import {
  consoleSession,
  expectAccessiblePage,
  launchChromium,
  loginInBrowser,
  screenshot,
} from './support/console-browser';
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
  async function walkPages(
    page: Page,
    cells = 'main tbody tr td:first-child a',
  ): Promise<{ names: string[]; pages: number }> {
    const names: string[] = [];
    let pages = 0;
    for (;;) {
      pages++;
      names.push(...(await page.locator(cells).allTextContents()));
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

  it("pages through more than 100 API keys by cursor, with the count and a search, and shows admins the tenant's keys", async () => {
    const owner = await t.createPrincipal({ role: 'member' });
    // The keys' table, not the rate limits' below it.
    const KEY_NAMES = 'section[aria-labelledby="list-title"] tbody tr td:first-child';
    const keys = t.app.get(ApiKeysService);
    const KEYS = 120;
    const keyName = (index: number) => `key-${String(index).padStart(3, '0')}`;
    // Four more named like the 50th row: a run of equal names across the first page's end.
    const names = [
      ...Array.from({ length: KEYS }, (_, index) => keyName(index)),
      ...Array(4).fill(keyName(48)),
    ];
    for (const name of names) await keys.create({ userid: owner.userid, tenant: owner.tenant, name });
    const expected = ['default', ...names].sort();

    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, owner);
    await page.goto(`${t.url}/console/keys`);
    await expect(page.locator('main .meta').first().textContent()).resolves.toContain(
      `${names.length + 1} found, 50 on this page`,
    );
    await expectAccessiblePage(page, [owner.password, owner.apikey]);
    // By name, with a key's id as the cursor (names repeat): every key once, across three pages.
    const all = await walkPages(page, KEY_NAMES);
    expect(all.pages).toBe(3);
    expect(all.names).toEqual(expected);
    expect(new URL(page.url()).searchParams.get('after')).toMatch(/^[0-9a-f-]{36}$/);

    await page.getByLabel('Search by name').fill('key-11');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('main .meta').first().textContent()).resolves.toContain('10 found');
    await expect(page.locator(KEY_NAMES).allTextContents()).resolves.toEqual(
      Array.from({ length: 10 }, (_, index) => keyName(110 + index)),
    );
    // Found by search, revoked from the page it was found on.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke key key-115' }).click();
    await page.waitForURL(`${t.url}/console/keys?done=revoked`);
    const revoked = (await keys.list({ userid: owner.userid }, { limit: 1000 })).find(
      (key) => key.name === 'key-115',
    );
    expect(revoked?.revokedAt).not.toBeNull();
    await page.goto(`${t.url}/console/keys?q=${encodeURIComponent('%')}`);
    await expect(page.getByText('No key matches.').count()).resolves.toBe(1);
    await screenshot(page, 'keys-paged');

    // A cursor that is no key of this listing, another user's key included, is refused, not page one.
    const othersKey = (await keys.list({ userid: t.admin.userid }, { limit: 1 }))[0];
    for (const after of ['not-a-key', othersKey.id]) {
      const refused = await page.goto(`${t.url}/console/keys?after=${after}`);
      expect(refused?.status()).toBe(400);
      await expect(page.locator('main').textContent()).resolves.toContain('Unknown page cursor');
    }
    await page.goto(`${t.url}/console/keys`);
    await expect(page.getByRole('link', { name: /Keys of every member/ }).count()).resolves.toBe(0);
    await context.close();

    const { agent } = await consoleSession(t.url, owner);
    await agent.get('/console/keys/tenant').expect(403);

    const adminContext = await browser.newContext();
    const adminPage = await loginInBrowser(adminContext, t.url, t.admin);
    await adminPage.goto(`${t.url}/console/keys`);
    await adminPage.getByRole('link', { name: /Keys of every member/ }).click();
    await adminPage.getByLabel('Search by name').fill('key-0');
    await adminPage.getByRole('button', { name: 'Search' }).click();
    await expect(adminPage.locator('main .meta').first().textContent()).resolves.toContain(
      '104 found matching “key-0”, 50 on this page',
    );
    const found = await walkPages(adminPage, KEY_NAMES);
    expect(found.names).toEqual(names.filter((name) => name.startsWith('key-0')).sort());
    await expect(adminPage.locator('main tbody tr td:nth-child(2)').first().textContent()).resolves.toBe(
      owner.userid,
    );
    // The tenant's view is for reading: revoking stays with the owner (or the admin API).
    await expect(adminPage.getByRole('button', { name: /Revoke/ }).count()).resolves.toBe(0);
    await expectAccessiblePage(adminPage);
    await screenshot(adminPage, 'tenant-keys');
    await adminContext.close();
  });

  it('pages the live workers by id, with hosts and the full id for platform admins only', async () => {
    const directory = t.app.get(WorkerDirectory);
    const WORKERS = 60;
    const ids = Array.from(
      { length: WORKERS },
      (_, index) => `scalehost-4242-${(0xa00000 + index).toString(16)}`,
    );
    // Heartbeats keep them alive while the pages are read (a worker that missed three is taken for dead).
    const beat = () =>
      Promise.all(
        ids.map((id) =>
          directory.heartbeat({
            id,
            labels: ['default'],
            host: 'scalehost',
            pid: 4242,
            concurrency: 1,
            started: new Date(),
            mode: 'broker',
            inFlight: 0,
            processed: 0,
          }),
        ),
      );
    try {
      for (const who of [t.admin, member]) {
        const context = await browser.newContext();
        const page = await loginInBrowser(context, t.url, who);
        await beat();
        await page.goto(`${t.url}/console/workers`);
        const meta = await page.locator('main p.meta').nth(1).textContent();
        const live = Number(/(\d+) live workers/.exec(meta ?? '')?.[1]);
        expect(live).toBeGreaterThanOrEqual(WORKERS);
        expect(meta).toContain('50 on this page');
        const seen: string[] = [];
        for (let pages = 0; pages < 5; pages++) {
          seen.push(...(await page.locator('main tbody tr td:first-child').allTextContents()));
          const next = page.getByRole('link', { name: 'Next page' });
          if ((await next.count()) === 0) break;
          const cursor = new URL((await next.getAttribute('href')) ?? '', t.url).searchParams.get('after');
          if (who === member) expect(cursor).not.toContain('scalehost');
          await beat();
          await next.click();
          await page.waitForLoadState();
        }
        expect(seen).toHaveLength(live);
        expect(new Set(seen).size).toBe(live);
        if (who === member) {
          for (const id of ids) expect(seen).toContain(`worker ${id.slice(-6)}`);
          await expect(page.locator('main').textContent()).resolves.not.toContain('scalehost');
        } else {
          for (const id of ids) expect(seen).toContain(id);
          await expect(page.locator('main').textContent()).resolves.toContain('scalehost (pid 4242)');
        }
        await expectAccessiblePage(page);
        await context.close();
      }
    } finally {
      await Promise.all(ids.map((id) => directory.remove(id)));
    }
  });
});
