/**
 * The operator station in a real browser (Debian's Chromium, headless): log in, see readiness go
 * green, acknowledge the shift-start check, receive a hit with its sound and both images, verify
 * it, search with and without a case number, export. Screenshots go to test-artifacts/browser/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HotlistHit } from '../../src/hotlist/types.js';
import { plateJpeg } from '../http/fixtures.js';
import { readZip } from '../http/zip-reader.js';
import { startStation, type Station } from './station.js';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'browser');
const OPERATOR_PW = 'night shift 2207';
const ADMIN_PW = 'release desk 5150';

const stolen: HotlistHit = {
  entry: { id: 'central:1', plate: '7TRW815', state: 'CA', list: 'stolen_vehicle', priority: 1, reason: 'stolen 2026-05-30, Sacramento', caseNumber: 'SAC-26-0042', informational: false, expiresAt: Date.UTC(2099, 0, 1) },
  generation: 'g-2026-06-01T06', kind: 'confusion', readText: '7TRW815', explanation: 'O read as 0', retroactive: false,
};
const special: HotlistHit = {
  entry: { id: 'central:2', plate: '8FJK392', state: 'CA', list: 'sex_offender', priority: 5, reason: 'registered sex offender vehicle — informational', caseNumber: null, informational: true, expiresAt: Date.UTC(2099, 0, 1) },
  generation: 'g-2026-06-01T06', kind: 'exact', readText: '8FJK392', explanation: 'exact', retroactive: false,
};

let station: Station;
let browser: Browser;
let page: Page;
/** Script errors on any page fail the run (checked last). */
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function logIn(username: string, password: string): Promise<void> {
  await page.goto(`${station.base}/`);
  await page.waitForURL(/\/login\?next=/);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(`${station.base}/`);
  await page.waitForSelector('body[data-ready="true"]');
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  station = await startStation();
  await station.addUser('olive', 'operator', OPERATOR_PW);
  await station.addUser('adam', 'administrator', ADMIN_PW);
  await station.addUser('bea', 'administrator', ADMIN_PW);
  for (const [name, kind] of [['camera:front', 'camera'], ['gps', 'gps'], ['hotlist', 'hotlist'], ['upload', 'upload']] as const) {
    station.registry.reporter(name, kind).set('ok', 'running');
  }
  const cam = station.registry.reporter('camera:front', 'camera');
  cam.detail('cameraId', 'front');
  cam.detail('fps', 5);
  cam.gauge('frames_dropped_total', 0);
  station.registry.reporter('upload', 'upload').set('degraded', 'backlog 40, last success 12 min ago');
  station.registry.reporter('store', 'store').set('ok');
  station.snapshots.frames.set('front', await plateJpeg('LIVE VIEW', 640, 360));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, acceptDownloads: true, hasTouch: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|400|403|404)/.test(m.text())) pageErrors.push(`${page.url()}: console: ${m.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await station?.close();
});

describe('operator', () => {
  test('logs in and sees readiness go from amber to green, with the reason while amber', async () => {
    await logIn('olive', OPERATOR_PW);
    await expect.poll(() => page.getAttribute('#readiness', 'data-verdict')).toBe('amber');
    expect(await page.textContent('#readiness')).toContain('Upload: backlog 40');
    await shot('01-status-amber');
    station.registry.reporter('upload', 'upload').set('ok', 'backlog 0');
    await page.waitForSelector('#readiness[data-verdict="green"]', { timeout: 15_000 });
    expect(await page.textContent('#readiness h1')).toBe('READY');
  });

  test('acknowledges the shift-start check, which shows who did it', async () => {
    await page.check('#shift-form input[name=equipmentInspected]');
    await page.click('#shift-form button[type=submit]');
    await page.waitForSelector('#shift-last:has-text("acknowledged by")');
    expect(await page.textContent('#shift-last')).toContain('olive');
    expect(station.store.audit.query({ action: 'shift.acknowledge' })[0]).toMatchObject({ user: 'olive', object: 'green' });
    await shot('02-status-green-acknowledged');
  });

  test('sees the live view of a camera', async () => {
    await page.click('nav a[href="/live"]');
    // In-page expressions are strings: the project's TypeScript has no DOM library.
    await expect.poll(() => page.evaluate("(() => { const img = document.querySelector('.live-cam img'); return !!img && img.complete && img.naturalWidth === 640; })()")).toBe(true);
    await shot('03-live-view');
  });

  test('a hit arrives at once with the alarm sound and both images; an informational one is silent', async () => {
    await page.click('nav a[href="/reads"]');
    await page.waitForSelector('body[data-events="open"]');
    // One touch anywhere lets the browser play sound (autoplay policy), as on the MDC.
    await page.click('main h1');
    await expect.poll(() => page.getAttribute('body', 'data-audio')).toBe('running');

    await station.read('7TRW815', [stolen]);
    await page.waitForSelector('#hit-alert:not([hidden])');
    // The alarm repeats every 2.5 s until it is touched: on a slow machine it may have sounded twice.
    expect(Number(await page.getAttribute('body', 'data-tones-alarm'))).toBeGreaterThanOrEqual(1);
    expect(await page.getAttribute('body', 'data-last-tone-state')).toBe('running');
    expect(await page.textContent('#hit-read')).toBe('7TRW815');
    expect(await page.textContent('#hit-title')).toContain('stolen vehicle');
    expect(await page.textContent('.hit-facts')).toContain('O read as 0');
    expect(await page.textContent('.reminder')).toContain('Confirm every character');
    await expect
      .poll(() => page.evaluate("['#hit-plate', '#hit-overview'].every((s) => { const img = document.querySelector(s); return !!img && img.complete && img.naturalWidth > 0; })"))
      .toBe(true);
    expect(await page.isVisible('.informational-note')).toBe(false);
    await shot('04-hit-alert');

    await page.fill('#hit-alert input[name=note]', 'plate and vehicle match; dispatch confirms stolen');
    await page.click('#hit-verify button[value=confirmed]');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
    const [hit] = station.store.hits.list({ limit: 1 });
    expect(hit).toMatchObject({ outcome: 'confirmed', verifiedBy: 'olive', note: 'plate and vehicle match; dispatch confirms stolen' });
    const alarmsBefore = await page.getAttribute('body', 'data-tones-alarm');

    await station.read('8FJK392', [special]);
    await page.waitForSelector('.hit-card-informational');
    expect(await page.textContent('.hit-card-informational .card-note')).toBe('Informational only — not a basis for a stop.');
    // Verified, the alarm stopped; the informational hit adds no tone.
    expect(await page.getAttribute('body', 'data-tones-alarm')).toBe(alarmsBefore);
    expect(await page.getAttribute('body', 'data-tones-amber')).toBeNull();
    expect(await page.getAttribute('body', 'data-hit-alerts')).toBe('2');
    await shot('05-hit-informational');
    await page.click('.hit-card-informational .card-open');
    await page.waitForSelector('#hit-alert.informational:not([hidden])');
    await page.click('#hit-verify button[value=not_vehicle]');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
    expect(await page.locator('#reads-body tr').count()).toBe(2);
    await shot('06-live-reads');
  });

  test('a hit raised while the page had no event stream is alerted when a page opens again', async () => {
    await page.goto('about:blank');
    const missed: HotlistHit = { ...stolen, entry: { ...stolen.entry, id: 'central:3', plate: '5KLM203', list: 'felony_vehicle' }, kind: 'exact', readText: '5KLM203', explanation: 'exact' };
    await station.read('5KLM203', [missed]);
    await page.goto(`${station.base}/hits`);
    await page.waitForSelector('#hit-alert:not([hidden])');
    expect(await page.textContent('#hit-read')).toBe('5KLM203');
    // A new page is a new document: the alarm is attempted; the browser may hold the sound until
    // the next touch, which the banner asks for. It repeats until touched, so once or more.
    expect(Number(await page.getAttribute('body', 'data-tones-alarm'))).toBeGreaterThanOrEqual(1);
    await page.click('#hit-later');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
    // Put aside but already shown in this tab: the next page does not alarm for it again...
    await page.click('nav a[href="/reads"]');
    await page.waitForSelector('body[data-caught-up="true"]');
    expect(await page.getAttribute('body', 'data-hit-alerts')).toBeNull();
    // ...and it waits on the Hits page, unverified, until the officer records the outcome.
    await page.click('nav a[href="/hits"]');
    await page.click('#hits-body tr:has-text("5KLM203") .open-hit');
    await page.waitForSelector('#hit-alert:not([hidden])');
    await page.click('#hit-verify button[value=confirmed]');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
    await expect.poll(() => page.locator('#hits-body tr:has-text("5KLM203")').count()).toBe(0);
  });

  test('searching without a case number is refused on the page; with one, the reads are listed', async () => {
    await station.read('7TRW816', [], { ageMs: 3600_000, cameraId: 'rear' });
    await page.click('nav a[href="/search"]');
    await page.fill('#search-form input[name=plate]', '7TRW*');
    await page.selectOption('#search-form select[name=purposeCategory]', 'criminal investigation');
    await page.fill('#search-form input[name=purpose]', 'locate witness vehicle');
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('#search-form .field-error');
    expect(await page.textContent('#search-form label:has(input[name=caseNumber]) .field-error')).toContain('case number is required');
    expect(await page.isVisible('#search-results')).toBe(false);
    await shot('07-search-refused');

    await page.fill('#search-form input[name=caseNumber]', 'SAC-26-0042');
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('#search-results:not([hidden]) tbody tr');
    expect(await page.locator('#search-results tbody .read-text').allTextContents()).toEqual(['7TRW815', '7TRW816']);
    expect(await page.isVisible('#export-form')).toBe(false);
    await shot('08-search-results');
    expect(station.store.audit.query({ action: 'search' })[0]).toMatchObject({ user: 'olive', caseNumber: 'SAC-26-0042', purpose: 'criminal investigation: locate witness vehicle' });
  });
  test('enters a local hot plate: the policy refusals are shown by field, then the entry is listed', async () => {
    await page.click('nav a[href="/hotlist"]');
    await page.fill('#hotlist-form input[name=plate]', '6gu?47*');
    await page.selectOption('#hotlist-form select[name=list]', 'felony vehicle');
    await page.fill('#hotlist-form input[name=reason]', 'armed robbery, partial plate from witness');
    await page.fill('#hotlist-form input[name=officerContact]', 'unit 12, x4411');
    await page.click('#hotlist-form button[type=submit]');
    await page.waitForSelector('#hotlist-form .field-error');
    expect(await page.textContent('#hotlist-form label:has(input[name=caseNumber]) .field-error')).toMatch(/case number or subject XREF/);
    expect(await page.locator('#hotlist-form label:has(input[name=expiresAt]) .field-error').count()).toBe(1);
    await shot('09-hotplate-refused');

    const d = new Date(Date.now() + 2 * 86400_000);
    const local = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T10:00`;
    await page.fill('#hotlist-form input[name=caseNumber]', 'SAC-26-0099');
    await page.fill('#hotlist-form input[name=expiresAt]', local);
    await page.click('#hotlist-form button[type=submit]');
    await page.waitForSelector('#hotlist-entries td.plate');
    expect(await page.textContent('#hotlist-entries td.plate')).toBe('6GU?47*');
    expect(station.hotlist.entries[0]).toMatchObject({ plate: '6GU?47*', list: 'felony vehicle', caseNumber: 'SAC-26-0099' });
    expect(station.store.audit.query({ action: 'hotlist.add' })[0]).toMatchObject({ user: 'olive', caseNumber: 'SAC-26-0099' });
    await shot('10-hotplate-entered');
  });
});

