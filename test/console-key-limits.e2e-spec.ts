import { ApiKeysService } from '@omega/accounts';
import type { Browser } from 'playwright-core';
import {
  consoleSession,
  expectAccessiblePage,
  launchChromium,
  loginInBrowser,
  screenshot,
} from './support/console-browser';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

interface Limit {
  name: string;
  limit: number;
}

/** A key's rate limits set by a platform admin on the user's console page. */
describe('console: API key rate limits', () => {
  let t: TestApp;
  let browser: Browser;
  let member: TestPrincipal;
  let keyId: string;

  const keys = () => t.app.get(ApiKeysService);
  const ownLimits = async (id = keyId) => (await keys().get(id)).rateLimits;
  const apiLimitOf = async (who: TestPrincipal) => {
    const me = await who.api.get('/api/v1/auth/me').expect(200);
    return (me.body as { limits: Limit[] }).limits.find((limit) => limit.name === 'api')?.limit;
  };

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    member = await t.createPrincipal({ role: 'member' });
    [{ id: keyId }] = await keys().list({ userid: member.userid });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("lets a platform admin set and clear a key's limits, which bind on the key's next request", async () => {
    const context = await browser.newContext();
    const page = await loginInBrowser(context, t.url, t.admin);
    await page.goto(`${t.url}/console/users/${member.userid}`);
    await expectAccessiblePage(page, [member.apikey]);
    const form = page.getByRole('group', { name: /^Key default/ });
    await expect(form.getByLabel('All requests').inputValue()).resolves.toBe('');

    await form.getByLabel('All requests').fill('5');
    await form.getByLabel('Uploads').fill('0');
    await Promise.all([page.waitForURL(/done=limits/), form.getByRole('button').click()]);
    await expect(page.getByRole('status').textContent()).resolves.toContain('rate limits were set');
    await expectAccessiblePage(page);
    await screenshot(page, 'user-key-limits');
    expect(await ownLimits()).toEqual({ api: 5, uploads: 0 });
    // The form shows what the key has now.
    const shown = page.getByRole('group', { name: /^Key default/ });
    await expect(shown.getByLabel('All requests').inputValue()).resolves.toBe('5');
    await expect(shown.getByLabel('Uploads').inputValue()).resolves.toBe('0');
    expect(await apiLimitOf(member)).toBe(5);

    // A blank field is the default again.
    await shown.getByLabel('All requests').fill('');
    await Promise.all([page.waitForURL(/done=limits/), shown.getByRole('button').click()]);
    expect(await ownLimits()).toEqual({ uploads: 0 });
    expect(await apiLimitOf(member)).toBe(t.config.rateLimitApi);
    await context.close();
  });

  it('refuses bad numbers, forged forms, other users’ keys and anyone but a platform admin, changing nothing', async () => {
    await keys().setRateLimits(keyId, { api: 50, uploads: null, keys: null });
    const path = `/console/users/${member.userid}/keys/${keyId}/limits`;
    const admin = await consoleSession(t.url, t.admin);
    for (const api of ['-1', '1.5', 'lots', '2000000000']) {
      const answer = await admin.agent.post(path).type('form').send({ _csrf: admin.csrf, api });
      expect({ api, status: answer.status }).toEqual({ api, status: 400 });
    }
    // No anti-forgery token: refused before anything is read.
    await admin.agent.post(path).type('form').send({ api: '1' }).expect(403);
    // Another user's key named under this user's page is not found here.
    const other = await t.createPrincipal({ role: 'member' });
    const [{ id: otherKey }] = await keys().list({ userid: other.userid });
    await admin.agent
      .post(`/console/users/${member.userid}/keys/${otherKey}/limits`)
      .type('form')
      .send({ _csrf: admin.csrf, api: '1' })
      .expect(404);
    expect(await ownLimits(otherKey)).toEqual({});
    await admin.agent
      .post(`/console/users/${member.userid}/keys/not-a-key/limits`)
      .type('form')
      .send({ _csrf: admin.csrf, api: '1' })
      .expect(400);

    // A tenant admin who is not a platform admin sees no limits form and cannot post one; members and
    // readonly users are refused the page itself.
    const boss = await t.createPrincipal({ role: 'admin' });
    const bossSession = await consoleSession(t.url, boss);
    const bossView = await bossSession.agent.get(`/console/users/${member.userid}`).expect(200);
    expect(bossView.text).not.toContain('Set limits');
    await bossSession.agent.post(path).type('form').send({ _csrf: bossSession.csrf, api: '0' }).expect(403);
    for (const role of ['member', 'readonly'] as const) {
      const who = await t.createPrincipal({ role });
      const session = await consoleSession(t.url, who);
      await session.agent.post(path).type('form').send({ _csrf: session.csrf, api: '0' }).expect(403);
    }
    const mine = await consoleSession(t.url, member);
    await mine.agent.post(path).type('form').send({ _csrf: mine.csrf, api: '0' }).expect(403);

    expect(await ownLimits()).toEqual({ api: 50 });
  });
});
