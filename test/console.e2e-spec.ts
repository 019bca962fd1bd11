import { ApiKeysService } from '@omega/accounts';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import {
  auditPage,
  consoleSession as sessionAt,
  expectAccessiblePage,
  launchChromium,
  loginInBrowser as loginAt,
  screenshot,
} from './support/console-browser';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

/**
 * The admin console end to end: Debian's headless Chromium (driven by playwright-core) against the real
 * API, accounts database and MongoDB-wire server, plus plain HTTP checks of what a browser would not try.
 */
describe('admin console (/console)', () => {
  let t: TestApp;
  let browser: Browser;
  const SALES = [
    { region: 'EU', units: 12, price: 9.5 },
    { region: 'US', units: 7, price: 11 },
    { region: '<img src=x onerror=alert(1)>', units: 3, price: 10.25 },
  ];

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    await t.api.put('/api/v1/dataset/sales').send({ data: SALES }).expect(200);
    await t.api
      .post('/api/v1/model/')
      .field('name', 'iris-logreg')
      .attach('file', join(__dirname, 'fixtures', 'onnx', 'iris-logreg.onnx'), 'iris-logreg.onnx')
      .expect(201);
    await t.api
      .put('/api/v1/file/docs%2Fhello.txt')
      .set('Content-Type', 'text/plain')
      .send('hello, world')
      .expect(200);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function loginInBrowser(context: BrowserContext, who: TestPrincipal): Promise<Page> {
    return loginAt(context, t.url, who);
  }

  async function expectCleanPage(page: Page): Promise<void> {
    await expectAccessiblePage(page, [t.admin.password, t.admin.apikey]);
    const html = await page.content();
    const session = (await page.context().cookies()).find((cookie) => cookie.name === 'omega_session');
    if (session) expect(html).not.toContain(session.value);
  }

  it('logs in, makes an API key that works, browses a dataset and a task, revokes the key, logs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${t.url}/console/keys`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await expectCleanPage(page);
    await screenshot(page, 'login');

    // A wrong password keeps the browser on the login page with a message, and no session.
    await page.getByLabel('User name').fill(t.admin.userid);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong user name or password');
    expect((await context.cookies()).some((cookie) => cookie.name === 'omega_session')).toBe(false);

    await page.getByLabel('User name').fill(t.admin.userid);
    await page.getByLabel('Password').fill(t.admin.password);
    await Promise.all([
      page.waitForURL(`${t.url}/console`),
      page.getByRole('button', { name: 'Log in' }).click(),
    ]);
    await expect(page.locator('.who-name').textContent()).resolves.toBe(t.admin.userid);
    await expectCleanPage(page);
    const session = (await context.cookies()).find((cookie) => cookie.name === 'omega_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    // API key: created, shown once, usable with the API.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('e2e laptop');
    await page.getByRole('button', { name: 'Create key' }).click();
    const apikey = await page.getByLabel('API key').inputValue();
    expect(apikey.length).toBeGreaterThanOrEqual(32);
    await expect(page.getByRole('button', { name: 'Copy to clipboard' }).isVisible()).resolves.toBe(true);
    await expectCleanPage(page);
    await screenshot(page, 'api-key-created');
    const keyAuth = { Authorization: `ApiKey ${t.admin.userid}:${apikey}` };
    const read = await request(t.url).get('/api/v1/dataset/sales?orient=records').set(keyAuth).expect(200);
    expect(read.body).toEqual(SALES);
    await request(t.url).get('/api/v1/runtime/ping?delay_ms=5').set(keyAuth).expect(200);

    await page.goto(`${t.url}/console/keys`);
    expect(await page.content()).not.toContain(apikey);
    await expect(page.getByRole('cell', { name: 'e2e laptop', exact: true }).count()).resolves.toBe(1);

    // Object browser: search, then the dataset's preview, escaped.
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.getByLabel('Search by name').fill('sal');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'sales' }).click();
    expect(new URL(page.url()).pathname).toBe('/console/datasets/sales');
    const headers = await page.locator('table.preview thead th').allTextContents();
    expect(headers.map((text) => text.split(' ')[0])).toEqual(['region', 'units', 'price']);
    const rows = await page.locator('table.preview tbody tr').all();
    const cells = await Promise.all(rows.map((row) => row.locator('td').allTextContents()));
    expect(cells).toEqual(SALES.map((row) => [row.region, String(row.units), String(row.price)]));
    await expectCleanPage(page);
    await screenshot(page, 'dataset-preview');

    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('link', { name: 'iris-logreg' }).click();
    await expect(page.getByRole('heading', { name: 'Version 1' }).count()).resolves.toBe(1);
    await expect(page.locator('caption', { hasText: 'Signature' }).count()).resolves.toBe(1);
    await expectCleanPage(page);
    await screenshot(page, 'model-versions');

    await page.getByRole('link', { name: 'Files' }).click();
    await page.getByRole('link', { name: 'docs/hello.txt' }).click();
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('12 B');
    await expectCleanPage(page);

    // The task the key ran, with its status and timings.
    await page.getByRole('link', { name: 'Tasks' }).click();
    const taskRow = page.locator('tbody tr', { hasText: 'runtime.ping' });
    await expect(taskRow.count()).resolves.toBe(1);
    await expect(taskRow.textContent()).resolves.toContain('SUCCESS');
    await expectCleanPage(page);
    await screenshot(page, 'tasks');
    await taskRow.getByRole('link', { name: 'runtime.ping' }).click();
    await expect(page.locator('dl.facts').textContent()).resolves.toMatch(/Duration\s*\d+ ms/);
    await expect(page.locator('pre').last().textContent()).resolves.toContain('ping return message');

    await page.getByRole('link', { name: 'Workers' }).click();
    await expect(page.locator('tbody tr').first().textContent()).resolves.toContain('default');
    await expectCleanPage(page);

    // Revoke (confirmed in a dialog): the key fails at once.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Revoke key e2e laptop' }).click();
    await page.waitForURL(`${t.url}/console/keys?done=revoked`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('revoked');
    await request(t.url).get('/api/v1/dataset/sales').set(keyAuth).expect(401);

    await page.getByRole('link', { name: 'Audit log' }).click();
    const auditText = await page.locator('main table').textContent();
    expect(auditText).toContain('apikey.create');
    expect(auditText).toContain('apikey.revoke');
    await expectCleanPage(page);
    await screenshot(page, 'audit-log');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${t.url}/console/login`);
    expect((await context.cookies()).some((cookie) => cookie.name === 'omega_session')).toBe(false);
    await page.goto(`${t.url}/console/datasets`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await context.close();
  });

  it('fits a phone: the main pages have no horizontal scroll and stay accessible at 375 px', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await loginInBrowser(context, t.admin);
    const pages = [
      '/console',
      '/console/datasets',
      '/console/datasets/sales',
      '/console/models',
      '/console/models/iris-logreg',
      '/console/files',
      '/console/files/docs%2Fhello.txt',
      '/console/tasks',
      '/console/workers',
      '/console/keys',
      '/console/users',
      '/console/tenants',
      '/console/audit',
      '/console/scripts',
      '/console/jobs',
      '/console/sql',
      '/console/tenant',
      `/console/users/${t.admin.userid}`,
    ];
    for (const path of pages) {
      const response = await page.goto(`${t.url}${path}`);
      expect({ path, status: response?.status() }).toEqual({ path, status: 200 });
      const audit = await auditPage(page);
      expect({ path, width: audit.pageWidth }).toEqual({ path, width: 375 });
      await expectCleanPage(page);
    }
    await page.goto(`${t.url}/console/datasets/sales`);
    await screenshot(page, 'phone-dataset');
    await page.goto(`${t.url}/console/keys`);
    await screenshot(page, 'phone-keys');
    await context.close();
  });

  it('keeps members and readonly users out of the admin pages', async () => {
    const member = await t.createPrincipal({ role: 'member' });
    const readonly = await t.createPrincipal({ role: 'readonly' });
    for (const who of [member, readonly]) {
      const { agent } = await consoleSession(who);
      for (const path of ['/console/users', '/console/tenants', '/console/audit', '/console/keys/tenant']) {
        const res = await agent.get(path).expect(403);
        expect(res.text).toContain('Not allowed');
      }
      const home = await agent.get('/console').expect(200);
      expect(home.text).not.toContain('href="/console/users"');
      await agent.get('/console/datasets/sales').expect(200);
    }
    // A member cannot promote themselves through the form either.
    const { agent, csrf } = await consoleSession(member);
    await agent
      .post(`/console/users/${member.userid}/role`)
      .type('form')
      .send({ _csrf: csrf, role: 'admin' })
      .expect(403);
  });

  it('refuses form posts without the CSRF token, and pages without a session', async () => {
    const keys = t.app.get(ApiKeysService);
    const before = (await keys.list({ userid: t.admin.userid })).length;
    const { agent, csrf } = await consoleSession(t.admin);
    const refused = await agent.post('/console/keys').type('form').send({ name: 'forged' }).expect(403);
    expect(refused.text).toContain('CSRF');
    await agent
      .post('/console/keys')
      .type('form')
      .send({ name: 'forged', _csrf: 'x'.repeat(43) })
      .expect(403);
    expect((await keys.list({ userid: t.admin.userid })).length).toBe(before);

    // With the token it works, and bad input is a clear 400.
    await agent.post('/console/keys').type('form').send({ name: 'ok', _csrf: csrf }).expect(201);
    const bad = await agent
      .post('/console/keys')
      .type('form')
      .send({ name: 'ok', expiresInDays: 'soon', _csrf: csrf })
      .expect(400);
    expect(bad.text).toContain('expiresInDays');
    await agent
      .post('/console/keys')
      .type('form')
      .send({ name: 'ok', admin: 'yes', _csrf: csrf })
      .expect(400);

    // The login form has its own token.
    await request(t.url)
      .post('/console/login')
      .type('form')
      .send({ userid: t.admin.userid, password: t.admin.password })
      .expect(403);

    const anonymous = await request(t.url).get('/console/keys').expect(302);
    expect(anonymous.headers.location).toBe('/console/login');
    await request(t.url).post('/console/keys').type('form').send({ name: 'x' }).expect(302);
  });

  it('previews the first rows of any table kind, Parquet parts included, without reading the rest', async () => {
    const rows = Array.from({ length: 500 }, (_, index) => ({ id: index, label: `<b>${index}</b>` }));
    // Stored as rows, then converted: the preview reads what the conversion wrote.
    await t.api.put('/api/v1/dataset/wide?kind=table.rows').send({ data: rows }).expect(200);
    await t.api.post('/api/v1/dataset/wide/convert').send({ kind: 'table.parquet' }).expect(200);
    const { agent } = await consoleSession(t.admin);
    const page = (await agent.get('/console/datasets/wide').expect(200)).text;
    expect(page).toContain('table.parquet');
    expect(page).toContain('The first 20 of 500 rows.');
    expect(page).toContain('<td>0</td><td>&lt;b&gt;0&lt;/b&gt;</td>');
    expect(page).not.toContain('<td>20</td>');
  });

  it("downloads files of any bucket with the API's safe headers, and only with a session", async () => {
    const page = '<html><body><script>alert(1)</script></body></html>';
    await t.api
      .put('/api/v1/file/reports%2Fpage.html')
      .set('Bucket', 'archive')
      .set('Content-Type', 'text/html')
      .send(page)
      .expect(200);
    const { agent } = await consoleSession(t.admin);
    const info = await agent.get('/console/files/reports%2Fpage.html?bucket=archive').expect(200);
    expect(info.text).toContain('href="/console/files/reports%2Fpage.html/download?bucket=archive"');
    const file = await agent.get('/console/files/reports%2Fpage.html/download?bucket=archive').expect(200);
    expect(file.text).toBe(page);
    expect(file.headers['content-type']).toBe('text/html');
    expect(file.headers['content-disposition']).toMatch(/^attachment/);
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    expect(file.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
    // Not in the default bucket, and not without a session.
    await agent.get('/console/files/reports%2Fpage.html/download').expect(404);
    await request(t.url).get('/console/files/reports%2Fpage.html/download?bucket=archive').expect(302);
  });

  it('serves its own script and stylesheet with a CSP that forbids inline script', async () => {
    const page = await request(t.url).get('/console/login').expect(200);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-store');
    const js = await request(t.url).get('/console/static/console.js').expect(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    const css = await request(t.url).get('/console/static/console.css').expect(200);
    expect(css.headers['content-type']).toContain('text/css');
    await request(t.url).get('/console/static/..%2Fconsole.module.ts').expect(404);
    await request(t.url).get('/console/static/missing.js').expect(404);
  });

  function consoleSession(who: TestPrincipal) {
    return sessionAt(t.url, who);
  }
});
