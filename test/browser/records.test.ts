/**
 * The administrator's records view (issue 15) in Chromium at 1024x600: reached from the Status
 * page; retention settings, the purge history and the held detection shown, no horizontal scroll.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { PASSWORD } from '../http/harness.js';
import { recordsStation, type RecordsStation } from '../http/records-station.js';

const viewport = VIEWPORTS[0];
let s: RecordsStation;
let base: string;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  s = await recordsStation();
  base = await s.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launch();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await s?.close();
});

test('an administrator opens Records from the Status page at 1024x600', async () => {
  ({ context, page } = await newPage(browser, viewport, errors));
  await logIn(page, base, 'adam', PASSWORD, '/');
  await page.click('a[href="/records"]');
  await page.waitForURL(`${base}/records`);
  await page.waitForSelector('body[data-ready="true"]');
  expect(await page.textContent('#records-retention')).toMatch(/730 days/);
  expect(await page.textContent('#records-purges')).toMatch(/past the maximum age\s*1/);
  expect(await page.textContent('#records-held')).toContain(s.heldId);
  expect(await page.textContent('#records-held')).toContain('det.ortiz');
  // The held list filters by any text of its rows.
  await page.fill('#held-filter', 'sac-26-0042');
  await page.waitForSelector('#held-shown:text("1 of 1 shown")');
  expect(await page.isVisible('#records-held tbody tr')).toBe(true);
  await page.fill('#held-filter', 'no such case');
  await page.waitForSelector('#held-shown:text("0 of 1 shown")');
  expect(await page.isVisible('#records-held tbody tr')).toBe(false);
  await page.fill('#held-filter', '');
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  await shot(page, 'records', viewport);
  expect(errors).toEqual([]);
});
