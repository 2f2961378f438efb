/**
 * The officer's side of issue 20 in a real browser at 1024x600, on the real store and detection
 * sink: "Report misread" on a search result stores the correction beside the read and leaves the
 * read as it was; a search for a purpose off the agency's list is refused until the officer asks a
 * supervisor from the page and a second account with the supervisor right approves it, after which
 * the page runs the search again with the approval.
 */
import type { Browser, Page } from 'playwright-core';
import type { HotlistHit } from '../../src/hotlist/types.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, logIn, newPage } from './browser.js';
import { startStation, type Station } from './station.js';
import { waitForPage } from '../helpers/page.js';

const VIEWPORT = { width: 1024, height: 600 } as const;
const PW = 'night shift 2207';
const SUP_PW = 'watch desk 4411';
const ADMIN_PW = 'release desk 5150';
let station: Station;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation({ accounts: true });
  await station.addUser('olive', 'operator', PW);
  await station.addUser('sam', 'operator', SUP_PW);
  station.store.users.records.setSupervisor('sam', true);
  await station.addUser('ada', 'administrator', ADMIN_PW);
  station.store.users.records.setSupervisor('ada', true);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await station?.close();
});

async function search(page: Page, plate: string, purposeCategory: string, other?: string): Promise<void> {
  await page.fill('#search-form input[name=caseNumber]', 'SAC-26-0107');
  await page.selectOption('#search-form select[name=purposeCategory]', purposeCategory);
  if (other !== undefined) await page.fill('#search-form input[name=otherPurpose]', other);
  await page.fill('#search-form input[name=purpose]', 'vehicle seen near the burglary on 5th');
  await page.fill('#search-form input[name=plate]', plate);
  await page.click('#search-form button[type=submit]');
}

