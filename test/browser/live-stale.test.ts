/**
 * A dead camera's thumbnail on the Live page (issue 18) in Chromium at 1024x600: its last picture
 * stays on screen, so it is greyed and labelled stale with the time of that picture (the unit's
 * clock), while a working camera beside it is not; the label goes when pictures come back, and
 * appears when a working camera dies while the page is open. The status strip says the same.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';
import { overviewJpeg } from '../http/fixtures.js';

const PW = 'night shift 2207';
const viewport = VIEWPORTS[0];
const DEAD_FOR_MS = 3 * 60_000;

let station: Station;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
let alive: NodeJS.Timeout | undefined;
const errors: string[] = [];

/** The camera units as camera-source reports them: a live one's last frame time moves every tick. */
function camera(id: string, state: 'ok' | 'down' | 'starting', lastFrameAt: number): void {
  const cam = station.registry.reporter(`camera:${id}`, 'camera');
  cam.set(state, state === 'ok' ? '' : 'no frames; retry in 4 s');
  cam.detail('last_frame_at', new Date(lastFrameAt).toISOString());
}

function keepAlive(ids: string[]): void {
  if (alive) clearInterval(alive);
  const tick = () => ids.forEach((id) => camera(id, 'ok', station.clock.now()));
  tick();
  alive = setInterval(tick, 200);
}

const figure = (id: string) => page.locator(`.live-cam[data-camera="${id}"]`);

beforeAll(async () => {
  station = await startStation();
  await station.addUser('olive', 'operator', PW);
  station.snapshots.frames.set('front', await overviewJpeg('FRONT'));
  // The dead camera's source still holds its last decoded picture.
  station.snapshots.frames.set('rear', await overviewJpeg('REAR'));
  keepAlive(['front']);
  camera('rear', 'down', station.clock.now() - DEAD_FOR_MS);
  browser = await launch();
});

afterAll(async () => {
  if (alive) clearInterval(alive);
  await context?.close();
  await browser?.close();
  await station?.close();
});

test('a dead camera\'s thumbnail is marked stale with the time of its last picture; a live one is not', async () => {
  ({ context, page } = await newPage(browser, viewport, errors));
  await logIn(page, station.base, 'olive', PW, '/live');
  await page.waitForSelector('.live-cam[data-camera="rear"][data-stale="true"]');
  const badge = figure('rear').locator('.live-stale');
  expect(await badge.isVisible()).toBe(true);
  const text = (await badge.textContent()) ?? '';
  expect(text).toMatch(/^Stale: last picture .+ \([34] min ago\)$/);
  // The time shown is the last picture's, as the browser formats it.
  const lastAt = Number(await badge.getAttribute('data-last-frame-at'));
  expect(Math.abs(lastAt - (station.clock.now() - DEAD_FOR_MS))).toBeLessThan(60_000);
  expect(text).toContain(await page.evaluate((ms) => new Date(ms).toLocaleString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }), lastAt));
  expect(await figure('front').getAttribute('data-stale')).toBe('false');
  expect(await figure('front').locator('.live-stale').isVisible()).toBe(false);
  // The picture is greyed, not hidden: the officer still sees what the camera last saw.
  expect(await page.evaluate("getComputedStyle(document.querySelector('.live-cam[data-camera=rear] .live-frame img')).filter")).toContain('grayscale');
  expect(await page.locator('.strip-item[data-unit="camera:rear"]').textContent()).toMatch(/no picture 3 min/);
  // No reference view yet (404): no broken image with its alt text dark on black under the picture.
  await page.waitForSelector('.live-cam[data-camera="front"] img.live-ref', { state: 'hidden' });
  await page.waitForSelector('.live-cam[data-camera="rear"] img.live-ref', { state: 'hidden' });
  await shot(page, 'live-stale', viewport);

  // Pictures come back: the label goes.
  keepAlive(['front', 'rear']);
  await page.waitForSelector('.live-cam[data-camera="rear"][data-stale="false"]');
  expect(await figure('rear').locator('.live-stale').isVisible()).toBe(false);

  // The front camera dies while the page is open: its thumbnail turns stale once frames stop.
  keepAlive(['rear']);
  camera('front', 'starting', station.clock.now());
  await page.waitForSelector('.live-cam[data-camera="front"][data-stale="true"]');
  expect(await figure('front').locator('.live-stale').textContent()).toMatch(/^Stale: last picture /);
  expect(await figure('rear').getAttribute('data-stale')).toBe('false');
  expect(errors).toEqual([]);
});
