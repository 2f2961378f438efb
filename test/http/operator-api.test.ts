import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addUser, auth, login, makeHarness, type Harness, type Login } from './harness.js';
import { detection, hit, seed } from './fixtures.js';
import { readZip } from './zip-reader.js';
import { tempDir } from '../helpers/temp-dir.js';

let h: Harness;
let olive: Login;
let adam: Login;
const tmp = tempDir('alpr-http-');

const ids = (n: number) => `01890f3e-1c2d-7abc-8def-${String(n).padStart(12, '0')}`;

beforeAll(async () => {
  h = await makeHarness();
  await addUser(h, 'olive', 'operator');
  await addUser(h, 'adam', 'administrator');
  olive = await login(h.app, 'olive');
  adam = await login(h.app, 'adam');
  await seed(h.detections, [
    detection({ id: ids(1), text: '7TRW815', bestAt: Date.UTC(2026, 5, 1, 7), cameraId: 'front' }),
    detection({ id: ids(2), text: '7TRW816', bestAt: Date.UTC(2026, 5, 1, 6), cameraId: 'rear', lat: 40.0, lon: -120.0 }),
    detection({ id: ids(3), text: '=CMD1', bestAt: Date.UTC(2026, 5, 1, 5), cameraId: 'front' }),
    detection({ id: ids(4), text: 'BRA2E19', bestAt: Date.UTC(2026, 4, 1, 5), cameraId: 'front' }),
  ]);
});
afterAll(async () => {
  await h.app.close();
});

const post = (l: Login, url: string, payload: unknown) => h.app.inject({ method: 'POST', url, headers: auth(l), payload: payload as object });

const WHY = { caseNumber: 'SAC-26-0042', purposeCategory: 'criminal investigation', purpose: 'locate witness' };
const HOUR = 3600_000;

