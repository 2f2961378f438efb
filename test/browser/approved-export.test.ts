/**
 * A release (export) for a purpose off the agency's list, in a real browser at 1024x600 and
 * 800x480, on the real store (issue 20): the administrator's release request is refused until a
 * supervisor approves the export; the page asks, the supervisor first refuses (with a reason the
 * page shows), then approves a second request; the page sends the release request with the
 * approval, a second administrator approves the release, and the requester exports it once.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';
import { waitForPage } from '../helpers/page.js';

const ADMIN_PW = 'release desk 5150';
const SUP_PW = 'watch desk 4411';
const OFF_LIST = 'civil process service';
let station: Station;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation({ accounts: true });
  await station.addUser('adam', 'administrator', ADMIN_PW);
  await station.addUser('bob', 'administrator', ADMIN_PW);
  // The supervisor is an officer with the supervisor right, not an administrator.
  await station.addUser('sam', 'operator', SUP_PW);
  station.store.users.records.setSupervisor('sam', true);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await station?.close();
});

const text = async (page: Page, selector: string): Promise<string> => (await page.textContent(selector)) ?? '';
const fits = (page: Page): Promise<number> => page.evaluate<number>('document.documentElement.scrollWidth');

/** The supervisor's queue on the search page, reloaded until the row of `caseNumber` and `use` shows. */
async function queueRow(page: Page, caseNumber: string, use: string) {
  await page.goto(`${station.base}/search`);
  await page.waitForSelector('body[data-ready="true"]');
  const row = page.locator(`#approval-queue tr:has-text("${caseNumber}"):has-text("${use}")`);
  await row.waitFor();
  return row;
}

