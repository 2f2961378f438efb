/**
 * Chromium for the browser tests (Debian's, headless; never a downloaded one), and the small
 * steps every test repeats. In-page expressions are strings because the project's TypeScript
 * has no DOM library; they run through `page.evaluate` (the DevTools protocol, not subject to
 * the station's content-security policy), never through a string `waitForFunction`, which the
 * policy's missing 'unsafe-eval' blocks.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'browser');
/** Screenshots shown in docs/operator.md; rewritten when ALPR_DOCS_SCREENSHOTS=1. */
export const DOCS_SHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

export const VIEWPORTS = [
  { width: 1024, height: 600 },
  { width: 800, height: 480 },
] as const;
export type Viewport = (typeof VIEWPORTS)[number];

export async function launch(opts: { autoplay?: boolean } = {}): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // As on a kiosk MDC (docs/operator.md): sound plays without a first touch.
      ...(opts.autoplay ? ['--autoplay-policy=no-user-gesture-required'] : []),
    ],
  });
}

/** A page whose script errors are collected (a test checks the list is empty). */
export async function newPage(browser: Browser, viewport: Viewport, errors: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, hasTouch: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  page.on('console', (m) => {
    // Refused requests (401 while logged out, a daemon restarting, a cut link) are expected in these tests.
    if (m.type() === 'error' && !/status of (401|400|403|404|429|503)|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_CLOSED|ERR_SOCKET_NOT_CONNECTED|EventSource's response has a MIME type/.test(m.text())) {
      errors.push(`${page.url()}: console: ${m.text()}`);
    }
  });
  return { context, page };
}

export async function logIn(page: Page, base: string, username: string, password: string, path = '/'): Promise<void> {
  await page.goto(`${base}${path}`);
  if (!page.url().includes('/login')) return;
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(`${base}${path}`);
  await page.waitForSelector('body[data-ready="true"]');
}

/** Whether every element matching `selector` lies wholly inside the viewport. */
export async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.evaluate(`(() => {
    const els = [...document.querySelectorAll(${JSON.stringify(selector)})];
    return els.length > 0 && els.every((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5;
    });
  })()`);
}

export async function bodyData(page: Page, key: string): Promise<string | null> {
  return page.evaluate(`document.body.dataset[${JSON.stringify(key)}] ?? null`);
}

export function shotName(name: string, v: Viewport): string {
  return `${name}-${v.width}x${v.height}.png`;
}

export async function shot(page: Page, name: string, v: Viewport, opts: { docs?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, shotName(name, v)) });
  if (opts.docs && process.env.ALPR_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    await page.screenshot({ path: join(DOCS_SHOTS, shotName(name, v)) });
  }
}
