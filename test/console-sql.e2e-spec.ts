import { TenantContext } from '@omega/core';
import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import {
  auditPage,
  expectAccessiblePage,
  launchChromium,
  loginInBrowser,
  screenshot,
} from './support/console-browser';
import { pollUntil } from './support/poll';
import { createTestSqlDatabase, TestSqlDatabase } from './support/sql-databases';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

const ROWS = 30;

/** SQL references in the console: connection without secrets, query, placeholders, a bounded preview. */
describe('console: SQL references', () => {
  let t: TestApp;
  let browser: Browser;
  let database: TestSqlDatabase;
  let owner: DataSource;
  let readonly: TestPrincipal;
  /** The reference connects as a role of its own, whose password must never reach a page. */
  const role = `sqlref_${randomBytes(4).toString('hex')}`;
  const secret = `Pw-${randomBytes(12).toString('hex')}`;
  const password = () => secret;

  beforeAll(async () => {
    database = await createTestSqlDatabase('postgres');
    owner = new DataSource({ type: 'postgres', url: database.url });
    await owner.initialize();
    await owner.query('CREATE TABLE sales (id INT PRIMARY KEY, region TEXT NOT NULL, units INT NOT NULL)');
    for (let id = 1; id <= ROWS; id++)
      await owner.query('INSERT INTO sales VALUES ($1, $2, $3)', [
        id,
        id === 3 ? '<script>x()</script>' : 'EU',
        id,
      ]);
    await owner.query(`CREATE ROLE ${role} LOGIN PASSWORD '${secret}'`);
    await owner.query(`GRANT SELECT ON sales TO ${role}`);
    t = await startTestApp({
      config: {
        secretKey: randomBytes(32).toString('base64url'),
        sqlHosts: ['127.0.0.1', 'localhost'],
        sqlTimeoutSeconds: 1,
      },
    });
    browser = await launchChromium();
    readonly = await t.createPrincipal({ role: 'readonly' });
    const server = new URL(database.url);
    const url = `postgresql://${role}:${secret}@${server.host}${server.pathname}`;
    await t.api
      .put('/api/v1/dataset/eu-sales')
      .send({
        sql: { url, query: 'SELECT id, region, units FROM sales WHERE units >= {min_units} ORDER BY id' },
      })
      .expect(200);
    await t.api
      .put('/api/v1/dataset/slow')
      .send({ sql: { url, query: 'SELECT pg_sleep({seconds}) AS slept' } })
      .expect(200);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await owner?.destroy();
    await database?.drop();
    const admin = new DataSource({ type: 'postgres', url: process.env.OMEGA_TEST_POSTGRES_URL });
    await admin.initialize();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.destroy();
  });

  it('shows the connection without its password, the query and placeholders, and previews the first rows', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.getByRole('link', { name: 'SQL', exact: true }).click();
    await expect(page.locator('main tbody tr').count()).resolves.toBe(2);
    await expectAccessiblePage(page, [password()]);

    await page.getByRole('link', { name: 'eu-sales' }).click();
    const facts = await page.locator('dl.facts').textContent();
    expect(facts).toContain('postgres');
    expect(facts).toContain(':***@');
    expect(facts).toContain('password');
    const raw = await t.databases
      .db(TenantContext.of(t.admin.tenant))
      .collection('metadata')
      .findOne({ name: 'eu-sales' });
    const html = await page.content();
    expect(html).not.toContain(password());
    expect(html).not.toContain(String(raw?.kindMeta?.secrets));
    await expect(page.locator('pre.sql-query').textContent()).resolves.toContain('{min_units}');
    await expectAccessiblePage(page, [password()]);

    await page.getByLabel('min_units').fill('2');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForSelector('table.preview');
    const rows = await page.locator('table.preview tbody tr').all();
    expect(rows).toHaveLength(20);
    const cells = await Promise.all(rows.slice(0, 2).map((row) => row.locator('td').allTextContents()));
    expect(cells).toEqual([
      ['2', 'EU', '2'],
      ['3', '<script>x()</script>', '3'],
    ]);
    await expect(page.getByLabel('min_units').inputValue()).resolves.toBe('2');
    expect((await auditPage(page)).inlineScripts).toBe(0);
    await expectAccessiblePage(page, [password()]);
    await screenshot(page, 'sql-reference');

    // An injection attempt is a value bound as a parameter: PostgreSQL refuses it as a number, inline.
    await page.getByLabel('min_units').fill('1; DROP TABLE sales');
    const refused = page.waitForResponse((response) => response.url().includes('/console/sql/eu-sales?'));
    await page.getByRole('button', { name: 'Preview' }).click();
    expect((await refused).status()).toBeGreaterThanOrEqual(400);
    await expect(page.getByRole('alert').count()).resolves.toBe(1);
    expect((await owner.query('SELECT count(*)::int AS n FROM sales'))[0].n).toBe(ROWS);
    await context.close();
  });

  it('stops a slow query at the statement timeout and says so on the page, for a readonly user too', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await loginInBrowser(context, t.url, readonly);
    await page.goto(`${t.url}/console/sql/slow`);
    expect((await auditPage(page)).pageWidth).toBe(375);
    await expectAccessiblePage(page, [password()]);
    await page.getByLabel('seconds').fill('600');
    // The outcome proves the stop, not a stopwatch: a query that ran its course would answer 200 after ten
    // minutes; the 504 and its message are the statement timeout's. The waits only leave a loaded machine
    // room (the timeout is 1 s).
    const answer = page.waitForResponse((response) => response.url().includes('/console/sql/slow?'), {
      timeout: 60_000,
    });
    await page.getByRole('button', { name: 'Preview' }).click();
    expect((await answer).status()).toBe(504);
    await expect(page.getByRole('alert').allTextContents()).resolves.toEqual([
      'sql query on postgres ran longer than the statement timeout (OMEGA_SQL_TIMEOUT_SECONDS) and was stopped',
    ]);
    // PostgreSQL stopped it too: a client that only gave up waiting would leave the role's statement active.
    const running = () =>
      owner.query("SELECT pid FROM pg_stat_activity WHERE usename = $1 AND state = 'active'", [role]);
    expect(await pollUntil(running, (rows) => rows.length === 0, 30)).toEqual([]);
    await screenshot(page, 'phone-sql-reference');
    await context.close();
  });
});
