/**
 * Quick look-up by fragment (issue 15: "6GU" did not find "6GU547B") in Chromium at 1024x600 and
 * 800x480: the operator types a piece of a plate and reads the listed plates containing it, with
 * list and reason, in view and without sideways scrolling; a pattern with ? and * answers by
 * fragment only; each look-up is an audit row, and the text is in no URL the page opens.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inViewport, launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';

const PW = 'night shift 2207';

let station: Station;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation();
  await station.addUser('olive', 'operator', PW);
  const base = { state: 'CA', caseNumber: 'SAC-26-0099', officerName: 'Olive Officer', officerContact: 'x4411', alsoInNcic: false, expiresAt: Date.now() + 86400_000 };
  for (const e of [
    { plate: '6GU547B', list: 'felony vehicle', priority: 1, reason: 'armed robbery suspect vehicle' },
    { plate: '16GU44', list: 'stolen vehicle', priority: 2, reason: 'stolen from Elk Grove 12/01' },
    { plate: '7ABC6GU', list: 'local', priority: 5, reason: 'area check, gang unit', informational: true },
  ]) {
    expect(station.hotlist.addLocalEntry({ ...base, ...e }, 'olive').ok).toBe(true);
  }
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await station?.close();
});

const lookups = () => station.store.audit.query({ action: 'hotlist.lookup' });

describe.each(VIEWPORTS)('look-up by fragment at %o', (viewport) => {
  let context: BrowserContext;
  let page: Page;
  const urls: string[] = [];
  afterAll(async () => {
    await context?.close();
  });

  test('6GU lists the plates containing it with list and reason; 6G?5*7B answers by fragment only', async () => {
    ({ context, page } = await newPage(browser, viewport, errors));
    page.on('request', (r) => urls.push(r.url()));
    await logIn(page, station.base, 'olive', PW, '/hotlist');
    const before = lookups().length;

    await page.fill('#lookup-form input[name=plate]', '6gu');
    await page.click('#lookup-form button[type=submit]');
    await page.waitForSelector('#lookup-result .lookup-fragment-found');
    await shot(page, 'quick-lookup-fragment', viewport, { docs: true });
    expect(await page.textContent('#lookup-result')).toMatch(/6GU: not listed\s*as a whole plate/);
    expect(await page.textContent('#lookup-result .lookup-fragment-found')).toBe('3 listed plate entries contain 6GU');
    const rows = await page.locator('#lookup-result .lookup-fragment-matches tbody tr').allTextContents();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/6GU547B \(CA\)felony vehiclearmed robbery suspect vehicle · case SAC-26-0099/);
    expect(rows[1]).toMatch(/16GU44 \(CA\)stolen vehicle/);
    expect(rows[2]).toMatch(/7ABC6GU.*informational only — not a basis for a stop/);
    expect(await inViewport(page, '#lookup-result .lookup-fragment-found')).toBe(true);
    expect(await inViewport(page, '#lookup-result .lookup-fragment-matches tbody tr:first-child .plate')).toBe(true);
    // The answer fits the width (the entries table further down is another matter: at 800 px it
    // is wider than the screen, seen here and reported).
    expect(await page.evaluate("document.querySelector('#lookup-result').getBoundingClientRect().right <= innerWidth && document.querySelector('.lookup-fragment-matches').getBoundingClientRect().right <= innerWidth")).toBe(true);

    await page.fill('#lookup-form input[name=plate]', '6G?5*7B');
    await page.click('#lookup-form button[type=submit]');
    await page.waitForSelector('#lookup-result .lookup-fragment-found:text("1 listed plate entry contains 6G?5*7B")');
    expect(await page.$('#lookup-result .lookup-clear')).toBeNull();

    await page.fill('#lookup-form input[name=plate]', 'ZZZ9');
    await page.click('#lookup-form button[type=submit]');
    await page.waitForSelector('#lookup-result .lookup-fragment-none');
    expect(await page.textContent('#lookup-result')).toMatch(/ZZZ9: not listed.*No listed plate contains ZZZ9/s);

    expect(lookups().slice(0, lookups().length - before).reverse().map((a) => [a.user, (a.details as { plate: string }).plate])).toEqual([
      ['olive', '6GU'],
      ['olive', '6G?5*7B'],
      ['olive', 'ZZZ9'],
    ]);
    for (const u of urls) expect(u).not.toMatch(/6GU|6G%3F|ZZZ9/i);
    expect(errors).toEqual([]);
  });
});

describe.each(VIEWPORTS)('search of stored reads by fragment at %o', (viewport) => {
  let context: BrowserContext;
  let page: Page;
  afterAll(async () => {
    await context?.close();
  });

  test('"anywhere in the plate" finds 6GU547B from 6GU; without it 6GU is a whole plate and finds nothing', async () => {
    if (viewport.width === 1024) {
      await station.read('6GU547B', [], { ageMs: 3600_000, cameraId: 'rear' });
      await station.read('7ABC6GU', [], { ageMs: 1800_000, cameraId: 'rear' });
      await station.read('5KLM203', [], { ageMs: 600_000, cameraId: 'rear' });
    }
    ({ context, page } = await newPage(browser, viewport, errors));
    await logIn(page, station.base, 'olive', PW, '/search');
    await page.fill('#search-form input[name=caseNumber]', 'SAC-26-0099');
    await page.selectOption('#search-form select[name=purposeCategory]', 'criminal investigation');
    await page.fill('#search-form input[name=purpose]', 'armed robbery, witness saw 6GU on the getaway car');
    await page.fill('#search-form input[name=plate]', '6gu');
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('#search-count:not(:empty)');
    expect(await page.locator('#search-results tbody .read-text').count()).toBe(0);

    await page.check('#search-form input[name=plateAnywhere]');
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('#search-results:not([hidden]) tbody tr');
    expect((await page.locator('#search-results tbody .read-text').allTextContents()).sort()).toEqual(['6GU547B', '7ABC6GU']);
    await page.locator('#search-form input[name=plate]').scrollIntoViewIfNeeded();
    await shot(page, 'search-fragment', viewport, { docs: true });
    const rows = station.store.audit.query({ action: 'search', user: 'olive', limit: 2 });
    expect(rows.map((r) => (r.details as { query: { plate: string } }).query.plate)).toEqual(['*6GU*', '6GU']);
    expect(errors).toEqual([]);
  });
});
