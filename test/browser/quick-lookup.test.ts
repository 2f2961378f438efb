/**
 * Quick look-up on the Hot plates page (issue 15) in Chromium at 1024x600: the operator types a
 * plate loosely and reads "LISTED" with the entry, or "not listed"; too short an input is refused
 * beside the field; each look-up is an audit row.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inViewport, launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';

const PW = 'night shift 2207';
const viewport = VIEWPORTS[0];

let station: Station;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation();
  await station.addUser('olive', 'operator', PW);
  const r = station.hotlist.addLocalEntry(
    { plate: '6GU547B', state: 'CA', list: 'felony vehicle', reason: 'armed robbery suspect vehicle', caseNumber: 'SAC-26-0099', officerName: 'Olive Officer', officerContact: 'x4411', alsoInNcic: false, expiresAt: Date.now() + 86400_000 },
    'olive',
  );
  expect(r.ok).toBe(true);
  browser = await launch();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await station?.close();
});

const lookups = () => station.store.audit.query({ action: 'hotlist.lookup' });

test('an operator looks up a listed and an unlisted plate at 1024x600', async () => {
  ({ context, page } = await newPage(browser, viewport, errors));
  await logIn(page, station.base, 'olive', PW, '/hotlist');
  await page.waitForSelector('body[data-ready="true"]');
  expect(await inViewport(page, '#lookup-form input[name=plate]')).toBe(true);
  expect(await inViewport(page, '#lookup-form button[type=submit]')).toBe(true);

  // Too short: refused beside the field, nothing audited.
  await page.evaluate("document.querySelector('#lookup-form input[name=plate]').removeAttribute('minlength')");
  await page.fill('#lookup-form input[name=plate]', 'ab');
  await page.click('#lookup-form button[type=submit]');
  await page.waitForSelector('#lookup-form .field-error[data-field="plate"]');
  expect(lookups()).toHaveLength(0);

  await page.fill('#lookup-form input[name=plate]', '6gu 547b');
  await page.click('#lookup-form button[type=submit]');
  await page.waitForSelector('#lookup-result .lookup-listed');
  expect(await page.textContent('#lookup-result')).toMatch(/6GU547B: LISTED/);
  expect(await page.textContent('#lookup-result .lookup-matches')).toMatch(/felony vehicle.*armed robbery suspect vehicle · case SAC-26-0099/s);
  expect(await inViewport(page, '#lookup-result .lookup-listed')).toBe(true);
  expect(await page.$('#lookup-form .field-error')).toBeNull();
  await shot(page, 'quick-lookup-listed', viewport);

  await page.fill('#lookup-form input[name=plate]', '1ABC234');
  await page.click('#lookup-form button[type=submit]');
  await page.waitForSelector('#lookup-result .lookup-clear');
  expect(await page.textContent('#lookup-result')).toMatch(/1ABC234: not listed/);
  expect(await page.$('#lookup-result .lookup-matches')).toBeNull();

  expect(lookups().map((a) => [a.user, (a.details as { plate: string; listed: boolean }).plate, (a.details as { listed: boolean }).listed]).sort()).toEqual([
    ['olive', '1ABC234', false],
    ['olive', '6GU547B', true],
  ]);
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  expect(errors).toEqual([]);
});
