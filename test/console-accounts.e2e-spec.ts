import { MembershipsService, TenantsService, UsersService } from '@omega/accounts';
import { hostname } from 'node:os';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import {
  auditPage,
  consoleSession,
  expectAccessiblePage,
  launchChromium,
  loginInBrowser,
  screenshot,
} from './support/console-browser';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

/** Accounts in the console: the tenant switcher, user pages, and the workers page's host details. */
describe('console: accounts', () => {
  let t: TestApp;
  let browser: Browser;
  /** A tenant admin who is not a platform admin. */
  let boss: TestPrincipal;
  let outsider: TestPrincipal;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    boss = await t.createPrincipal({ role: 'admin' });
    outsider = await t.createPrincipal({ tenant: 'zeta', role: 'member' });
    await t.api.get('/api/v1/runtime/ping').expect(200);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const memberships = () => t.app.get(MembershipsService);

  it('switches a user with two memberships to their other tenant, with its role, ending the old session', async () => {
    const bob = await t.createPrincipal({ role: 'member' });
    await memberships().add(bob.userid, 'zeta', 'readonly');
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await loginInBrowser(context, t.url, bob);
    const before = (await context.cookies()).find((cookie) => cookie.name === 'omega_session')?.value;
    await page.getByRole('link', { name: 'switch' }).click();
    expect(new URL(page.url()).pathname).toBe('/console/tenant');
    expect((await auditPage(page)).pageWidth).toBe(375);
    await expectAccessiblePage(page, [bob.password]);
    await screenshot(page, 'phone-tenant-switch');

    await page.getByLabel('Tenant', { exact: true }).selectOption('zeta');
    await page.getByLabel('Your password').fill('not my password at all');
    await page.getByRole('button', { name: 'Switch' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong password');
    await expect(page.locator('.who-tenant').textContent()).resolves.toContain('default');

    await page.getByLabel('Your password').fill(bob.password);
    await Promise.all([
      page.waitForURL(`${t.url}/console`),
      page.getByRole('button', { name: 'Switch' }).click(),
    ]);
    await expect(page.locator('.who-tenant').textContent()).resolves.toMatch(/zeta\s*·\s*readonly/);
    const after = (await context.cookies()).find((cookie) => cookie.name === 'omega_session')?.value;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const old = await request(t.url).get('/console/datasets').set('Cookie', `omega_session=${before}`);
    expect(old.status).toBe(302);

    // A member of one tenant only has nothing to switch to.
    const solo = await browser.newContext();
    const soloPage = await loginInBrowser(solo, t.url, outsider);
    await soloPage.goto(`${t.url}/console/tenant`);
    await expect(soloPage.getByText('You are a member of this tenant only.').count()).resolves.toBe(1);
    await solo.close();
    await context.close();
  });

  it('lets a platform admin change a role, disable, re-enable, reset the password of and remove a user', async () => {
    const carol = await t.createPrincipal({ role: 'member' });
    const users = t.app.get(UsersService);
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/users`);
    await page.getByRole('link', { name: carol.userid }).click();
    expect(new URL(page.url()).pathname).toBe(`/console/users/${carol.userid}`);
    await expectAccessiblePage(page, [t.admin.password]);
    await screenshot(page, 'user');

    await page.getByLabel(`Role in ${t.admin.tenant}`).selectOption('readonly');
    await page.getByRole('button', { name: 'Change role' }).click();
    await page.waitForURL(/done=role$/);
    expect(await memberships().roleOf(carol.userid, t.admin.tenant)).toBe('readonly');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.goto(`${t.url}/console/users/${carol.userid}`);
    await page.getByRole('button', { name: 'Disable user' }).click();
    await page.waitForURL(/done=disabled$/);
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('disabled');
    await request(t.url).get('/api/v1/dataset/').set(carol.auth).expect(401);

    await page.getByRole('button', { name: 'Enable user' }).click();
    await page.waitForURL(/done=enabled$/);
    await request(t.url).get('/api/v1/dataset/').set(carol.auth).expect(200);

    const fresh = `a-new-password-${Date.now()}`;
    await page.getByLabel('New password').fill(fresh);
    await page.getByRole('button', { name: 'Reset password' }).click();
    await page.waitForURL(/done=password$/);
    expect(await users.verifyPassword(carol.userid, carol.password)).toBeNull();
    expect(await users.verifyPassword(carol.userid, fresh)).not.toBeNull();
    expect(await page.content()).not.toContain(fresh);

    // Dismissed, nothing happens; confirmed, the user leaves the tenant (their account stays).
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByRole('button', { name: 'Remove from tenant' }).click();
    expect(await memberships().roleOf(carol.userid, t.admin.tenant)).toBe('readonly');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Remove from tenant' }).click();
    await page.waitForURL(/\/console\/users\?done=removed$/);
    expect(await memberships().roleOf(carol.userid, t.admin.tenant)).toBeNull();
    await expect(page.getByRole('link', { name: carol.userid }).count()).resolves.toBe(0);
    expect((await users.get(carol.userid)).disabled).toBe(false);
    await context.close();
  });

  it('keeps account-wide changes to platform admins, and users of other tenants and non-admins out', async () => {
    const dave = await t.createPrincipal({ role: 'member' });
    const { agent, csrf } = await consoleSession(t.url, boss);
    const page = await agent.get(`/console/users/${dave.userid}`).expect(200);
    expect(page.text).not.toContain('Disable user');
    expect(page.text).not.toContain('Reset password');
    expect(page.text).toContain('a platform admin does that');
    for (const action of ['disable', 'enable']) {
      await agent
        .post(`/console/users/${dave.userid}/${action}`)
        .type('form')
        .send({ _csrf: csrf })
        .expect(403);
    }
    await agent
      .post(`/console/users/${dave.userid}/password`)
      .type('form')
      .send({ _csrf: csrf, password: 'x'.repeat(20) })
      .expect(403);
    expect((await t.app.get(UsersService).get(dave.userid)).disabled).toBe(false);

    // Not a member here: not found from this tenant, and nothing changes.
    await agent.get(`/console/users/${outsider.userid}`).expect(404);
    await agent
      .post(`/console/users/${outsider.userid}/remove`)
      .type('form')
      .send({ _csrf: csrf })
      .expect(404);
    expect(await memberships().roleOf(outsider.userid, 'zeta')).toBe('member');
    const self = await agent.post(`/console/users/${boss.userid}/remove`).type('form').send({ _csrf: csrf });
    expect(self.status).toBe(400);
    await agent.post(`/console/users/${dave.userid}/remove`).type('form').send({}).expect(403);
    await agent.post(`/console/users/${dave.userid}/remove`).type('form').send({ _csrf: csrf }).expect(303);
    expect(await memberships().roleOf(dave.userid, t.admin.tenant)).toBeNull();

    for (const role of ['member', 'readonly'] as const) {
      const who = await t.createPrincipal({ role });
      const session = await consoleSession(t.url, who);
      await session.agent.get(`/console/users/${boss.userid}`).expect(403);
      await session.agent
        .post(`/console/users/${boss.userid}/remove`)
        .type('form')
        .send({ _csrf: session.csrf })
        .expect(403);
    }
    expect(await memberships().roleOf(boss.userid, t.admin.tenant)).toBe('admin');
  });

  it('pages and searches the members of a tenant and, for platform admins, the tenants', async () => {
    const users = t.app.get(UsersService);
    for (let index = 0; index < 55; index++) {
      const userid = `crew_${String(index).padStart(2, '0')}`;
      await users.create({ userid, password: `password-of-${userid}` });
      await memberships().add(userid, t.admin.tenant, 'member');
    }
    for (let index = 0; index < 52; index++)
      await t.app.get(TenantsService).create(`team_${String(index).padStart(2, '0')}`);
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/users?q=crew_`);
    await expect(page.locator('main .meta').first().textContent()).resolves.toContain(
      '55 found matching “crew_”, 50 on this page',
    );
    const names = async () => page.locator('main tbody tr td:first-child a').allTextContents();
    const first = await names();
    await page.getByRole('link', { name: 'Next page' }).click();
    const second = await names();
    expect([...first, ...second]).toEqual(
      Array.from({ length: 55 }, (_, index) => `crew_${String(index).padStart(2, '0')}`),
    );
    await expectAccessiblePage(page, [t.admin.password]);
    // "_" is a letter here, not a wildcard.
    await page.goto(`${t.url}/console/users?q=w_0`);
    expect(await names()).toEqual(Array.from({ length: 10 }, (_, index) => `crew_0${index}`));

    await page.goto(`${t.url}/console/tenants?q=team_`);
    await expect(page.locator('main .meta').first().textContent()).resolves.toContain('52 found');
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(page.locator('main tbody tr').count()).resolves.toBe(2);
    await expectAccessiblePage(page, [t.admin.password]);
    await context.close();

    // A tenant admin sees only their tenant, whatever the query.
    const { agent } = await consoleSession(t.url, boss);
    const own = await agent.get('/console/tenants?q=team_').expect(200);
    expect(own.text).not.toContain('team_00');
  });

  it('shows worker hosts and process ids to platform admins only', async () => {
    const member = await t.createPrincipal({ role: 'member' });
    const { agent } = await consoleSession(t.url, member);
    const host = hostname();
    for (const path of ['/console/workers', '/console/tasks']) {
      const text = (await agent.get(path).expect(200)).text;
      expect({ path, host: text.includes(host), pid: /pid \d+/.test(text) }).toEqual({
        path,
        host: false,
        pid: false,
      });
    }
    const admin = await consoleSession(t.url, t.admin);
    const workers = (await admin.agent.get('/console/workers').expect(200)).text;
    expect(workers).toContain(host);
    expect(workers).toMatch(/pid \d+/);
  });
});