describe('search', () => {
  test.each([
    [{}, ['caseNumber', 'purposeCategory', 'purpose']],
    [{ purposeCategory: 'stolen vehicle', purpose: 'locate witness' }, ['caseNumber']],
    [{ caseNumber: 'SAC-26-0042', purposeCategory: 'stolen vehicle' }, ['purpose']],
    [{ caseNumber: 'SAC-26-0042', purpose: 'locate witness' }, ['purposeCategory']],
    [{ caseNumber: 'SAC-26-0042', purposeCategory: 'curiosity', purpose: 'locate witness' }, ['purposeCategory']],
    [{ caseNumber: '  ', purposeCategory: 'stolen vehicle', purpose: 'locate witness' }, ['caseNumber']],
    // The bulk export of issue 16 item 6 used the case number "."; a zero-width space passed too.
    [{ caseNumber: '.', purposeCategory: 'stolen vehicle', purpose: 'locate witness' }, ['caseNumber']],
    [{ caseNumber: '\u200b', purposeCategory: 'stolen vehicle', purpose: 'locate witness' }, ['caseNumber']],
    [{ caseNumber: 'SAC\u200b-26-1', purposeCategory: 'stolen vehicle', purpose: 'locate witness' }, ['caseNumber']],
    [{ caseNumber: 'SAC-26-0042', purposeCategory: 'stolen vehicle', purpose: '. .' }, ['purpose']],
  ])('is refused without a valid case number and a purpose from the list with text: %j', async (body, fields) => {
    const res = await post(olive, '/api/search', { plate: '7TRW*', ...body });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'HTTP_PURPOSE_REQUIRED' });
    expect(res.json().fields.map((f: { field: string }) => f.field)).toEqual(fields);
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'search.refused', user: 'olive' });
  });

  test('with both, finds wildcard matches and records who searched, the case number and the purpose', async () => {
    const res = await post(olive, '/api/search', { ...WHY, plate: '7trw-81?' });
    expect(res.statusCode).toBe(200);
    expect(res.json().results.map((d: { text: string }) => d.text)).toEqual(['7TRW815', '7TRW816']);
    expect(h.audit.rows.at(-1)).toMatchObject({
      action: 'search',
      user: 'olive',
      caseNumber: 'SAC-26-0042',
      purpose: 'criminal investigation: locate witness',
      details: { query: { plate: '7TRW81?' }, purposeCategory: 'criminal investigation' },
    });
  });

  test('the form gets the purposes and limits to offer', async () => {
    const res = await h.app.inject({ url: '/api/search/options', headers: auth(olive) });
    expect(res.json()).toMatchObject({ purposes: expect.arrayContaining(['criminal investigation', 'stolen vehicle']), maxWindowH: 72, plateMinKnown: 3 });
  });

  test.each([
    [{ cameraId: 'rear', from: Date.UTC(2026, 5, 1, 5), to: Date.UTC(2026, 5, 1, 7) }, ['7TRW816']],
    [{ cameraId: 'front', from: Date.UTC(2026, 5, 1, 5, 30), to: Date.UTC(2026, 5, 1, 7, 30) }, ['7TRW815']],
    [{ minLat: 39.5, maxLat: 40.5, minLon: -120.5, maxLon: -119.5, from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 1, 8) }, ['7TRW816']],
  ])('filters by place and a time window: %j', async (q, texts) => {
    const res = await post(olive, '/api/search', { ...WHY, ...q });
    expect(res.statusCode).toBe(200);
    expect(res.json().results.map((d: { text: string }) => d.text)).toEqual(texts);
  });

  test.each([
    [{}, 'plate'],
    [{ from: 0, to: Date.UTC(2030, 0, 1) }, 'plate'],
    [{ cameraId: 'front' }, 'plate'],
    [{ cameraId: 'front', from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 5, 1) }, 'to'],
    [{ plate: '7**' }, 'plate'],
  ])('a search that would be a bulk export is refused (bug: no criteria dumped every detection): %j', async (q, field) => {
    const res = await post(olive, '/api/search', { ...WHY, ...q });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields[0].field).toBe(field);
  });

  test('results are capped and paged', async () => {
    const first = await post(olive, '/api/search', { ...WHY, plate: '7TRW*', limit: 1 });
    expect(first.json()).toMatchObject({ limit: 1, offset: 0, hasMore: true, nextOffset: 1 });
    expect(first.json().results).toHaveLength(1);
    const second = await post(olive, '/api/search', { ...WHY, plate: '7TRW*', limit: 1, offset: 1 });
    expect(second.json()).toMatchObject({ hasMore: false, nextOffset: null });
    expect(second.json().results[0].id).not.toBe(first.json().results[0].id);
  });

  test.each([[1e20], [2 ** 53], [5000]])('a huge offset is a 400, not a 500 (issue 16 item 18): %d', async (offset) => {
    const res = await post(olive, '/api/search', { ...WHY, plate: '7TRW*', offset });
    expect(res.statusCode).toBe(400);
  });

  test('regression: null criteria sent by the page (empty date fields) do not become 0 and empty the result', async () => {
    const res = await post(olive, '/api/search', { ...WHY, plate: '7TRW*', from: null, to: null, cameraId: null, minLat: null, maxLat: null, minLon: null, maxLon: null });
    expect(res.json().results).toHaveLength(2);
  });

  test.each([
    [{ plate: '7T%' }, 'plate'],
    [{ plate: '*?' }, 'plate'],
    [{ plate: '7TRW*', minLat: 1 }, 'minLat'],
    [{ plate: '7TRW*', from: 10, to: 5 }, 'to'],
  ])('rejects malformed criteria %j', async (q, field) => {
    const res = await post(olive, '/api/search', { ...WHY, ...q });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields[0].field).toBe(field);
  });
});

describe('the Reads page shows the current shift only', () => {
  test('reads older than http.reads_shift_h are not listed; since narrows, never widens', async () => {
    const res = await h.app.inject({ url: '/api/reads/recent', headers: auth(olive) });
    const texts = res.json().reads.map((d: { text: string }) => d.text);
    // The clock is 2026-06-01 08:00; the shift is 12 h: BRA2E19 (a month old) is not shown.
    expect(texts).toContain('7TRW815');
    expect(texts).not.toContain('BRA2E19');
    const wider = await h.app.inject({ url: '/api/reads/recent?since=0', headers: auth(olive) });
    expect(wider.json().reads.map((d: { text: string }) => d.text)).not.toContain('BRA2E19');
    const narrow = await h.app.inject({ url: `/api/reads/recent?since=${h.clock.now() - 1.5 * HOUR}`, headers: auth(olive) });
    expect(narrow.json().reads.map((d: { text: string }) => d.text)).toEqual(['7TRW815']);
  });
});

