import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';

/** Debian's Chromium, installed by `npm run services`; Playwright never downloads a browser here. */
export const CHROMIUM_PATH = process.env.OMEGA_CHROMIUM_PATH ?? '/usr/bin/chromium';

const ROOT = join(__dirname, '..', '..');
/** Every run's screenshots (git-ignored). */
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts', 'console');
/** The README's screenshots: rewritten only when OMEGA_UPDATE_SCREENSHOTS=1, so test runs leave git clean. */
export const DOCS_SCREENSHOTS_DIR = join(ROOT, 'docs', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} is missing: run \`npm run services\` (it installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Chromium's sandbox refuses to run as root (containers, CI).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** A full-page screenshot into test-artifacts/console (and docs/screenshots when asked to update them). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.OMEGA_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SCREENSHOTS_DIR, { recursive: true });
    copyFileSync(file, join(DOCS_SCREENSHOTS_DIR, `console-${name}.png`));
  }
}

/** The page's DOM, typed just enough for the audit below (the project compiles without the DOM lib). */
interface DomElement {
  tagName: string;
  attributes: ArrayLike<{ name: string }>;
  outerHTML: string;
  type?: string;
  labels?: ArrayLike<unknown> | null;
  hasAttribute(name: string): boolean;
  getAttribute(name: string): string | null;
}
declare const document: {
  scripts: ArrayLike<{ src: string }>;
  activeElement: unknown;
  documentElement: { scrollWidth: number };
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
};
declare const window: { innerWidth: number };

/** What the accessibility and CSP checks look at on a rendered page. */
export interface PageAudit {
  inlineScripts: number;
  inlineHandlers: string[];
  inlineStyles: number;
  unlabelled: string[];
  hasMain: boolean;
  hasBanner: boolean;
  /** Widest of the document and the layout viewport: more than the device width means sideways scrolling. */
  pageWidth: number;
}

/** Reads the live DOM: inline script, inline handlers and styles, form controls without a label, overflow. */
export function auditPage(page: Page): Promise<PageAudit> {
  return page.evaluate(() => {
    const all = Array.from(document.querySelectorAll('*'));
    const controls = Array.from(document.querySelectorAll('input, select, textarea')).filter(
      (element) => element.type !== 'hidden',
    );
    return {
      inlineScripts: Array.from(document.scripts).filter((script) => !script.src).length,
      inlineHandlers: all.flatMap((element) =>
        Array.from(element.attributes)
          .filter((attribute) => attribute.name.toLowerCase().startsWith('on'))
          .map((attribute) => `${element.tagName}[${attribute.name}]`),
      ),
      inlineStyles:
        all.filter((element) => element.hasAttribute('style')).length +
        document.querySelectorAll('style').length,
      unlabelled: controls
        .filter(
          (control) =>
            (control.labels?.length ?? 0) === 0 &&
            !control.getAttribute('aria-label') &&
            !control.getAttribute('aria-labelledby'),
        )
        .map((control) => control.outerHTML),
      hasMain: document.querySelectorAll('main').length === 1,
      hasBanner: document.querySelector('header') !== null,
      pageWidth: Math.max(document.documentElement.scrollWidth, window.innerWidth),
    };
  });
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** One axe-core finding, as much as a failing test needs to name it. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2 A/AA rules) in the page and answers its serious and critical violations. axe is
 * evaluated by the test through the DevTools protocol, so the page's own CSP is not loosened.
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  // Evaluated through the DevTools protocol rather than added as a <script>: the page's CSP forbids
  // inline script, and the audit above must not find one the test put there.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: AxeApi }).axe;
    const result = await axe.run(document as unknown, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.join(' ')),
      }));
  });
}

interface AxeApi {
  run(
    context: unknown,
    options: unknown,
  ): Promise<{
    violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  }>;
}

/** Logs in through the login form and answers the page it lands on (the overview). */
export async function loginInBrowser(
  context: BrowserContext,
  url: string,
  who: { userid: string; password: string },
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/console/login`);
  await page.getByLabel('User name').fill(who.userid);
  await page.getByLabel('Password').fill(who.password);
  await Promise.all([
    page.waitForURL(`${url}/console`),
    page.getByRole('button', { name: 'Log in' }).click(),
  ]);
  return page;
}

/** The page's checks: no inline script or style, every control labelled, landmarks, no serious axe finding. */
export async function expectAccessiblePage(page: Page, secrets: string[] = []): Promise<void> {
  const audit = await auditPage(page);
  expect(audit).toMatchObject({
    inlineScripts: 0,
    inlineHandlers: [],
    inlineStyles: 0,
    unlabelled: [],
    hasMain: true,
    hasBanner: true,
  });
  expect({ page: page.url(), violations: await axeViolations(page) }).toEqual({
    page: page.url(),
    violations: [],
  });
  const html = await page.content();
  for (const secret of secrets) expect(html).not.toContain(secret);
}

/** A console session over plain HTTP: the login form's token, the login, then the session's token. */
export async function consoleSession(
  url: string,
  who: { userid: string; password: string },
): Promise<{ agent: TestAgent; csrf: string }> {
  const agent = request.agent(url);
  const login = await agent.get('/console/login').expect(200);
  await agent
    .post('/console/login')
    .type('form')
    .send({ _csrf: hiddenCsrf(login.text), userid: who.userid, password: who.password })
    .expect(303)
    .expect('Location', '/console');
  const keys = await agent.get('/console/keys').expect(200);
  return { agent, csrf: hiddenCsrf(keys.text) };
}

export function hiddenCsrf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field in the page');
  return match[1];
}

/** Markup from user data is text: no `window.__ran` flag set, no element of `selector` in the page's main. */
export async function expectNothingInjected(page: Page, selector: string): Promise<void> {
  expect(await page.evaluate('window.__ran')).toBeUndefined();
  expect(await page.locator(selector).count()).toBe(0);
  expect((await auditPage(page)).inlineScripts).toBe(0);
}

/**
 * Presses Tab from the top of the page until the focused element has the accessible name asked for
 * (at most `limit` presses): the control is reachable by keyboard alone.
 */
export async function tabTo(page: Page, name: string, limit = 80): Promise<boolean> {
  await page.locator('body').focus();
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as unknown as {
        textContent: string | null;
        getAttribute(name: string): string | null;
        labels?: ArrayLike<{ textContent: string | null }> | null;
      } | null;
      if (!element) return '';
      const label = element.labels?.[0]?.textContent ?? '';
      return `${element.getAttribute('aria-label') ?? ''}|${label}|${element.textContent ?? ''}`;
    });
    if (focused.split('|').some((part) => part.trim().startsWith(name))) return true;
  }
  return false;
}
