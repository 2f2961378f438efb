/**
 * After "confirmed" (issue 15) in Chromium at 1024x600: from the Hits list the operator opens a
 * confirmed hit's history, records two outcomes with the buttons, and sees them listed after the
 * verification; each is stored and audited.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inViewport, launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';
import type { HotlistHit } from '../../src/hotlist/types.js';

const PW = 'night shift 2207';
const viewport = VIEWPORTS[0];

let station: Station;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const errors: string[] = [];

const stolen: HotlistHit = {
  entry: { id: 'e-stolen', plate: '7TRW815', state: 'CA', list: 'stolen vehicle', priority: 1, reason: 'stolen 2026-05-30', caseNumber: 'SAC-26-0042', informational: false, expiresAt: null },
  generation: 'g1',
  kind: 'exact',
  readText: '7TRW815',
  explanation: 'exact',
  retroactive: false,
};

beforeAll(async () => {
  station = await startStation();
  await station.addUser('olive', 'operator', PW);
  browser = await launch();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await station?.close();
});

test('an operator records outcomes on a confirmed hit at 1024x600', async () => {
  await station.read('7TRW815', [stolen], { ageMs: 60 * 60_000 });
  const [hit] = station.store.hits.list({ limit: 5 });
  expect(station.store.hits.verify(hit!.id, { outcome: 'confirmed', user: 'olive', note: null, at: Date.now() })).toBe(true);

  ({ context, page } = await newPage(browser, viewport, errors));
  await logIn(page, station.base, 'olive', PW, '/hits');
  await page.waitForSelector('body[data-ready="true"]');
  await page.uncheck('#hits-unverified');
  await page.waitForSelector(`#hits-body a[href="/hits/${hit!.id}/history"]`);
  await page.click(`#hits-body a[href="/hits/${hit!.id}/history"]`);
  await page.waitForURL(`${station.base}/hits/${hit!.id}/history`);
  await page.waitForSelector('body[data-ready="true"]');
  expect(await page.textContent('#hit-history')).toMatch(/Confirmed visually — olive/);
  expect(await inViewport(page, '#outcome-form button[value="no_action"]')).toBe(true);

  await page.fill('#outcome-form input[name=note]', 'dispatch ack 14:02');
  await page.click('#outcome-form button[value="dispatch_confirmed"]');
  await page.waitForSelector('#hit-history li[data-kind="outcome"]');
  await page.click('#outcome-form button[value="vehicle_recovered"]');
  await page.waitForSelector('#hit-history li:nth-child(3)');
  expect((await page.locator('#hit-history li').allTextContents()).map((t) => t.replace(/^.*?(?=Confirmed|Dispatch|Vehicle)/, '').trim())).toEqual([
    'Confirmed visually — olive',
    'Dispatch confirmed — olive: dispatch ack 14:02',
    'Vehicle recovered — olive',
  ]);
  expect(await page.textContent('#hit-history')).not.toMatch(/\dZ/);
  expect(station.store.hits.history(hit!.id).map((e) => e.value)).toEqual(['confirmed', 'dispatch_confirmed', 'vehicle_recovered']);
  expect(station.store.audit.query({ action: 'hit.outcome' }).map((a) => (a.details as { outcome: string }).outcome).sort()).toEqual(['dispatch_confirmed', 'vehicle_recovered']);
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  await shot(page, 'hit-outcomes', viewport);
  expect(errors).toEqual([]);
});