describe('views are audited before the data leaves', () => {
  test('a detection, its images and the live list each write a row', async () => {
    const before = h.audit.rows.length;
    expect((await h.app.inject({ url: `/api/detections/${ids(1)}`, headers: auth(olive) })).statusCode).toBe(200);
    const img = await h.app.inject({ url: `/api/detections/${ids(1)}/plate.jpg`, headers: auth(olive) });
    expect(img.headers['content-type']).toBe('image/jpeg');
    expect(img.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect((await h.app.inject({ url: '/api/reads/recent', headers: auth(olive) })).statusCode).toBe(200);
    expect(h.audit.rows.slice(before).map((r) => [r.action, r.object])).toEqual([
      ['detection.view', ids(1)],
      ['image.view', `${ids(1)}/plate`],
      ['reads.live', null],
    ]);
  });

  test('when the audit log cannot be written, nothing is shown (503)', async () => {
    h.audit.failing = true;
    try {
      const res = await h.app.inject({ url: `/api/detections/${ids(1)}/plate.jpg`, headers: auth(olive) });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: 'HTTP_AUDIT_UNAVAILABLE' });
      expect(res.headers['content-type']).not.toContain('image');
    } finally {
      h.audit.failing = false;
    }
  });
});

describe('evidence hold', () => {
  test('an administrator sets it with a reason, recorded; an operator may not', async () => {
    expect((await post(olive, `/api/detections/${ids(2)}/hold`, { hold: true, reason: 'court order 26-117' })).statusCode).toBe(403);
    expect((await post(adam, `/api/detections/${ids(2)}/hold`, { hold: true, reason: '' })).statusCode).toBe(400);
    expect((await post(adam, `/api/detections/${ids(2)}/hold`, { hold: true, reason: 'court order 26-117' })).statusCode).toBe(200);
    expect(h.detections.get(ids(2))?.evidenceHold).toBe(true);
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'evidence.hold', user: 'adam', object: ids(2), purpose: 'court order 26-117' });
  });
});

describe('hits', () => {
  test('verification records the outcome with the session user and the time, never the form', async () => {
    const d = h.detections.get(ids(1))!;
    const rec = hit(h.hits, d);
    const res = await post(olive, `/api/hits/${rec.id}/verify`, { outcome: 'confirmed', note: ' plate and car match ', verifiedBy: 'someone-else' });
    expect(res.statusCode).toBe(200);
    expect(h.hits.get(rec.id)).toMatchObject({ outcome: 'confirmed', verifiedBy: 'olive', verifiedAt: h.clock.now(), note: 'plate and car match' });
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hit.verify', user: 'olive', object: String(rec.id), details: { outcome: 'confirmed' } });
  });

  test('a second verification is refused and recorded as refused, not as a verification (issue 16 item 17)', async () => {
    const rec = hit(h.hits, h.detections.get(ids(1))!);
    expect((await post(olive, `/api/hits/${rec.id}/verify`, { outcome: 'confirmed' })).statusCode).toBe(200);
    const again = await post(adam, `/api/hits/${rec.id}/verify`, { outcome: 'misread', note: 'no' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'HTTP_HIT_ALREADY_VERIFIED' });
    expect(h.hits.get(rec.id)).toMatchObject({ outcome: 'confirmed', verifiedBy: 'olive' });
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hit.verify.refused', user: 'adam', object: String(rec.id), details: { outcome: 'misread', existing: 'confirmed' } });
  });

  test.each([['maybe'], [''], [null]])('an outcome outside confirmed/misread/not_vehicle (%j) is refused', async (outcome) => {
    const rec = hit(h.hits, h.detections.get(ids(2))!);
    expect((await post(olive, `/api/hits/${rec.id}/verify`, { outcome })).statusCode).toBe(400);
    expect(h.hits.get(rec.id)?.outcome).toBeNull();
  });

  test('the hit view carries the entry, the explanation and both image links', async () => {
    const rec = hit(h.hits, h.detections.get(ids(2))!, { kind: 'confusion', explanation: 'O read as 0' });
    const res = await h.app.inject({ url: `/api/hits/${rec.id}`, headers: auth(olive) });
    expect(res.json()).toMatchObject({
      hit: { explanation: 'O read as 0', entry: { list: 'stolen vehicle' } },
      images: { plate: `/api/detections/${ids(2)}/plate.jpg`, overview: `/api/detections/${ids(2)}/overview.jpg` },
    });
  });
});

