/**
 * Status at a glance, in a real browser at 1024x600 and 800x480: the status strip on every page
 * turns red and sounds once when a camera stops mid-shift, one tap opens its plain-language
 * line; the status page reads as sentences in data-flow order with the raw facts behind a
 * disclosure, fits the width, and says "disabled" for a disabled upload; the header is one row
 * at 1024 px. Also the page side of the small fixes: the wrong-password message, the hot-plate
 * form's errors beside its fields, and the audit chain check.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bodyData, inViewport, launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';

const PW = 'night shift 2207';
const ADMIN_PW = 'release desk 5150';
const STATION_PAGES = ['/', '/live', '/reads', '/hits', '/hotlist', '/search'];

let station: Station;
let browser: Browser;
const errors: string[] = [];

function healthy(): void {
  const r = station.registry;
  for (const id of ['front', 'rear']) {
    const cam = r.reporter(`camera:${id}`, 'camera');
    cam.set('ok');
    cam.detail('fps', 5);
    cam.detail('resolution', '1920x1080');
    cam.detail('last_frame_at', new Date().toISOString());
  }
  const gps = r.reporter('gps', 'gps');
  gps.set('ok', '3d fix, 9 satellites');
  gps.detail('satellites', 9);
  const hl = r.reporter('hotlist', 'hotlist');
  hl.set('ok', '120000 entries in 1 list(s)');
  hl.detail('list_age_h', 2.1);
  hl.gauge('entries', 120_000);
  const up = r.reporter('upload', 'upload');
  up.set('ok', '');
  up.gauge('backlog', 3);
  up.detail('last_success', new Date(Date.now() - 40_000).toISOString());
  r.reporter('recognizer', 'recognizer').set('ok', '2 workers ready');
  r.reporter('tracker', 'tracker', { readiness: false }).set('ok');
}

beforeAll(async () => {
  station = await startStation();
  await station.addUser('olive', 'operator', PW);
  await station.addUser('adam', 'administrator', ADMIN_PW);
  healthy();
  browser = await launch({ autoplay: true });
});

afterAll(async () => {
  await browser?.close();
  await station?.close();
});

describe.each(VIEWPORTS)('status at %o', (viewport) => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    healthy();
    ({ context, page } = await newPage(browser, viewport, errors));
  });
  afterAll(async () => context?.close());

  test('a wrong password shows a message on the login page without reloading it', async () => {
    await page.goto(`${station.base}/`);
    await page.waitForURL(/\/login/);
    await page.evaluate('window.notReloaded = true');
    await page.fill('input[name=username]', 'olive');
    await page.fill('input[name=password]', 'not the password');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#login-form .form-error:not(:empty)');
    expect(await page.textContent('#login-form .form-error')).toMatch(/wrong user name or password/i);
    expect(await page.evaluate('window.notReloaded === true')).toBe(true);
    expect(await page.inputValue('input[name=password]')).toBe('');
  });

  test('every station page carries the strip; the header is one row at 1024 wide', async () => {
    await logIn(page, station.base, 'olive', PW);
    for (const path of STATION_PAGES) {
      await page.goto(`${station.base}${path}`);
      await page.waitForSelector('body[data-ready="true"]');
      const units = await page.evaluate("[...document.querySelectorAll('#status-strip .strip-item')].map((e) => `${e.dataset.unit}=${e.dataset.level}`)");
      expect(units).toEqual(['camera:front=green', 'camera:rear=green', 'gps=green', 'hotlist=green', 'upload=green']);
      expect(await inViewport(page, '#status-strip')).toBe(true);
      if (viewport.width === 1024) expect((await page.locator('header.top').boundingBox())!.height).toBeLessThan(60);
    }
  });

  test('a camera that stops turns the strip red on every page and sounds once; one tap opens the detail', async () => {
    await page.goto(`${station.base}/reads`);
    await page.waitForSelector('body[data-ready="true"]');
    const rear = station.registry.reporter('camera:rear', 'camera');
    rear.detail('last_frame_at', new Date(Date.now() - 120_000).toISOString());
    rear.error(new Error('camera rear: ffmpeg exited: ffmpeg exited (code 1)'));
    rear.detail('last_exit', { at: new Date().toISOString(), reason: 'ffmpeg exited (code 1)', stderr: ['[tcp @ 0x5581] Connection to tcp://10.0.0.12:554 failed: Connection refused'] });
    rear.set('down', 'ffmpeg exited (code 1); retry in 3.0 s');
    await page.waitForSelector('.strip-item[data-unit="camera:rear"][data-level="red"]', { timeout: 20_000 });
    expect(await bodyData(page, 'tonesFault')).toBe('1');
    expect(await bodyData(page, 'stripFailed')).toBe('camera:rear');
    // Every unit stays in view at 800 px; the red item keeps its whole text (green ones give way with "…").
    expect(await page.evaluate("(() => { const s = document.getElementById('status-strip'); const red = s.querySelector('.strip-item[data-level=red]'); return s.scrollWidth <= s.clientWidth + 1 && red.scrollWidth <= red.clientWidth + 1 && red.getBoundingClientRect().height >= 40; })()")).toBe(true);
    await page.click('.strip-item[data-unit="camera:rear"]');
    await page.waitForSelector('#strip-detail:not([hidden])');
    expect(await page.textContent('.strip-detail-line')).toMatch(/^Rear camera: no picture for \d+ min — connection refused$/);
    expect(await inViewport(page, '#strip-detail')).toBe(true);
    await shot(page, 'strip-fault', viewport, { docs: true });
    // Every other page shows it red at once, without sounding again for the same fault.
    for (const path of STATION_PAGES) {
      await page.goto(`${station.base}${path}`);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.getAttribute('.strip-item[data-unit="camera:rear"]', 'data-level')).toBe('red');
      expect(await bodyData(page, 'tonesFault')).toBeNull();
    }
    // The detail's link opens the unit's row on the status page, its facts disclosed.
    await page.goto(`${station.base}/hits`);
    await page.click('.strip-item[data-unit="camera:rear"]');
    await page.click('.strip-detail-link');
    await page.waitForSelector('li.unit[data-unit="camera:rear"] details[open]');
  });

  test('the status page is one plain line per unit in data-flow order, fits the width, and says when upload is disabled', async () => {
    station.registry.reporter('upload', 'upload').set('disabled', 'upload.enabled is false');
    await page.goto(`${station.base}/`);
    await page.waitForSelector('body[data-ready="true"]');
    const order = await page.evaluate("[...document.querySelectorAll('li.unit')].map((e) => e.dataset.unit)");
    expect(order).toEqual(['camera:front', 'camera:rear', 'gps', 'recognizer', 'tracker', 'hotlist', 'store', 'upload', 'http']);
    const lines = await page.locator('li.unit .unit-line').allTextContents();
    expect(lines[0]).toMatch(/Front camera: working, 5 pictures a second/);
    expect(lines[1]).toMatch(/Rear camera: no picture for \d+ min — connection refused/);
    expect(lines[7]).toMatch(/Upload: disabled/);
    expect(await page.textContent('#readiness')).toContain('Rear camera: no picture');
    expect(await page.textContent('#readiness')).not.toMatch(/upload link (is|are) good/i);
    // Counters and raw facts are behind the disclosure, closed by default.
    expect(await page.isVisible('li.unit[data-unit="upload"] .counters')).toBe(false);
    expect(await page.evaluate('document.documentElement.scrollWidth <= innerWidth')).toBe(true);
    expect(await page.getAttribute('.strip-item[data-unit="upload"]', 'data-level')).toBe('off');
    await shot(page, 'status-page', viewport, { docs: true });
  });

  test('the hot-plate form shows its errors in words beside the fields, contact pre-filled, with time left per entry', async () => {
    await page.goto(`${station.base}/hotlist`);
    expect(await page.inputValue('#hotlist-form input[name=officerContact]')).toBe('unit 12');
    await page.fill('#hotlist-form input[name=plate]', '6gu?47*');
    await page.fill('#hotlist-form input[name=reason]', 'armed robbery, partial plate from witness');
    await page.click('#hotlist-form button[type=submit]');
    await page.waitForSelector('#hotlist-form .field-error');
    const beside = await page.locator('#hotlist-form label:has(input[name=caseNumber]) .field-error').textContent();
    expect(beside).toMatch(/^A case number or subject XREF is required/);
    expect(beside).not.toContain('caseNumber');
    expect(await page.locator('#hotlist-form label:has(input[name=expiresAt]) .field-error').textContent()).toMatch(/^Must be in the future/);
    expect(await page.textContent('#hotlist-form .form-errors')).toContain('Please correct the 2 marked fields.');
    const d = new Date(Date.now() + 2 * 86400_000 + 3 * 3600_000);
    const local = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    await page.fill('#hotlist-form input[name=caseNumber]', 'SAC-26-0099');
    await page.fill('#hotlist-form input[name=expiresAt]', local);
    await page.click('#hotlist-form button[type=submit]');
    await page.waitForSelector('#hotlist-entries td.time-left');
    expect(await page.locator('#hotlist-form .field-error').count()).toBe(0);
    expect(await page.locator('#hotlist-entries td.time-left').first().textContent()).toMatch(/^2 d [23] h$/);
    // The entries table, removal form included, fits the screen's width (no sideways scrolling).
    const right = await page.evaluate("Math.ceil(document.querySelector('#hotlist-entries table').getBoundingClientRect().right)");
    expect(right).toBeLessThanOrEqual(viewport.width);
    // ...with the plate and the case number each on one line (they were broken mid-text at 800 px).
    const lines = (cell: string): Promise<unknown> =>
      page.evaluate(`(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('#hotlist-entries ${cell}').firstChild); return r.getClientRects().length; })()`);
    expect(await lines('td.plate')).toBe(1);
    expect(await lines('td.case')).toBe(1);
    await shot(page, 'hotplates-entries', viewport);
    station.hotlist.entries.length = 0;
  });
});

test('the audit page checks the hash chain on request and shows details as words', async () => {
  const { context, page } = await newPage(browser, VIEWPORTS[0], errors);
  await logIn(page, station.base, 'adam', ADMIN_PW, '/audit');
  await page.waitForSelector('#audit-body tr');
  // The administrator has every screen in the navigation: still one header row at 1024.
  expect(await page.locator('header.top nav > a').count()).toBe(9);
  expect((await page.locator('header.top').boundingBox())!.height).toBeLessThan(60);
  await page.click('#audit-verify');
  await page.waitForSelector('#audit-verify-result[data-ok]');
  expect(await page.getAttribute('#audit-verify-result', 'data-ok')).toBe('true');
  expect(await page.textContent('#audit-verify-result')).toMatch(/^Chain intact: all [\d,]+ records check out\.$/);
  expect(station.store.audit.query({ action: 'audit.verify' })[0]).toMatchObject({ user: 'adam' });
  // Details are "name: value" lines, never a JSON blob.
  const details = await page.locator('#audit-body td.details').allTextContents();
  expect(details.join('\n')).not.toMatch(/[{}"]/);
  await context.close();
});

test('no page raised a script error', () => {
  expect(errors).toEqual([]);
});
