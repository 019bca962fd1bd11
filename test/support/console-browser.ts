import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

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
