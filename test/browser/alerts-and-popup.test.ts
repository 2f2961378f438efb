/**
 * The alert path in a real browser at MDC sizes (1024x600 and 800x480), against a real daemon
 * HTTP server on the real store: the hit pop-up presented by priority and sized to the screen,
 * and the "ALERTS OFF" banner whenever the event stream dies (network, daemon restart, expired
 * session), with the hits missed meanwhile delivered after reconnecting.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HotlistHit } from '../../src/hotlist/types.js';
import { bodyData, inViewport, launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { NetGate } from './net-gate.js';
import { startStation, type Station } from './station.js';

const PW = 'night shift 2207';
const FAR = Date.UTC(2099, 0, 1);

function hit(plate: string, list: string, priority: number, extra: Partial<HotlistHit['entry']> = {}): HotlistHit {
  return {
    entry: { id: `central:${plate}`, plate, state: 'CA', list, priority, reason: `${list} — entered by dispatch`, caseNumber: `SAC-26-${plate.slice(-4)}`, informational: false, expiresAt: FAR, ...extra },
    generation: 'g-2026-06-01T06', kind: 'exact', readText: plate, explanation: 'exact', retroactive: false,
  };
}
const stolen = (plate: string): HotlistHit => ({ ...hit(plate, 'stolen_vehicle', 1, { reason: 'stolen 2026-05-30, Sacramento, black Honda Civic' }), kind: 'confusion', explanation: 'O read as 0' });
const warrant = (plate: string): HotlistHit => hit(plate, 'warrant', 3, { reason: 'registered owner has a misdemeanour warrant' });
const special = (plate: string): HotlistHit => hit(plate, 'sex_offender', 5, { informational: true, caseNumber: null, reason: 'registered offender vehicle — informational' });

let station: Station;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation();
  await station.addUser('olive', 'operator', PW);
  for (const [name, kind] of [['camera:front', 'camera'], ['gps', 'gps'], ['hotlist', 'hotlist'], ['upload', 'upload']] as const) station.registry.reporter(name, kind).set('ok');
  browser = await launch({ autoplay: true });
});

afterAll(async () => {
  await browser?.close();
  await station?.close();
});

/** The hit pop-up's title and verify buttons are on screen, and nothing in it needs scrolling. */
async function expectFits(page: Page): Promise<void> {
  expect(await inViewport(page, '#hit-title')).toBe(true);
  expect(await inViewport(page, '#hit-verify .outcomes button')).toBe(true);
  expect(await page.evaluate(`(() => { const p = document.getElementById('hit-alert'); return p.scrollHeight <= p.clientHeight + 1; })()`)).toBe(true);
}

async function imagesLoaded(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(`['#hit-plate', '#hit-overview'].every((s) => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; })`))
    .toBe(true);
}

