import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from './support/console-browser';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

/**
 * What an attacker's script would do with an admin's console session: mark that it ran (title and a
 * request to /xss-marker), then mint an API key with the session cookie and the readable CSRF cookie and
 * send it home.
 */
const PAYLOAD = `
  document.title = 'pwned';
  fetch('/xss-marker?ran=' + encodeURIComponent(location.href));
  const csrf = (document.cookie.match(/omega_csrf=([^;]+)/) || [])[1] || '';
  fetch('/api/v1/auth/keys', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify({ name: 'attacker' }),
  })
    .then((answer) => answer.text())
    .then((key) => fetch('/xss-marker?key=' + encodeURIComponent(key)));
`;

/** The attack page: inline script, an inline handler, an uploaded script, and a direct fetch of the keys. */
const ATTACK_HTML = `<!doctype html>
<html><head><title>attack page</title>
<script>${PAYLOAD}</script>
<script src="/api/v1/file/evil.js"></script>
</head><body>
<img src="/xss-marker?img" onerror="${PAYLOAD.replace(/"/g, '&quot;').replace(/\n/g, ' ')}">
<iframe src="/api/v1/file/evil.svg"></iframe>
</body></html>`;

const ATTACK_SVG = `<svg xmlns="http://www.w3.org/2000/svg"><script>${PAYLOAD}</script></svg>`;

/** The same attack page stored under each type an attacker might declare for it. */
const PAGE_TYPES: [name: string, contentType: string, disposition: 'inline' | 'attachment'][] = [
  ['attack.html', 'text/html', 'attachment'],
  ['attack-charset.html', 'text/html; charset=utf-8', 'attachment'],
  ['attack-upper.html', 'TEXT/HTML', 'attachment'],
  ['attack.xhtml', 'application/xhtml+xml', 'attachment'],
  ['attack.svg', 'image/svg+xml', 'attachment'],
  ['attack-octets', 'application/octet-stream', 'attachment'],
  ['attack.txt', 'text/plain', 'inline'],
  ['attack-sniff.png', 'image/png', 'inline'],
  ['attack-csv', 'text/csv; charset=utf-8', 'inline'],
];

describe('uploaded files run nothing in a browser (stored XSS)', () => {
  let t: TestApp;
  let attacker: TestPrincipal;
  let browser: Browser;
  let context: BrowserContext;
  let consolePage: Page;
  const markers: string[] = [];

  const keys = async () => (await t.api.get('/api/v1/admin/keys?limit=1000').expect(200)).body as unknown[];

  beforeAll(async () => {
    t = await startTestApp();
    // A member of the admin's own tenant: the admin browses the files the attacker uploaded.
    attacker = await t.createPrincipal({ tenant: t.config.adminTenant });
    const upload = (name: string, contentType: string, body: string) =>
      attacker.api
        .put(`/api/v1/file/${encodeURIComponent(name)}`)
        .set('Content-Type', contentType)
        .send(body)
        .expect(200);
    for (const [name, contentType] of PAGE_TYPES) await upload(name, contentType, ATTACK_HTML);
    await upload('evil.js', 'application/javascript', PAYLOAD);
    await upload('evil-upper.js', 'Text/JavaScript; charset=utf-8', PAYLOAD);
    await upload('evil-text.js', 'text/plain', PAYLOAD);
    await upload('evil.css', 'text/css', 'body { background: url(/xss-marker?css) }');
    await upload('evil.svg', 'image/svg+xml', ATTACK_SVG);

    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true });
    await context.route('**/xss-marker**', async (route) => {
      markers.push(route.request().url());
      await route.fulfill({ status: 204 });
    });
    consolePage = await context.newPage();
    await consolePage.goto(`${t.url}/console/login`);
    await consolePage.getByLabel('User name').fill(t.admin.userid);
    await consolePage.getByLabel('Password').fill(t.admin.password);
    await Promise.all([
      consolePage.waitForURL(`${t.url}/console`),
      consolePage.getByRole('button', { name: 'Log in' }).click(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves every upload with nosniff and the sandbox CSP, inline only for the safe types', async () => {
    for (const [name, , disposition] of PAGE_TYPES) {
      for (const method of ['get', 'head'] as const) {
        const answer = await t.api[method](`/api/v1/file/${encodeURIComponent(name)}`).expect(200);
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(answer.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
        expect(answer.headers['content-disposition']).toMatch(new RegExp(`^${disposition}; `));
        expect(answer.headers['content-disposition']).toContain(
          `filename*=UTF-8''${encodeURIComponent(name)}`,
        );
      }
    }
    for (const name of ['evil.js', 'evil-upper.js', 'evil.css']) {
      const answer = await t.api.get(`/api/v1/file/${name}`).expect(200);
      expect(answer.headers['content-type']).toBe('application/octet-stream');
      expect(answer.headers['content-disposition']).toMatch(/^attachment; /);
    }
    const missing = await t.api.get('/api/v1/file/nothing-here.html').expect(404);
    expect(missing.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
  });

  it('runs nothing when an admin signed in to the console opens the attack page under any type', async () => {
    const before = await keys();
    for (const [name, , disposition] of PAGE_TYPES) {
      const page = await context.newPage();
      const url = `${t.url}/api/v1/file/${encodeURIComponent(name)}`;
      const download = page.waitForEvent('download', { timeout: 5_000 }).catch(() => null);
      // Navigating to a download fails the navigation; a rendered page answers 200.
      const answer = await page.goto(url).catch(() => null);
      if (disposition === 'attachment') {
        // An attachment is saved, never rendered: the browser stays on about:blank.
        expect((await download)?.suggestedFilename()).toBe(name);
        expect(page.url()).toBe('about:blank');
      } else if (answer) {
        expect(answer.status()).toBe(200);
      }
      await page.waitForTimeout(300);
      expect(await page.title()).not.toBe('pwned');
      await page.close();
    }
    expect(markers).toEqual([]);
    expect(await keys()).toEqual(before);
  });

  it("never loads an upload as script or style on the console's own origin", async () => {
    const before = await keys();
    await consolePage.goto(`${t.url}/console`);
    for (const name of ['evil.js', 'evil-upper.js', 'evil-text.js']) {
      // Even a page of the console that some bug let include the upload refuses to run it (nosniff).
      await expect(consolePage.addScriptTag({ url: `/api/v1/file/${name}` })).rejects.toThrow();
    }
    await consolePage.addStyleTag({ url: '/api/v1/file/evil.css' }).catch(() => undefined);
    await consolePage.waitForTimeout(300);
    expect(await consolePage.title()).not.toBe('pwned');
    expect(markers).toEqual([]);
    expect(await keys()).toEqual(before);
  });

  it('would have been caught: the same payload run by the signed-in console mints a key and marks', async () => {
    const before = await keys();
    await consolePage.goto(`${t.url}/console`);
    await consolePage.evaluate(PAYLOAD);
    for (let i = 0; i < 100 && !markers.some((url) => url.includes('key=')); i++)
      await consolePage.waitForTimeout(100);
    expect(markers.filter((url) => url.includes('key='))).toHaveLength(1);
    expect(await consolePage.title()).toBe('pwned');
    expect((await keys()).length).toBe(before.length + 1);
    // Not for the attacker to keep: plain HTTP cannot reach it without the admin's session either.
    await request(t.url).post('/api/v1/auth/keys').send({ name: 'attacker' }).expect(401);
  });
});
