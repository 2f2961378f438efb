/**
 * Reporting damage from the station (issue 18) in Chromium at 1024x600 and 800x480: the operator
 * opens the form from the Live page, files a report on a camera with its current picture, sees it
 * confirmed (brought into view at 800x480, where it lands below the fold), and the administrator
 * finds it in the list on the same screen with the picture.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inViewport, launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';
import { overviewJpeg } from '../http/fixtures.js';

const PW = 'night shift 2207';
const ADMIN_PW = 'release desk 5150';

let station: Station;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation();
  await station.addUser('olive', 'operator', PW);
  await station.addUser('adam', 'administrator', ADMIN_PW);
  for (const id of ['front', 'rear']) {
    const cam = station.registry.reporter(`camera:${id}`, 'camera');
    cam.set('ok');
    cam.detail('last_frame_at', new Date().toISOString());
  }
  station.snapshots.frames.set('front', await overviewJpeg('FRONT'));
  browser = await launch();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await station?.close();
});

test.each(VIEWPORTS)('an operator files a camera damage report with its picture at %o, and the administrator sees it listed', async (viewport) => {
  const before = station.store.damageReports.count();
  const n = before + 1;
  ({ context, page } = await newPage(browser, viewport, errors));
  await logIn(page, station.base, 'olive', PW, '/live');
  await page.click('a[href="/damage"]');
  await page.waitForURL(`${station.base}/damage`);
  await page.waitForSelector('body[data-ready="true"]');
  // An operator gets the form only, and all of it fits the screen's width.
  expect(await page.$('#damage-reports')).toBeNull();
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  expect(await page.inputValue('input[name=noticedAt]')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);

  // Too short a text is refused beside its field, and nothing is stored.
  await page.selectOption('select[name=what]', 'camera:front');
  await page.fill('textarea[name=text]', 'ab');
  await page.evaluate("document.querySelector('textarea[name=text]').removeAttribute('minlength')");
  await page.click('#damage-form button[type=submit]');
  await page.waitForSelector('#damage-form .field-error[data-field="text"]');
  expect(station.store.damageReports.count()).toBe(before);

  await page.fill('textarea[name=text]', 'Front camera knocked sideways, bracket bent');
  await page.check('input[name=snapshot]');
  await page.click('#damage-form button[type=submit]');
  await page.waitForSelector('#damage-form .form-done:not([hidden])');
  expect(await page.textContent('#damage-form .form-done')).toMatch(new RegExp(`Report ${n} filed with the current picture`));
  expect(await inViewport(page, '#damage-form .form-done')).toBe(true);
  const report = station.store.damageReports.list().find((r) => r.id === n);
  expect(report).toMatchObject({ subject: 'camera', cameraId: 'front', reportedBy: 'olive', text: 'Front camera knocked sideways, bracket bent' });
  expect(report!.snapshotSha256).toMatch(/^[0-9a-f]{64}$/);
  expect(station.store.audit.get(report!.auditId)).toMatchObject({ action: 'damage.report', user: 'olive', object: 'front' });

  // The picture box is for cameras only.
  await page.selectOption('select[name=what]', 'gps');
  expect(await page.isDisabled('input[name=snapshot]')).toBe(true);
  await context.close();

  ({ context, page } = await newPage(browser, viewport, errors));
  await logIn(page, station.base, 'adam', ADMIN_PW, '/damage');
  const row = page.locator(`#damage-reports tr[data-report="${n}"]`);
  expect(await row.textContent()).toContain('Front camera knocked sideways, bracket bent');
  expect(await row.textContent()).toContain('olive');
  const picture = await page.request.get(`${station.base}/api/damage-reports/${n}/snapshot.jpg`);
  expect(picture.headers()['content-type']).toBe('image/jpeg');
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  await shot(page, 'damage-report-admin', viewport);
  expect(errors).toEqual([]);
});