describe.each(VIEWPORTS)('hit pop-up at %o', (viewport) => {
  let context: BrowserContext;
  let page: Page;
  const tag = `${viewport.width}`;

  beforeAll(async () => {
    ({ context, page } = await newPage(browser, viewport, errors));
    await logIn(page, station.base, 'olive', PW, '/reads');
    await page.waitForSelector('body[data-events="open"]');
  });
  afterAll(async () => context?.close());

  test('an alarm-list hit is a full-screen red pop-up whose tone repeats until the officer touches it', async () => {
    await station.read(`7TRW${tag}`.slice(0, 7), [stolen(`7TRW${tag}`.slice(0, 7))]);
    await page.waitForSelector('#hit-alert[data-presentation="alarm"]:not([hidden])');
    expect(await page.textContent('#hit-title')).toMatch(/ALARM\s+stolen vehicle\s+priority 1/i);
    expect(await page.textContent('#hit-read')).toBe(`7TRW${tag}`.slice(0, 7));
    expect(await page.textContent('.hit-facts')).toContain('stolen 2026-05-30');
    expect(await page.textContent('.hit-facts')).toContain('SAC-26-');
    await imagesLoaded(page);
    await expectFits(page);
    // The plate crop is shown large enough to compare characters.
    const crop = await page.locator('.hit-crop .zoom').boundingBox();
    expect(crop!.height).toBeGreaterThanOrEqual(viewport.height >= 600 ? 120 : 70);
    await shot(page, 'hit-alarm', viewport, { docs: true });
    // Repeats until acknowledged...
    await expect.poll(() => bodyData(page, 'tonesAlarm'), { timeout: 15_000 }).toBe('2');
    expect(await bodyData(page, 'alarmRepeating')).toBe('true');
    expect(await bodyData(page, 'lastToneState')).toBe('running');
    // ...and a touch on the pop-up acknowledges it.
    await page.click('.hit-head');
    expect(await bodyData(page, 'alarmRepeating')).toBe('false');
    // The same plate passing again while the alarm is open updates it in place, without a new tone.
    const plate = `7TRW${tag}`.slice(0, 7);
    await station.read(plate, [stolen(plate)], { cameraId: 'rear' });
    await page.waitForSelector('.hit-facts dd.seen-again:has-text("rear camera")');
    expect(await bodyData(page, 'tonesAlarm')).toBe('2');
    expect(await page.textContent('#hit-read')).toBe(plate);
    // Tap to zoom the crop, tap again to close.
    await page.click('.hit-crop .zoom');
    await page.waitForSelector('#hit-zoom:not([hidden]) img');
    await page.click('#hit-zoom');
    await page.waitForSelector('#hit-zoom', { state: 'hidden' });
  });

  test('the next alert starts with fresh images: the previous overview never shows under it', async () => {
    // Hold the next hit's images so the pop-up is seen before they arrive.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/detections/*/overview.jpg', async (route) => {
      await held;
      await route.continue();
    });
    const plate = `5AMB${tag}`.slice(0, 7);
    const id = await station.read(plate, [warrant(plate)]);
    await page.waitForSelector('#hit-alert .queue-count:has-text("1 more waiting")');
    await page.click('#hit-verify button[value=confirmed]');
    await page.waitForSelector(`#hit-alert[data-presentation="amber"]:not([hidden])`);
    expect(await page.textContent('#hit-read')).toBe(plate);
    const overview = await page.evaluate(`(() => { const imgs = document.querySelectorAll('#hit-alert .hit-overview img'); return { n: imgs.length, src: imgs[0].getAttribute('src'), w: imgs[0].naturalWidth }; })()`);
    expect(overview).toEqual({ n: 1, src: `/api/detections/${id}/overview.jpg`, w: 0 });
    release();
    await imagesLoaded(page);
    await page.unroute('**/api/detections/*/overview.jpg');
    expect(await page.evaluate(`document.getElementById('hit-alert').scrollTop`)).toBe(0);
    await expectFits(page);
  });

  test('an amber hit sounds once and does not repeat', async () => {
    // The amber hit shown above sounded once when it arrived (while the alarm was on screen).
    expect(await bodyData(page, 'tonesAmber')).toBe('1');
    expect(await bodyData(page, 'alarmRepeating')).toBe('false');
    expect(await page.textContent('#hit-title')).toMatch(/HIT\s+warrant\s+priority 3/i);
    await shot(page, 'hit-amber', viewport, { docs: true });
    await page.click('#hit-later');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
  });

  test('an informational hit is a silent card beside the page, worded as not a basis for a stop', async () => {
    const tones = [await bodyData(page, 'tonesAlarm'), await bodyData(page, 'tonesAmber')];
    const plate = `8FJK${tag}`.slice(0, 7);
    await station.read(plate, [special(plate)]);
    await page.waitForSelector(`.hit-card-informational:has-text("${plate}")`);
    expect(await page.textContent('.hit-card-informational')).toContain('Informational only — not a basis for a stop.');
    expect(await page.isVisible('#hit-alert')).toBe(false);
    expect([await bodyData(page, 'tonesAlarm'), await bodyData(page, 'tonesAmber')]).toEqual(tones);
    expect(await inViewport(page, '.hit-card-informational')).toBe(true);
    await shot(page, 'hit-informational', viewport, { docs: true });
    // Opened on purpose it is the pop-up, in blue, with the same wording and the verify buttons.
    await page.click('.hit-card-informational .card-open');
    await page.waitForSelector('#hit-alert[data-presentation="informational"]:not([hidden])');
    expect(await page.isVisible('.informational-note')).toBe(true);
    await expectFits(page);
    await page.click('#hit-verify button[value=not_vehicle]');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
  });
  test('a plate verified once does not alarm on its next pass: the alert is updated, silently', async () => {
    const plate = `7TRW${tag}`.slice(0, 7);
    const tones = [await bodyData(page, 'tonesAlarm'), await bodyData(page, 'tonesAmber')];
    const updates = Number((await bodyData(page, 'hitUpdates')) ?? 0);
    await station.read(plate, [stolen(plate)], { cameraId: 'rear' });
    await expect.poll(async () => Number((await bodyData(page, 'hitUpdates')) ?? 0)).toBe(updates + 1);
    expect(await page.isVisible('#hit-alert')).toBe(false);
    expect([await bodyData(page, 'tonesAlarm'), await bodyData(page, 'tonesAmber')]).toEqual(tones);
  });

  test('matches found in earlier reads are one silent notice per plate, never an alarm', async () => {
    const plate = `2RET${tag}`.slice(0, 7);
    const tones = [await bodyData(page, 'tonesAlarm'), await bodyData(page, 'tonesAmber')];
    const first = await station.read(plate, [], { ageMs: 20 * 60_000 });
    const second = await station.read(plate, [], { ageMs: 5 * 60_000, cameraId: 'rear' });
    station.retro(first, [{ ...stolen(plate), retroactive: true }]);
    station.retro(second, [{ ...stolen(plate), retroactive: true }]);
    await page.waitForSelector(`.hit-card-notice:has-text("${plate}")`);
    await expect.poll(() => page.textContent(`.hit-card-notice:has-text("${plate}")`)).toMatch(/Seen 2 times/);
    expect(await page.locator(`.hit-card-notice:has-text("${plate}")`).count()).toBe(1);
    expect(await page.isVisible('#hit-alert')).toBe(false);
    expect([await bodyData(page, 'tonesAlarm'), await bodyData(page, 'tonesAmber')]).toEqual(tones);
    await page.click(`.hit-card-notice:has-text("${plate}") .card-dismiss`);
  });
});