describe('hot plate entry', () => {
  const valid = {
    plate: '6gu?47*', state: 'ca', list: 'felony vehicle', priority: 2, reason: 'armed robbery suspect vehicle', caseNumber: 'SAC-26-0099', subjectXref: null,
    officerName: 'Olive Officer', officerContact: 'x4411', alsoInNcic: false,
  };

  test('the policy errors of the hot list come back field by field', async () => {
    const res = await post(olive, '/api/hotlist/local', { ...valid, caseNumber: '', reason: '', expiresAt: h.clock.now() + 40 * 86400_000 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('HTTP_HOTLIST_REFUSED');
    expect(res.json().fields.map((f: { field: string }) => f.field).sort()).toEqual(['caseNumber', 'expiresAt', 'reason']);
  });

  test('an accepted entry is listed and its addition and removal are audited', async () => {
    const res = await post(olive, '/api/hotlist/local', { ...valid, expiresAt: h.clock.now() + 86400_000 });
    expect(res.statusCode).toBe(201);
    const id = res.json().entry.id as string;
    expect(res.json().entry.plate).toBe('6GU?47*');
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hotlist.add', object: id, caseNumber: 'SAC-26-0099', purpose: valid.reason });
    const page = await h.app.inject({ url: '/hotlist', headers: auth(olive) });
    expect(page.body).toContain('6GU?47*');
    expect((await h.app.inject({ method: 'DELETE', url: `/api/hotlist/local/${id}`, headers: auth(olive), payload: { reason: 'vehicle recovered' } })).statusCode).toBe(200);
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'hotlist.remove', object: id, purpose: 'vehicle recovered' });
  });
});

describe('shift-start check', () => {
  test('records who and when; a verdict other than green needs a note', async () => {
    const cam = h.registry.reporter('camera:front', 'camera');
    cam.set('down', 'no frame for 12 s');
    const refused = await post(olive, '/api/shift/ack', { equipmentInspected: true });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().fields[0].field).toBe('note');
    const ok = await post(olive, '/api/shift/ack', { equipmentInspected: true, note: 'front camera down, reported to fleet desk' });
    expect(ok.json()).toMatchObject({ user: 'olive', verdict: 'red', at: h.clock.now() });
    const page = await h.app.inject({ url: '/', headers: auth(olive) });
    expect(page.body).toContain('NOT READY');
    expect(page.body).toContain('Front camera: no picture — no frame for 12 s');
    expect(page.body).toMatch(/acknowledged by <strong>olive<\/strong>/);
    cam.set('ok');
  });
});

