/**
 * The quarterly audit (issue 15) in Chromium at 1024x600 and 800x480: the administrator opens it
 * from Oversight, reads the last full quarter per account and the searches to review with no
 * plate text and no sideways page scroll, prints it (the station's frame left off the paper),
 * follows a listed search into its audit record (where the plate is), and picks a custom range.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { PASSWORD } from '../http/harness.js';
import { auditReviewStation, SEEDED_PLATES, type ReviewStation } from '../http/audit-review-station.js';

let s: ReviewStation;
let base: string;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  s = await auditReviewStation();
  base = await s.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe.each(VIEWPORTS)('quarterly audit at %o', (viewport) => {
  let context: BrowserContext;
  let page: Page;
  afterAll(async () => {
    await context?.close();
  });

  test('from Oversight to the report, printed, into an audit record and to a custom range', async () => {
    ({ context, page } = await newPage(browser, viewport, errors));
    await logIn(page, base, 'adam', PASSWORD, '/oversight');
    await page.click('#audit-review-link');
    await page.waitForURL(`${base}/audit-review`);
    await page.waitForSelector('body[data-ready="true"]');

    expect(await page.textContent('#review-label')).toBe('2026 Q3 (Jul 1, 2026 – Sep 30, 2026)');
    const cells = async (account: string) => (await page.locator(`#review-accounts tr[data-account="${account}"] td`).allTextContents()).map((c) => c.trim()).join('|');
    // Searches, cases, thin, no result, refused, views, look-ups, exports, releases, approvals asked / given, unusual use.
    expect(await cells('oscar')).toBe('oscarOscar Example|operator|4|4|4|1|1|0|1|0|0|1 / 0|1|Audit rows');
    expect(await page.locator('#review-flagged tbody tr').count()).toBe(4);
    expect(await page.textContent(`#review-flagged tr[data-audit="${s.ids.short}"]`)).toMatch(/check •••••••.*short purpose/s);
    expect(await page.textContent('#review-criteria')).toMatch(/olive\s*full plate ref [0-9a-f]{6}\s*3/);
    const text = (await page.textContent('main')) ?? '';
    for (const p of SEEDED_PLATES) expect(text).not.toContain(p);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await page.isVisible('#review-print')).toBe(true);
    await shot(page, 'audit-review', viewport, { docs: true });

    // On paper: no header, strip or form; every table whole.
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('header.top')).toBe(false);
    expect(await page.isVisible('#review-period')).toBe(false);
    expect(await page.isVisible('#review-accounts table')).toBe(true);
    await shot(page, 'audit-review-print', viewport, { docs: viewport.width === 1024 });
    await page.emulateMedia({ media: 'screen' });

    // The record behind a listed search: the audit log filtered to it, with the plate.
    await page.click(`#review-flagged tr[data-audit="${s.ids.short}"] a`);
    await page.waitForURL(/\/audit\?user=oscar&action=search&from=\d+&to=\d+$/);
    await page.waitForSelector(`#audit-body tr[data-audit="${s.ids.short}"]`);
    expect(await page.locator('#audit-body tr').count()).toBe(1);
    expect(await page.textContent('#audit-body')).toContain('7ABC123');
    expect(await page.isVisible('#audit-linked')).toBe(true);

    // A custom range.
    await page.goBack();
    await page.waitForSelector('#review-period');
    await page.fill('#review-period input[name=from]', '2026-09-01');
    await page.fill('#review-period input[name=to]', '2026-10-31');
    await page.click('#review-period button[type=submit]');
    await page.waitForSelector('#review-label:text("Sep 1, 2026 – Oct 31, 2026")');
    expect(page.url()).toBe(`${base}/audit-review?from=2026-09-01&to=2026-10-31`);
    expect(await cells('oscar')).toMatch(/^oscarOscar Example\|operator\|2\|2\|2\|1\|1\|/);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    const reviews = s.t.store.audit.query({ action: 'audit.review', user: 'adam', limit: 10 });
    expect(reviews.map((r) => (r.details as { period: string }).period).slice(0, 2)).toEqual(['Sep 1, 2026 – Oct 31, 2026', '2026-Q3']);
    expect(errors).toEqual([]);
  });
});