describe.each(VIEWPORTS)('alert channel at %o', (viewport) => {
  let context: BrowserContext;
  let page: Page;
  let gate: NetGate;
  let base: string;
  const tag = `${viewport.width}`;

  beforeAll(async () => {
    gate = new NetGate(Number(new URL(station.base).port));
    base = await gate.open();
    ({ context, page } = await newPage(browser, viewport, errors));
    await logIn(page, base, 'olive', PW, '/hits');
    await page.waitForSelector('body[data-events="open"]');
    expect(await page.isVisible('#alerts-off')).toBe(false);
  });
  afterAll(async () => {
    await context?.close();
    await gate?.close();
  });

  test('network loss: ALERTS OFF with a tone within 5 s; the hit raised meanwhile arrives after reconnecting', async () => {
    const t0 = Date.now();
    await gate.cut();
    await page.waitForSelector('#alerts-off:not([hidden])', { timeout: 5000 });
    expect(Date.now() - t0).toBeLessThanOrEqual(5000);
    expect(Number(await bodyData(page, 'tonesAlertsOff'))).toBeGreaterThanOrEqual(1);
    expect(await page.textContent('#alerts-off')).toContain('ALERTS OFF');
    await expect.poll(() => page.textContent('.alerts-off-why')).toContain('No connection');
    expect(await inViewport(page, '#alerts-off')).toBe(true);
    await shot(page, 'alerts-off', viewport, { docs: viewport.width === 1024 });

    const plate = `6NET${tag}`.slice(0, 7);
    await station.read(plate, [stolen(plate)]);
    await gate.restore();
    await page.waitForSelector('body[data-alerts-off="off"]', { timeout: 30_000 });
    await page.waitForSelector(`#hit-alert:not([hidden]) #hit-read:has-text("${plate}")`);
    expect(await page.isVisible('#alerts-off')).toBe(false);
    await page.click('#hit-verify button[value=confirmed]');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
  });

  test('expired session: ALERTS OFF within 5 s saying to log in; after logging in the hit missed meanwhile is shown', async () => {
    // Ten minutes before the shift limit the stream warns, and the page says when it ends.
    station.clock.offsetMs = 12 * 3600_000 - 5 * 60_000;
    await page.waitForSelector('#session-ending');
    expect(await page.textContent('#session-ending')).toMatch(/Your session ends at .* Log out and in again/);
    // Past the session's absolute limit (one shift): the stream's next heartbeat finds it ended.
    const t0 = Date.now();
    station.clock.offsetMs = 13 * 3600_000;
    await page.waitForSelector('#alerts-off:not([hidden])', { timeout: 5000 });
    expect(Date.now() - t0).toBeLessThanOrEqual(5000);
    await page.waitForSelector('body[data-alerts-off-reason="session"]');
    expect(await page.textContent('.alerts-off-why')).toMatch(/log in again/i);
    expect(await bodyData(page, 'events')).toBe('down');
    const plate = `4EXP${tag}`.slice(0, 7);
    await station.read(plate, [stolen(plate)]);
    station.clock.offsetMs = 0;
    await page.click('#alerts-login');
    await page.waitForURL(/\/login\?next=%2Fhits/);
    await page.fill('input[name=username]', 'olive');
    await page.fill('input[name=password]', PW);
    await page.click('#login-form button[type=submit]');
    await page.waitForURL(`${base}/hits`);
    await page.waitForSelector(`#hit-alert:not([hidden]) #hit-read:has-text("${plate}")`);
    await page.click('#hit-verify button[value=misread]');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
  });

  test('daemon restart: ALERTS OFF within 5 s while it is down; back up, the hit raised meanwhile is shown', async () => {
    const t0 = Date.now();
    await station.restart({ down: true });
    await page.waitForSelector('#alerts-off:not([hidden])', { timeout: 5000 });
    expect(Date.now() - t0).toBeLessThanOrEqual(5000);
    const plate = `3RST${tag}`.slice(0, 7);
    await station.read(plate, [stolen(plate)]);
    await station.up();
    // A restart ends the in-memory sessions: the banner says to log in again (or, if the
    // session survived, the stream comes back by itself).
    await page.waitForSelector('body[data-alerts-off-reason="session"], body[data-alerts-off="off"]', { timeout: 30_000 });
    if ((await bodyData(page, 'alertsOff')) === 'on') {
      await page.click('#alerts-login');
      await page.fill('input[name=username]', 'olive');
      await page.fill('input[name=password]', PW);
      await page.click('#login-form button[type=submit]');
      await page.waitForURL(`${base}/hits`);
    }
    await page.waitForSelector(`#hit-alert:not([hidden]) #hit-read:has-text("${plate}")`);
    expect(await page.isVisible('#alerts-off')).toBe(false);
    await page.click('#hit-verify button[value=confirmed]');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
  });
});

test('no page raised a script error', () => {
  expect(errors).toEqual([]);
});