// Several accounts' pages and the requester's page polling for the answer (every 3 s): longer than the suite's 30 s default under load.
for (const v of VIEWPORTS) {
  test(`${v.width}x${v.height}: an off-list export waits for a supervisor (refused once, then approved), then runs once, by its requester`, async () => {
    const caseNumber = `SAC-26-${v.width}`;
    const plate = v.width === 1024 ? '7TRW815' : '8TRW816';
    await station.read(plate, []);
    const admin = await newPage(browser, v, errors);
    const sup = await newPage(browser, v, errors);
    const second = await newPage(browser, v, errors);
    try {
      const page = admin.page;
      await logIn(page, station.base, 'adam', ADMIN_PW, '/search');
      await logIn(sup.page, station.base, 'sam', SUP_PW, '/search');
      // The search itself is off the list: its own approval first (the officer's flow, tested in officer-reports).
      await page.fill('#search-form input[name=caseNumber]', caseNumber);
      await page.selectOption('#search-form select[name=purposeCategory]', '*other');
      await page.fill('#search-form input[name=otherPurpose]', OFF_LIST);
      await page.fill('#search-form input[name=purpose]', 'serve the court order on the registered owner');
      await page.fill('#search-form input[name=plate]', plate);
      await page.click('#search-form button[type=submit]');
      await page.click('#approval-panel .ask-supervisor');
      await (await queueRow(sup.page, caseNumber, 'search')).locator('button.approve-use').click();
      await page.waitForSelector('#search-results:not([hidden]) tbody tr');

      // The release request: refused for the off-list purpose, with "Ask a supervisor" under the form.
      const form = page.locator('#export-form');
      await form.locator('input[name=requestingAgency]').fill('Sacramento County Sheriff');
      await form.locator('select[name=agencyKind]').selectOption('ca_law_enforcement');
      await form.locator('input[name=requester]').fill('Deputy R. Lee');
      await form.locator('select[name=releasePurposeCategory]').selectOption('criminal investigation');
      await form.locator('input[name=releasePurpose]').fill('locate the vehicle named in the order');
      await form.locator('input[name=writtenRequestRef]').fill('SCSO-2026-118');
      await form.locator('input[name=writtenRequestDate]').fill('2026-05-30');
      await form.locator('button[type=submit]').click();
      const panel = page.locator('#export-form + .approval-panel');
      await panel.locator('.ask-supervisor').waitFor();
      expect(await panel.textContent()).toContain('approve this export');
      expect(station.store.audit.query({ action: 'release.requested' }).filter((r) => r.caseNumber === caseNumber)).toEqual([]);
      await panel.locator('.ask-supervisor').click();
      await waitForPage(page, `(document.querySelector('#export-form + .approval-panel .approval-state')?.textContent ?? '').includes('waiting for a supervisor')`, 'waiting for the export approval');
      await panel.scrollIntoViewIfNeeded();
      await shot(page, 'approved-export-request', v, { docs: true });

      // The supervisor refuses it first, with a reason: the administrator's page says so.
      let row = await queueRow(sup.page, caseNumber, 'export');
      expect(await row.textContent()).toContain('adam');
      expect(await fits(sup.page)).toBeLessThanOrEqual(v.width);
      await sup.page.locator('#approval-queue').scrollIntoViewIfNeeded();
      await shot(sup.page, 'approved-export-queue', v, { docs: true });
      sup.page.once('dialog', (d) => void d.accept('ask the court for the registered owner instead'));
      await row.locator('button.decline-use').click();
      await row.waitFor({ state: 'detached' });
      await waitForPage(page, `(document.querySelector('#export-form + .approval-panel .approval-state')?.textContent ?? '').includes('Refused by sam')`, 'the refusal on the page');
      expect(await text(page, '#export-form + .approval-panel')).toContain('ask the court for the registered owner instead');

      // Asked again; approved this time: the page sends the release request with the approval.
      await panel.locator('.ask-supervisor').click();
      row = await queueRow(sup.page, caseNumber, 'export');
      await row.locator('button.approve-use').click();
      await row.waitFor({ state: 'detached' });
      await waitForPage(page, `(document.querySelector('#export-form + .approval-panel')?.textContent ?? '').includes('Release requested on approval')`, 'the release request sent');
      const request = station.store.audit.query({ action: 'release.requested' }).find((r) => r.caseNumber === caseNumber)!;
      const approvalId = (request.details as { approvalId: number }).approvalId;
      expect(request.details).toMatchObject({ approvedBy: 'sam', purposeCategory: OFF_LIST });
      const mine = page.locator(`#releases tr[data-release="${request.id}"]`);
      await mine.waitFor();
      expect(await mine.textContent()).toContain(`approval ${approvalId} (sam)`);

      // A second administrator approves the release; the export buttons are the requester's only.
      await logIn(second.page, station.base, 'bob', ADMIN_PW, '/search');
      const bobRow = second.page.locator(`#releases tr[data-release="${request.id}"]`);
      await bobRow.locator('button.approve').click();
      await bobRow.locator('.pill-green').waitFor();
      expect(await bobRow.locator('button.export').count()).toBe(0);

      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      const [download] = await Promise.all([page.waitForEvent('download'), mine.locator('button.export[data-format=csv]').click()]);
      const csv = readFileSync(await download.path(), 'utf8');
      expect(csv.split('\r\n').filter(Boolean)).toHaveLength(2);
      expect(csv).toContain(plate);
      // Once: the row now says exported and offers no second export.
      await mine.locator('.pill:has-text("exported")').waitFor();
      expect(await mine.locator('button.export').count()).toBe(0);
      await mine.scrollIntoViewIfNeeded();
      expect(await fits(page)).toBeLessThanOrEqual(v.width);
      await shot(page, 'approved-export-releases', v, { docs: true });

      // The administrators' record of it on Oversight: the refused request with its reason, the used approval.
      await second.page.goto(`${station.base}/oversight`);
      await second.page.waitForSelector('body[data-ready="true"]');
      const onOversight = second.page.locator(`#approvals-section tr[data-approval="${approvalId}"]`);
      expect(await onOversight.textContent()).toContain('used');
      const refusedRow = second.page.locator(`#approvals-section tr:has-text("${caseNumber}"):has-text("declined")`);
      expect(await refusedRow.textContent()).toContain('sam: ask the court for the registered owner instead');
      expect(await second.page.locator('#approvals-section button.approve-use').count()).toBe(0);
      expect(await fits(second.page)).toBeLessThanOrEqual(v.width);
      // The section's heading below the sticky header and the sound banner.
      await second.page.evaluate(`scrollTo(0, document.getElementById('approvals-section').getBoundingClientRect().top + scrollY - 130)`);
      await shot(second.page, 'approved-export-oversight', v, { docs: true });

      const exported = station.store.audit.query({ action: 'release.exported' }).filter((r) => r.object === String(request.id));
      expect(exported.map((r) => [r.user, (r.details as { approvalId: number }).approvalId, (r.details as { supervisor: string }).supervisor])).toEqual([['adam', approvalId, 'sam']]);
      const declined = station.store.audit.query({ action: 'use.approval.declined' }).filter((r) => r.caseNumber === caseNumber);
      expect(declined.map((r) => [r.user, (r.details as { reason: string }).reason])).toEqual([['sam', 'ask the court for the registered owner instead']]);
      expect(errors).toEqual([]);
    } finally {
      await admin.context.close();
      await sup.context.close();
      await second.context.close();
    }
  }, 90_000);
}
