/**
 * A hit whose detection the daemon could not store (disk full, issue 17 item 3) in a real
 * browser: it alarms like any alarm-list hit, says "Not stored — disk full", shows no images and
 * offers no verify button that would fail; **Later** closes it, and the next stored hit is
 * verifiable again. The unstored event comes from a real detection sink whose store rejects
 * every detection as the real store does on a full disk, told through the station's stream.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import type { HotlistHit } from '../../src/hotlist/types.js';
import { DetectionSink } from '../../src/pipeline/detection-sink.js';
import { AlprError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { StoreErrors } from '../../src/store/errors.js';
import { detection } from '../pipeline/sink-harness.js';
import { bodyData, launch, logIn, newPage, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';

const PW = 'night shift 2207';

function stolen(plate: string): HotlistHit {
  return {
    entry: { id: `central:${plate}`, plate, state: 'CA', list: 'stolen_vehicle', priority: 1, reason: 'stolen 2026-05-30, Sacramento', caseNumber: `SAC-26-${plate.slice(-4)}`, informational: false, expiresAt: null },
    generation: 'g1',
    kind: 'exact',
    readText: plate,
    explanation: 'exact',
    retroactive: false,
  };
}

let station: Station;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let fullDisk: DetectionSink;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation();
  await station.addUser('olive', 'operator', PW);
  const config = loadConfigObject({}, '/tmp').config!;
  const never = (): never => {
    throw new Error('nothing is stored on a full disk');
  };
  // The daemon's sink on a full disk: every ingest rejects with the store's disk-full error.
  fullDisk = new DetectionSink({
    config: config.alerts,
    specialLists: config.hotlist.special_lists,
    logger: silentLogger(),
    status: new StatusRegistry({ now: () => Date.now() }).reporter('tracker', 'tracker'),
    clock: { now: () => Date.now() },
    positionAt: () => null,
    match: (candidates) => candidates.map((c) => stolen(c.text)),
    store: {
      ingest: (d) => Promise.reject(new AlprError(StoreErrors.STORE_DISK_FULL, { file: '/data/alpr.db', id: d.id })),
      addRetroactiveHits: never,
      detections: { get: never },
      hits: { get: never },
      hitAlerts: { record: never, get: never, openAlert: never, alertOnSameDetection: never, seenAgainCount: never, after: () => [], lastId: () => 0 },
    },
  });
  fullDisk.events.subscribe((e) => station.events.emit(e));
  browser = await launch({ autoplay: true });
  ({ context, page } = await newPage(browser, VIEWPORTS[0], errors));
  await logIn(page, station.base, 'olive', PW, '/reads');
  await page.waitForSelector('body[data-events="open"]');
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await station?.close();
});

test('an unstored hit alarms, says "Not stored — disk full", shows no images and cannot be verified; the next stored hit can', async () => {
  fullDisk.onDetection(detection('8FJK392', { bestAt: Date.now(), cameraId: 'front' }));
  await page.waitForSelector('#hit-alert[data-presentation="alarm"][data-unstored="true"]:not([hidden])');
  expect(await page.textContent('#hit-read')).toBe('8FJK392');
  expect(await page.textContent('.hit-facts')).toContain('front camera');
  expect(await page.textContent('.hit-facts')).toContain('SAC-26-K392');
  expect(await page.textContent('#hit-alert .unstored-note')).toContain('Not stored — disk full');
  expect(await page.isVisible('#hit-alert .unstored-note')).toBe(true);
  expect(await page.isVisible('#hit-alert .hit-images')).toBe(false);
  for (const outcome of ['confirmed', 'misread', 'not_vehicle']) expect(await page.isDisabled(`#hit-verify button[value=${outcome}]`)).toBe(true);
  expect(await page.getAttribute('#hit-verify button[value=confirmed]', 'title')).toContain('disk full');
  expect(await bodyData(page, 'tonesAlarm')).not.toBeNull();
  await page.click('#hit-later');
  await page.waitForSelector('#hit-alert', { state: 'hidden' });

  // Space is back: the next hit is stored, shown with its images and verifiable.
  await station.read('7TRW815', [stolen('7TRW815')]);
  await page.waitForSelector('#hit-alert[data-presentation="alarm"][data-unstored="false"]:not([hidden])');
  expect(await page.textContent('#hit-read')).toBe('7TRW815');
  expect(await page.isVisible('#hit-alert .unstored-note')).toBe(false);
  expect(await page.isVisible('#hit-alert .hit-images')).toBe(true);
  expect(await page.isDisabled('#hit-verify button[value=confirmed]')).toBe(false);
  await page.click('#hit-verify button[value=confirmed]');
  await page.waitForSelector('#hit-alert', { state: 'hidden' });
  expect(errors).toEqual([]);
});