describe('releases (sacramento-pd 525.08 C.2-C.6; shasta 467.7; roseville 426.9)', () => {
  const why = { caseNumber: 'SAC-26-0042', purposeCategory: 'criminal investigation', purpose: 'court order 26-117' };
  const lawful = {
    requestingAgency: 'Sacramento County DA',
    agencyKind: 'ca_prosecutor',
    agencyState: 'CA',
    requester: 'Inv. R. Diaz',
    releasePurposeCategory: 'prosecution',
    releasePurpose: 'prosecution of case SAC-26-0042',
    writtenRequestRef: 'DA-REQ-2026-311',
    writtenRequestDate: '2026-05-30',
  };
  const all = { detectionIds: [ids(1), ids(2), ids(3), ids(4)] };
  let bob: Login;
  beforeAll(async () => {
    await addUser(h, 'bob', 'administrator');
    bob = await login(h.app, 'bob');
  });

  test.each([
    [{ requestingAgency: '' }, 'requestingAgency'],
    [{ requester: '' }, 'requester'],
    [{ agencyKind: null }, 'agencyKind'],
    [{ agencyState: '' }, 'agencyState'],
    [{ releasePurpose: '' }, 'releasePurpose'],
    [{ releasePurposeCategory: 'curiosity' }, 'releasePurposeCategory'],
    [{ writtenRequestRef: '' }, 'writtenRequestRef'],
    [{ writtenRequestDate: '30/05/2026' }, 'writtenRequestDate'],
    [{ writtenRequestDate: '2027-01-01' }, 'writtenRequestDate'],
  ])('is refused without every part of the written request: %j', async (missing, field) => {
    const res = await post(adam, '/api/releases', { ...why, ...lawful, ...all, ...missing });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'HTTP_RELEASE_REQUIRED', fields: [{ field }] });
  });

  // The four releases of the issue that all went through, and the rest of C.4-C.6.
  test.each([
    [{ requestingAgency: 'U.S. Immigration and Customs Enforcement', agencyKind: 'federal', agencyState: 'DC', releasePurposeCategory: 'criminal investigation', releasePurpose: 'immigration enforcement' }, /immigration/, /525\.08 C\.5/],
    [{ requestingAgency: 'ICE ERO San Francisco', agencyKind: 'ca_law_enforcement', releasePurposeCategory: 'wanted person', releasePurpose: 'locate subject' }, /immigration/, /7284\.6/],
    [{ requestingAgency: 'Reno Police Department', agencyKind: 'out_of_state', agencyState: 'NV' }, /out-of-state/, /525\.08 C\.4/],
    [{ requestingAgency: 'Reno Police Department', agencyKind: 'ca_law_enforcement', agencyState: 'NV' }, /out-of-state/, /1798\.90\.55/],
    [{ requestingAgency: 'Acme Recovery LLC', agencyKind: 'private', releasePurposeCategory: 'stolen vehicle recovery', releasePurpose: 'repossession' }, /private/, /1798\.90\.55/],
    [{ requestingAgency: 'Texas Attorney General', agencyKind: 'out_of_state', agencyState: 'TX', releasePurposeCategory: 'gender-affirming health care', releasePurpose: 'clinic visits' }, /gender-affirming/, /525\.08 C\.6/],
    [{ requestingAgency: 'Sacramento County DA', releasePurpose: 'travel of a transgender minor to a clinic' }, /gender-affirming/, /13778\.3/],
    [{ requestingAgency: 'County Parks Department', agencyKind: 'other' }, /records process/, /467\.7/],
  ])('is refused with the policy cited: %j', async (over, reason, policy) => {
    const res = await post(adam, '/api/releases', { ...why, ...lawful, ...all, ...over });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('HTTP_RELEASE_REFUSED');
    expect(res.json().message).toMatch(reason);
    expect(res.json().message).toMatch(policy);
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'release.refused', user: 'adam', details: { requestingAgency: over.requestingAgency } });
  });

  test('a lawful request records everything and the exact ids; a second administrator approves; the export is rebuilt from the record', async () => {
    const req = await post(adam, '/api/releases', { ...why, ...lawful, ...all });
    expect(req.statusCode).toBe(201);
    const { releaseId, setHash } = req.json<{ releaseId: number; setHash: string }>();
    expect(h.audit.get(releaseId)).toMatchObject({
      action: 'release.requested',
      user: 'adam',
      caseNumber: 'SAC-26-0042',
      details: { ...lawful, detectionIds: all.detectionIds, setHash },
    });
    // Not before approval, and never by the one who entered it.
    expect((await post(adam, `/api/releases/${releaseId}/export`, { format: 'csv' })).json().error).toBe('HTTP_RELEASE_NOT_APPROVED');
    const self = await post(adam, `/api/releases/${releaseId}/approve`, {});
    expect([self.statusCode, self.json().error]).toEqual([403, 'HTTP_RELEASE_SELF_APPROVAL']);
    expect((await post(olive, `/api/releases/${releaseId}/approve`, {})).statusCode).toBe(403);
    expect((await post(bob, `/api/releases/${releaseId}/approve`, {})).statusCode).toBe(200);
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'release.approved', user: 'bob', object: String(releaseId) });
    expect((await post(bob, `/api/releases/${releaseId}/approve`, {})).statusCode).toBe(409);

    const csv = await post(adam, `/api/releases/${releaseId}/export`, { format: 'csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="alpr-release-\d+-test-unit-.*\.csv"$/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,plate,confidence/);
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.includes('CMD1'))).toContain(",'=CMD1,");
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'release.exported', user: 'adam', object: String(releaseId), details: { approvedBy: 'bob', count: 4, setHash } });
    // Reproducible: the same record gives the same set again.
    const again = await post(bob, `/api/releases/${releaseId}/export`, { format: 'csv' });
    expect(again.body).toBe(csv.body);

    const list = await h.app.inject({ url: '/api/releases', headers: auth(adam) });
    expect(list.json().releases.find((r: { releaseId: number }) => r.releaseId === releaseId)).toMatchObject({ status: 'approved', approvedBy: 'bob', requestedBy: 'adam', count: 4 });
  });

  test('zip: a valid archive with the release record, the CSV and both images of every detection', async () => {
    const req = await post(bob, '/api/releases', { ...why, ...lawful, ...all });
    const id = req.json().releaseId as number;
    await post(adam, `/api/releases/${id}/approve`, {});
    const res = await post(bob, `/api/releases/${id}/export`, { format: 'zip' });
    expect(res.headers['content-type']).toBe('application/zip');
    const file = join(tmp, 'export.zip');
    writeFileSync(file, res.rawPayload);
    const zip = readZip(file);
    const names = [...zip.keys()];
    expect(names.slice(0, 2)).toEqual(['release.txt', 'detections.csv']);
    expect(names.filter((n) => n.startsWith('images/'))).toHaveLength(8);
    const note = zip.get('release.txt')!.toString();
    for (const line of ['Requesting agency: Sacramento County DA (ca_prosecutor, CA)', 'Written request: DA-REQ-2026-311 dated 2026-05-30', 'Entered by: bob', 'Approved by: adam']) expect(note).toContain(line);
  });

  test('selected by search criteria, the set is fixed at the request', async () => {
    const req = await post(adam, '/api/releases', { ...why, ...lawful, plate: '7TRW*' });
    expect(req.statusCode).toBe(201);
    expect(h.audit.get(req.json().releaseId)!.details).toMatchObject({ detectionIds: [ids(1), ids(2)], query: { plate: '7TRW*' } });
  });

  test('more rows than max_export_rows is refused rather than cut short', async () => {
    const small = await makeHarness({ config: { max_export_rows: 2 } });
    await addUser(small, 'adam', 'administrator');
    await seed(small.detections, [1, 2, 3].map((n) => detection({ id: ids(n), text: `ABC${n}00` })));
    const l = await login(small.app, 'adam');
    const res = await small.app.inject({ method: 'POST', url: '/api/releases', headers: auth(l), payload: { ...why, ...lawful, plate: 'ABC*' } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe('HTTP_TOO_MANY_ROWS');
    await small.app.close();
  });
});

