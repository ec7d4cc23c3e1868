import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../setup/test-env.js';

/** The system's Chromium (Debian package `chromium`): playwright-core never downloads a browser of its own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (git-ignored). */
export const TEST_OUTPUT = path.join(PROJECT_ROOT, 'test-output', 'demo-pages');

/** The README's screenshots, rewritten only when asked (`UPDATE_SCREENSHOTS=1`), so a test run leaves the tree clean. */
const README_SCREENSHOTS = path.join(PROJECT_ROOT, 'docs', 'screenshots');

// What the functions passed to page.evaluate see in the browser (this project compiles without the DOM library).
interface PageElement {
  tagName: string;
  outerHTML: string;
  textContent: string | null;
  labels?: ArrayLike<{ textContent: string | null }>;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getElementById(id: string): PageElement | null;
  documentElement: { scrollWidth: number; clientWidth: number };
};
declare const localStorage: { length: number };
declare const sessionStorage: { length: number };

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install the Debian package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** What a page did that a test checks at the end: console errors and uncaught exceptions, and every API reply's body. */
export interface PageWatch {
  errors: string[];
  /** The JSON bodies of the page's /v1/ requests, by request (method and path). */
  replies: Promise<{ request: string; body: unknown }>[];
}

export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { errors: [], replies: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(message.text());
  });
  page.on('pageerror', (error) => watch.errors.push(error.message));
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/v1/') || !/json/.test(response.headers()['content-type'] ?? '')) return;
    const request = `${response.request().method()} ${url.pathname}`;
    watch.replies.push(response.json().then((body: unknown) => ({ request, body })));
  });
  return watch;
}

/** Every field name in a JSON value, at any depth. */
export function fieldNames(value: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((element) => fieldNames(element, names));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      names.add(key);
      fieldNames(inner, names);
    }
  }
  return names;
}

/**
 * Controls (and charts) without an accessible name, as markup: a name comes from aria-label, aria-labelledby, a
 * <label> (for= or wrapping), or a button's text.
 */
export function unlabeledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const controls = Array.from(document.querySelectorAll('input, select, textarea, button, progress, svg[role="img"]'));
    return controls
      .filter((control) => {
        const labelledBy = (control.getAttribute('aria-labelledby') ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map((id) => document.getElementById(id)?.textContent ?? '');
        const labels = Array.from(control.labels ?? []).map((label) => label.textContent ?? '');
        const text = control.tagName === 'BUTTON' ? (control.textContent ?? '') : '';
        return [control.getAttribute('aria-label') ?? '', ...labelledBy, ...labels, text].join('').trim() === '';
      })
      .map((control) => control.outerHTML.slice(0, 160));
  });
}

/** Lines of the browser's own accessibility tree naming a control without a name (e.g. `- textbox` with no "…"). */
export async function unnamedInAccessibilityTree(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot();
  return tree.split('\n').filter((line) => /^\s*- (textbox|button|combobox|radio|checkbox|spinbutton|progressbar|img)(?!\s+")/.test(line));
}

export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

export function webStorageUsed(page: Page): Promise<boolean> {
  return page.evaluate(() => localStorage.length > 0 || sessionStorage.length > 0);
}

/** A full-page screenshot in test-output/, and (one the README shows) in docs/screenshots/ with UPDATE_SCREENSHOTS=1. */
export async function saveScreenshot(page: Page, name: string, { inReadme = false } = {}): Promise<string> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const file = path.join(TEST_OUTPUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (inReadme && process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(README_SCREENSHOTS, { recursive: true });
    copyFileSync(file, path.join(README_SCREENSHOTS, `${name}.png`));
  }
  return file;
}