describe('administrator', () => {
  test('requests a release of the results; a second administrator approves and exports it as CSV and images', async () => {
    await page.click('#logout');
    await page.waitForURL(/\/login/);
    await logIn('adam', ADMIN_PW);
    await page.click('nav a[href="/search"]');
    // Regression: a display rule of the form overrode the hidden attribute, showing the export
    // form before there were results to export.
    expect(await page.isVisible('#export-form')).toBe(false);
    await page.fill('#search-form input[name=caseNumber]', 'SAC-26-0042');
    await page.selectOption('#search-form select[name=purposeCategory]', 'criminal investigation');
    await page.fill('#search-form input[name=purpose]', 'court order 26-117');
    await page.fill('#search-form input[name=plate]', '7TRW*');
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('#export-form:not([hidden])');

    // Evidence hold on the first result, with the reason asked for and recorded.
    page.once('dialog', (d) => void d.accept('court order 26-117'));
    const held = await page.getAttribute('#search-results tbody tr:first-child', 'data-detection');
    await page.click('#search-results tbody tr:first-child .hold');
    await page.waitForSelector('#search-results tbody tr:first-child .hold:has-text("Release hold")');
    expect(station.store.detections.get(held!)?.evidenceHold).toBe(true);

    // A release needs the written request's details; each missing one is named beside its field.
    await page.click('#export-form button[type=submit]');
    await page.waitForSelector('#export-form .field-error');
    expect(await page.locator('#export-form label:has(input[name=requestingAgency]) .field-error').count()).toBe(1);
    // A federal agency is refused on the device, with the policy cited.
    await page.fill('#export-form input[name=requestingAgency]', 'US Marshals Service');
    await page.selectOption('#export-form select[name=agencyKind]', 'federal');
    await page.fill('#export-form input[name=requester]', 'Dep. K. Lowe');
    await page.selectOption('#export-form select[name=releasePurposeCategory]', 'wanted person');
    await page.fill('#export-form input[name=releasePurpose]', 'fugitive task force');
    await page.fill('#export-form input[name=writtenRequestRef]', 'USMS-26-19');
    await page.fill('#export-form input[name=writtenRequestDate]', new Date().toISOString().slice(0, 10));
    await page.click('#export-form button[type=submit]');
    await page.waitForSelector('#export-form .form-errors li');
    expect(await page.textContent('#export-form .form-errors')).toMatch(/not shared with federal agencies/);

    await page.fill('#export-form input[name=requestingAgency]', 'Sacramento County DA');
    await page.selectOption('#export-form select[name=agencyKind]', 'ca_prosecutor');
    await page.fill('#export-form input[name=requester]', 'Inv. R. Diaz');
    await page.selectOption('#export-form select[name=releasePurposeCategory]', 'prosecution');
    await page.fill('#export-form input[name=releasePurpose]', 'prosecution of SAC-26-0042');
    await page.fill('#export-form input[name=writtenRequestRef]', 'DA-26-117');
    await page.click('#export-form button[type=submit]');
    await page.waitForSelector('#releases tr[data-release]:has-text("Sacramento County DA")');
    // The requesting administrator cannot approve their own request.
    expect(await page.locator('#releases tr[data-release] .approve').count()).toBe(0);
    await shot('11-release-requested');

    // A second administrator approves it, then exports it.
    await page.click('#logout');
    await page.waitForURL(/\/login/);
    await logIn('bea', ADMIN_PW);
    await page.click('nav a[href="/search"]');
    await page.click('#releases tr[data-release]:has-text("Sacramento County DA") .approve');
    await page.waitForSelector('#releases tr[data-release]:has-text("Sacramento County DA") .export[data-format="zip"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#releases .export[data-format="zip"]')]);
    expect(download.suggestedFilename()).toMatch(/\.zip$/);
    const file = join(ARTIFACTS, 'export.zip');
    await download.saveAs(file);
    const names = [...readZip(file).keys()];
    expect(names.filter((n) => n.endsWith('.jpg'))).toHaveLength(4);
    expect(station.store.audit.query({ action: 'release.requested' })[0]).toMatchObject({ user: 'adam', object: 'Sacramento County DA' });
    expect(station.store.audit.query({ action: 'release.approved' })[0]).toMatchObject({ user: 'bea' });
    expect(station.store.audit.query({ action: 'release.exported' })[0]).toMatchObject({ user: 'bea', details: { approvedBy: 'bea', count: 2 } });
    await shot('11-release-exported');
  });

  test('the accounts page lists the accounts with their state', async () => {
    // At 1024 wide the administrator's Audit, Accounts and Oversight are under "More".
    await page.click('header.top .nav-more > summary');
    await page.click('nav a[href="/users"]:visible');
    await page.waitForSelector('tr[data-user="olive"]');
    expect(await page.textContent('tr[data-user="olive"]')).toContain('active');
    await shot('12-accounts');
  });

  test('the audit page lists every access, by name and time; the night theme is readable', async () => {
    await page.click('header.top .nav-more > summary');
    await page.click('nav a[href="/audit"]:visible');
    await page.waitForSelector('#audit-body tr');
    expect(await page.isVisible('#audit-more')).toBe(false);
    const actions = await page.locator('#audit-body tr td:nth-child(4)').allTextContents();
    expect(actions).toEqual(expect.arrayContaining(['login.success', 'shift.acknowledge', 'hit.verify', 'search', 'search.refused', 'image.view']));
    await page.click('#theme-toggle');
    expect(await page.getAttribute('html', 'data-theme')).toBe('night');
    await shot('13-audit-night');
  });
});

test('no page raised a script error', () => {
  expect(pageErrors).toEqual([]);
});
