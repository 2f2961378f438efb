/**
 * The administrator's misread review and release on the Oversight page, in a real browser at
 * 1024x600 and 800x480, on the real store (issue 20): the crop is shown on request, one report is
 * confirmed and one rejected with a reason, and the confirmed one leaves only in the release
 * package downloaded with a reason (corrected text, original read, crop, day).
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readZip } from '../http/zip-reader.js';
import { ARTIFACTS, launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';
import { startStation, type Station } from './station.js';
import { waitForPage } from '../helpers/page.js';

const ADMIN_PW = 'release desk 5150';
let station: Station;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation({ accounts: true });
  await station.addUser('ada', 'administrator', ADMIN_PW);
  await station.addUser('olive', 'operator', 'night shift 2207');
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await station?.close();
});

// Two page loads per decision and a download: longer than the suite's 30 s default under load.
for (const v of VIEWPORTS) {
  test(`${v.width}x${v.height}: the administrator checks the crop, confirms one report and rejects another, and releases the confirmed one with a reason`, async () => {
    const [good, bad] = v.width === 1024 ? ['7TRW815', '6XYZ1O1'] : ['8ABC123', '5LMN0O2'];
    const goodId = await station.read(good, []);
    const badId = await station.read(bad, []);
    const records = station.store.users.records;
    const right = good.slice(0, -1) + '6';
    const c1 = records.addCorrection({ detectionId: goodId, hitId: null, originalText: good, correctedText: right, note: 'last character is a 6 on the crop', reportedBy: 'olive' });
    const c2 = records.addCorrection({ detectionId: badId, hitId: null, originalText: bad, correctedText: bad.replace('O', '0'), note: 'O for 0', reportedBy: 'olive' });
    const { page, context } = await newPage(browser, v, errors);
    try {
      await logIn(page, station.base, 'ada', ADMIN_PW, '/oversight');
      const row1 = page.locator(`#corrections-section tr[data-correction="${c1.id}"]`);
      const row2 = page.locator(`#corrections-section tr[data-correction="${c2.id}"]`);
      expect(await row1.textContent()).toContain('to check');
      // The crop only on request: one audited image view.
      const views = () => station.store.audit.query({ action: 'image.view', user: 'ada' }).filter((r) => r.object === `${goodId}/plate`).length;
      expect(views()).toBe(0);
      await row1.locator('button.show-crop').click();
      await waitForPage(page, `(document.querySelector('tr[data-correction="${c1.id}"] img.crop')?.naturalWidth ?? 0) > 0`, 'the crop loaded');
      expect(views()).toBe(1);
      await page.evaluate(`document.querySelector('tr[data-correction="${c1.id}"]').scrollIntoView({ block: 'center' })`);
      await shot(page, 'misread-review', v, { docs: true });

      await Promise.all([page.waitForEvent('load'), row1.locator('button.confirm-misread').click()]);
      await page.waitForSelector('body[data-ready="true"]');
      page.once('dialog', (d) => void d.accept('the crop reads O, the report is wrong'));
      await Promise.all([page.waitForEvent('load'), row2.locator('button.reject-misread').click()]);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await row1.textContent()).toContain('confirmed');
      expect(await row2.textContent()).toContain('rejected');
      expect(await row1.locator('button.confirm-misread').count()).toBe(0);

      // The release: a reason first; the package downloads and the form says what left.
      const form = page.locator('#misread-release-form');
      expect(await form.locator('button[type=submit]').textContent()).toContain('(1)');
      await form.locator('button[type=submit]').click();
      await form.locator('.field-error[data-field=reason]').waitFor();
      await form.locator('input[name=reason]').fill('OCR fine-tune by the vendor, contract 2026-14');
      const [download] = await Promise.all([page.waitForEvent('download'), form.locator('button[type=submit]').click()]);
      await form.locator('.released').waitFor();
      await page.evaluate(`document.getElementById('misread-release-form').scrollIntoView({ block: 'end' })`);
      await shot(page, 'misread-release', v, { docs: true });
      expect(await form.locator('.released').textContent()).toMatch(/^Released as #\d+: 1 misread\(s\) in alpr-misreads-\d+-mdc-1207-\d{4}-\d\d-\d\d\.zip\.$/);
      const file = join(ARTIFACTS, `misreads-${v.width}.zip`);
      await download.saveAs(file);
      const zip = readZip(file);
      const day = new Date(station.store.detections.get(goodId)!.bestAt).toISOString().slice(0, 10);
      expect(zip.get('ocr/labels.csv')!.toString()).toBe(`split,file,text,region,source,original_text,day\r\ntrain,000001.jpg,${right},us,alpr-edge:misread,${good},${day}\r\n`);
      expect(zip.get('ocr/images/000001.jpg')!.equals(station.store.detections.image(goodId, 'plate')!)).toBe(true);

      const released = station.store.audit.query({ action: 'misreads.released' })[0]!;
      expect(released).toMatchObject({ user: 'ada', details: { reason: 'OCR fine-tune by the vendor, contract 2026-14', correctionIds: [c1.id] } });
      expect(station.store.audit.query({ action: 'read.error.rejected' }).find((r) => r.object === String(c2.id))).toMatchObject({ user: 'ada', details: { note: 'the crop reads O, the report is wrong' } });

      // On the next visit the report shows its release, and nothing waits.
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      expect(await row1.textContent()).toContain(`released (#${released.id})`);
      expect(await form.locator('button[type=submit]').isDisabled()).toBe(true);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(v.width);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
}