test('a misread reported from the search results is stored beside the read, which stays unchanged; field errors are shown in words', async () => {
  const id = await station.read('7TRW815', []);
  const { page, context } = await newPage(browser, VIEWPORT, errors);
  try {
    await logIn(page, station.base, 'olive', PW, '/search');
    await search(page, '7TRW815', 'criminal investigation');
    await page.click(`#search-results tr[data-detection="${id}"] button.misread`);
    const form = page.locator('#misread-form');
    await form.waitFor();
    expect(await form.locator('.misread-original').textContent()).toBe('7TRW815');
    // Nothing filled in: each field says what it needs, and nothing is stored.
    await form.locator('button[type=submit]').click();
    await form.locator('.field-error[data-field=correctedText]').waitFor();
    expect(await form.locator('.field-error[data-field=note]').textContent()).toContain('Say what is wrong');
    // Text the server refuses (not a plate): its message beside the field.
    await form.locator('input[name=correctedText]').fill('7-TRW 8!5');
    await form.locator('textarea[name=note]').fill('the 1 is a T, seen on the crop');
    await form.locator('button[type=submit]').click();
    await form.locator('.field-error[data-field=correctedText]').waitFor();
    expect(await form.locator('.field-error[data-field=correctedText]').textContent()).toContain('Letters and digits only');
    expect(station.store.users.records.corrections({ detectionId: id })).toEqual([]);

    await form.locator('input[name=correctedText]').fill('7trw8i5');
    await form.locator('button[type=submit]').click();
    await waitForPage(page, `(document.querySelector('#misread-form .misread-done')?.textContent ?? '').includes('Report stored')`, 'report stored');
    expect(await form.locator('.misread-done').textContent()).toContain('The original read is unchanged');
    // The form fits the MDC's screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(VIEWPORT.width);

    const stored = station.store.users.records.corrections({ detectionId: id });
    expect(stored.map((c) => [c.originalText, c.correctedText, c.reportedBy])).toEqual([['7TRW815', '7TRW8I5', 'olive']]);
    expect(station.store.detections.get(id)?.text).toBe('7TRW815');
    expect(station.store.audit.query({ action: 'read.error.reported' }).map((r) => [r.user, r.object])).toEqual([['olive', id]]);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

test('an off-list purpose is refused without approval; the officer asks a supervisor, who approves it on the page; the search then runs with the approval', async () => {
  await station.read('4ABC123', []);
  const officer = await newPage(browser, VIEWPORT, errors);
  const supervisor = await newPage(browser, VIEWPORT, errors);
  try {
    const page = officer.page;
    await logIn(page, station.base, 'olive', PW, '/search');
    expect(await page.isVisible('#search-form input[name=otherPurpose]')).toBe(false);
    await search(page, '4ABC*', '*other', 'civil standby request');
    await page.waitForSelector('#approval-panel:not([hidden]) .ask-supervisor');
    expect(await page.textContent('#approval-panel')).toContain('not on the agency\'s list');
    expect(await page.isVisible('#search-results')).toBe(false);
    expect(station.store.audit.query({ action: 'search.refused' })).toHaveLength(1);
    expect(station.store.audit.query({ action: 'search' })).toHaveLength(1); // the first test's search only

    await page.click('#approval-panel .ask-supervisor');
    await waitForPage(page, `(document.querySelector('#approval-panel .approval-state')?.textContent ?? '').includes('waiting for a supervisor')`, 'waiting for a supervisor');

    // The supervisor sees the request on the search page and approves it.
    await logIn(supervisor.page, station.base, 'sam', SUP_PW, '/search');
    const row = supervisor.page.locator('#approval-queue tr:has-text("SAC-26-0107")');
    await row.waitFor();
    expect(await row.textContent()).toContain('olive');
    expect(await row.textContent()).toContain('civil standby request');
    await row.locator('button.approve-use').click();
    await supervisor.page.waitForSelector('#approval-queue tr:has-text("SAC-26-0107")', { state: 'detached' });

    // The officer's page notices the approval and runs the search with it.
    await page.waitForSelector('#search-results:not([hidden]) tbody tr');
    expect(await page.textContent('#approval-panel')).toContain('approval');
    const searches = station.store.audit.query({ action: 'search' });
    const last = searches.find((r) => (r.details as { approvalId?: number }).approvalId !== undefined);
    expect(last?.user).toBe('olive');
    expect((last?.details as { approvedBy?: string }).approvedBy).toBe('sam');
    expect(errors).toEqual([]);
  } finally {
    await officer.context.close();
    await supervisor.context.close();
  }
});

test('an administrator with the supervisor right approves a waiting use on the Oversight page', async () => {
  const officer = await newPage(browser, VIEWPORT, errors);
  const admin = await newPage(browser, VIEWPORT, errors);
  try {
    const page = officer.page;
    await logIn(page, station.base, 'olive', PW, '/search');
    await search(page, '4ABC*', '*other', 'records check for court');
    await page.click('#approval-panel .ask-supervisor');
    await waitForPage(page, `(document.querySelector('#approval-panel .approval-state')?.textContent ?? '').includes('waiting for a supervisor')`, 'waiting for a supervisor');

    await logIn(admin.page, station.base, 'ada', ADMIN_PW, '/oversight');
    const row = admin.page.locator('#approvals-section tr:has(button.approve-use)');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('olive');
    await Promise.all([admin.page.waitForEvent('load'), row.locator('button.approve-use').click()]);
    await admin.page.waitForSelector('body[data-ready="true"]');
    expect(await admin.page.locator('#approvals-section button.approve-use').count()).toBe(0);
    expect(await admin.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(VIEWPORT.width);

    await page.waitForSelector('#search-results:not([hidden]) tbody tr');
    const granted = station.store.audit.query({ action: 'search' }).filter((r) => (r.details as { approvedBy?: string }).approvedBy === 'ada');
    expect(granted.map((r) => r.user)).toEqual(['olive']);
    expect(errors).toEqual([]);
  } finally {
    await officer.context.close();
    await admin.context.close();
  }
});

test('a misread reported from the hits list is stored with its hit; the hit and its read stay as they were', async () => {
  const stolen: HotlistHit = {
    entry: { id: 'central:1', plate: '6XYZ101', state: 'CA', list: 'stolen_vehicle', priority: 1, reason: 'stolen 2026-05-30, Sacramento', caseNumber: 'SAC-26-0042', informational: false, expiresAt: Date.UTC(2099, 0, 1) },
    generation: 'g-2026-06-01T06', kind: 'confusion', readText: '6XYZ1O1', explanation: 'O read as 0', retroactive: false,
  };
  const id = await station.read('6XYZ1O1', [stolen]);
  const { page, context } = await newPage(browser, VIEWPORT, errors);
  try {
    await logIn(page, station.base, 'olive', PW, '/hits');
    await page.waitForSelector('#hits-body tr:has-text("6XYZ1O1")');
    // The pop-up for the hit, if the page alerts it, is put aside first (the list is behind it).
    await page.waitForSelector('body[data-caught-up="true"]');
    if (await page.isVisible('#hit-alert')) {
      await page.click('#hit-later');
      await page.waitForSelector('#hit-alert', { state: 'hidden' });
    }
    await page.click('#hits-body tr:has-text("6XYZ1O1") button.misread');
    const form = page.locator('#misread-form');
    await form.waitFor();
    await form.locator('input[name=correctedText]').fill('6XYZ1Q1');
    await form.locator('textarea[name=note]').fill('Q, not O: the tail is visible on the crop');
    await form.locator('button[type=submit]').click();
    await waitForPage(page, `(document.querySelector('#misread-form .misread-done')?.textContent ?? '').includes('Report stored')`, 'report stored');
    const hit = station.store.hits.list({ limit: 10 }).find((h) => h.detectionId === id);
    const stored = station.store.users.records.corrections({ detectionId: id });
    expect(stored.map((c) => [c.originalText, c.correctedText, c.hitId])).toEqual([['6XYZ1O1', '6XYZ1Q1', hit?.id]]);
    // Reporting a misread is not the hit's verification: that stays the officer's own step.
    expect(hit?.outcome ?? null).toBeNull();
    expect(station.store.detections.get(id)?.text).toBe('6XYZ1O1');
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
