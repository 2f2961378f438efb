/**
 * Confirmed misreads released for model improvement only with the administrator's release
 * (issue 20), on the real store and station: the administrator confirms or rejects each report
 * (once, audited), then releases the confirmed ones as a zip with a reason; the package holds
 * the corrected text, the original read, the crop and the day, and nothing that places the
 * vehicle (no position, no time of day, no detection id, no hit or note).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { USE_ACTIONS } from '../../src/http/auth/account-watch.js';
import type { Login } from './harness.js';
import { startAccountsStation, type AccountsStation } from './accounts-station.js';
import { readZip } from './zip-reader.js';

const T0 = Date.UTC(2026, 5, 1, 16, 42, 17);
let s: AccountsStation;
let adam: Login;
let olive: Login;
const reads: Record<string, string> = {};
const reports: Record<string, number> = {};

async function report(detectionId: string, correctedText: string, note: string): Promise<number> {
  const r = await s.post(olive, `/api/detections/${detectionId}/corrections`, { correctedText, note });
  expect(r.statusCode, r.body).toBe(201);
  return r.json<{ correction: { id: number } }>().correction.id;
}

const decide = (who: Login, id: number, decision: string, note?: string) => s.post(who, `/api/corrections/${id}/decision`, { decision, ...(note ? { note } : {}) });
const release = (who: Login, body: Record<string, unknown>) => s.post(who, '/api/corrections/release', body);

beforeAll(async () => {
  s = await startAccountsStation(T0);
  await s.addUser('adam', 'administrator');
  await s.addUser('olive', 'operator');
  [adam, olive] = [await s.login('adam'), await s.login('olive')];
  reads.eight = await s.read('8ABC123', 3 * 3600_000, { lat: 38.123456, lon: -121.654321 });
  reads.zero = await s.read('5XYZ0O1', 2 * 3600_000);
  reads.gone = await s.read('4LMN777', 3600_000);
  reports.eight = await report(reads.eight, '8ABC128', 'last character is an 8 on the photo; hit on the stolen list was wrong');
  reports.zero = await report(reads.zero, '5XYZ001', 'O read for 0');
  reports.gone = await report(reads.gone, '4LMN771', 'last character');
});
afterAll(async () => {
  await s?.close();
});

test('only an administrator decides, once; each decision is an audit row', async () => {
  expect((await decide(olive, reports.eight!, 'confirmed')).statusCode).toBe(403);
  expect((await release(olive, { reason: 'OCR fine-tune by the vendor' })).statusCode).toBe(403);
  // Nothing confirmed yet: nothing to release.
  const early = await release(adam, { reason: 'OCR fine-tune by the vendor' });
  expect(early.statusCode).toBe(400);
  expect(early.json<{ message: string }>().message).toContain('no confirmed misreads');

  const ok = await decide(adam, reports.eight!, 'confirmed');
  expect(ok.statusCode, ok.body).toBe(200);
  expect(ok.json<{ report: unknown }>().report).toMatchObject({ state: 'confirmed', decidedBy: 'adam', originalText: '8ABC123', correctedText: '8ABC128' });
  expect((await decide(adam, reports.zero!, 'rejected', 'the plate does read 5XYZ0O1')).statusCode).toBe(200);
  expect((await decide(adam, reports.gone!, 'confirmed')).statusCode).toBe(200);
  const twice = await decide(adam, reports.zero!, 'confirmed');
  expect(twice.statusCode).toBe(409);
  expect(twice.json<{ message: string }>().message).toBe(`data error report ${reports.zero} was already rejected by adam`);
  expect((await decide(adam, 999_999, 'confirmed')).statusCode).toBe(404);
  expect(s.store.audit.query({ action: 'read.error.rejected' })[0]).toMatchObject({ user: 'adam', object: String(reports.zero), details: { note: 'the plate does read 5XYZ0O1', correctedText: '5XYZ001' } });
  // The read itself is untouched.
  expect(s.store.detections.get(reads.eight!)!.text).toBe('8ABC123');
});

test('the release needs a reason, holds only confirmed misreads (text, crop, day), and is recorded before it leaves', async () => {
  expect((await release(adam, { reason: 'ok' })).json<{ error: string }>().error).toBe('HTTP_INVALID_INPUT');
  expect((await release(adam, { reason: 'OCR fine-tune', correctionIds: [reports.zero] })).json<{ message: string }>().message).toContain('not confirmed');
  // The crop of one confirmed report is gone (purged): it is left out and counted, not its text.
  const db = new Database(s.store.file);
  try {
    db.prepare('DELETE FROM images WHERE detection_n = (SELECT n FROM detections WHERE id = ?)').run(reads.gone);
  } finally {
    db.close();
  }

  const res = await release(adam, { reason: 'OCR fine-tune by the vendor, contract 2026-14' });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  const releaseId = Number(res.headers['x-audit-id']);
  expect(res.headers['content-disposition']).toBe(`attachment; filename="alpr-misreads-${releaseId}-mdc-1207-2026-06-01.zip"`);
  const file = join(s.dir, 'misreads.zip');
  writeFileSync(file, res.rawPayload);
  const zip = readZip(file);
  expect([...zip.keys()]).toEqual(['README.txt', 'ocr/labels.csv', 'ocr/images/000001.jpg']);
  expect(zip.get('ocr/labels.csv')!.toString()).toBe('split,file,text,region,source,original_text,day\r\ntrain,000001.jpg,8ABC128,us,alpr-edge:misread,8ABC123,2026-06-01\r\n');
  expect(zip.get('ocr/images/000001.jpg')!.equals(s.store.detections.image(reads.eight!, 'plate')!)).toBe(true);
  const readme = zip.get('README.txt')!.toString();
  expect(readme).toContain(`Misread release ${releaseId} from device mdc-1207 (Demo Agency)`);
  expect(readme).toContain('Released by adam on 2026-06-01; reason: OCR fine-tune by the vendor, contract 2026-14');
  expect(readme).toContain('1 confirmed report(s) left out');

  // Nothing that places the vehicle or links to the read, the hit or the reporter.
  const text = [...zip.entries()].filter(([n]) => !n.endsWith('.jpg')).map(([, b]) => b.toString()).join('\n');
  for (const leak of ['38.12', '121.65', reads.eight!, 'T16:', '16:42', 'stolen', 'olive', '4LMN', '5XYZ']) expect(text).not.toContain(leak);
  // Every entry's time is the release day at 00:00 (DOS time 0), in the local and the central headers.
  const raw = res.rawPayload;
  for (let at = raw.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04])); at >= 0; at = raw.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), at + 4)) {
    if (raw.readUInt16LE(at + 8) !== 0 && raw.readUInt16LE(at + 8) !== 8) continue; // not a header: bytes inside a JPEG
    expect(raw.readUInt16LE(at + 10)).toBe(0);
  }

  const row = s.store.audit.get(releaseId)!;
  expect(row).toMatchObject({ action: 'misreads.released', user: 'adam', details: { reason: 'OCR fine-tune by the vendor, contract 2026-14', correctionIds: [reports.eight], count: 1, missing: [reports.gone] } });
  // A release counts as an export for the unusual-use alert.
  expect(USE_ACTIONS.exports).toContain('misreads.released');

  // Released once: the next release has nothing waiting; a named report can be released again, on record.
  expect((await release(adam, { reason: 'OCR fine-tune by the vendor, again' })).statusCode).toBe(400);
  const again = await release(adam, { reason: 'OCR fine-tune by the vendor, second copy', correctionIds: [reports.eight] });
  expect(again.statusCode).toBe(200);
  const view = (await s.get(adam, '/api/oversight')).json<{ misreads: { reports: { id: number; state: string; releasedIn: number[] }[]; releasable: number; releases: unknown[] } }>().misreads;
  expect(view.reports.find((r) => r.id === reports.eight)).toMatchObject({ state: 'confirmed', releasedIn: [releaseId, Number(again.headers['x-audit-id'])] });
  expect(view.reports.find((r) => r.id === reports.zero)).toMatchObject({ state: 'rejected', releasedIn: [] });
  // The report whose crop was purged was left out once, on record, and no longer waits.
  expect(view.reports.find((r) => r.id === reports.gone)).toMatchObject({ state: 'confirmed', releasedIn: [], leftOutIn: [releaseId] });
  expect(view.releasable).toBe(0);
  expect(view.releases).toHaveLength(2);
});