describe('audit page API', () => {
  test.each([['1e20'], ['99999999999999999999'], ['-1']])('a huge or negative offset is a 400, not a 500 (issue 16 item 18): %s', async (offset) => {
    const res = await h.app.inject({ url: `/api/audit?offset=${offset}`, headers: auth(adam) });
    expect(res.statusCode).toBe(400);
  });

  test('filters by action and user, exports CSV, and records that the log was read', async () => {
    const res = await h.app.inject({ url: '/api/audit?action=search&user=olive', headers: auth(adam) });
    const records = res.json().records as { action: string; user: string }[];
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.action === 'search' && r.user === 'olive')).toBe(true);
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'audit.view', user: 'adam' });
    const csv = await h.app.inject({ url: '/api/audit/export.csv?action=release.requested', headers: auth(adam) });
    expect(csv.body.split('\r\n')[0]).toBe('id,at,user,action,object,case_number,purpose,ip,details,prev_hash,hash');
    expect(csv.body).toContain('Sacramento County DA');
  });
});

describe('account administration', () => {
  test('an administrator creates an account (audited, no hash in the answer); others may not', async () => {
    const body = { username: 'Otto', role: 'operator', fullName: 'Otto Officer', contact: 'x3', password: 'patrol night 4455' };
    expect((await post(olive, '/api/users', body)).statusCode).toBe(403);
    expect((await post(adam, '/api/users', { ...body, password: 'short' })).json()).toMatchObject({ error: 'USER_PASSWORD_WEAK' });
    const res = await post(adam, '/api/users', body);
    expect(res.statusCode).toBe(201);
    expect(res.json().user).toMatchObject({ username: 'otto', role: 'operator' });
    expect(res.body).not.toContain('scrypt');
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'user.add', user: 'adam', object: 'otto' });
    expect((await post(adam, '/api/users', body)).statusCode).toBe(409);
    await login(h.app, 'otto', 'patrol night 4455');
  });

  test('changing role, disabling and unlocking are audited; an administrator cannot demote or disable themselves', async () => {
    const otto = await login(h.app, 'otto', 'patrol night 4455');
    expect((await post(adam, '/api/users/otto', { role: 'auditor' })).json().user.role).toBe('auditor');
    expect(h.audit.rows.at(-1)).toMatchObject({ action: 'user.change', object: 'otto', details: { changes: ['role operator → auditor'] } });
    // The open session of the changed account ends.
    expect((await h.app.inject({ url: '/api/me', headers: auth(otto) })).statusCode).toBe(401);
    expect((await post(adam, '/api/users/otto', { disabled: true })).json().user.disabled).toBe(true);
    expect((await post(adam, '/api/users/adam', { disabled: true })).statusCode).toBe(400);
    expect((await post(adam, '/api/users/adam', { role: 'operator' })).statusCode).toBe(400);
    const list = await h.app.inject({ url: '/api/users', headers: auth(adam) });
    expect(list.body).not.toContain('passwordHash');
    const page = await h.app.inject({ url: '/users', headers: auth(adam) });
    expect(page.body).toContain('data-user="otto"');
  });
});
