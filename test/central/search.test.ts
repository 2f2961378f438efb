/**
 * Central search and releases under the device's rules (src/http/search-criteria.ts,
 * src/http/export/release-policy.ts): justification, a real criterion, caps and pages, an audit
 * row before any result leaves; releases refused by policy, approved by a second administrator,
 * exported from the recorded set.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CentralApp } from '../../src/central/central-app.js';
import { CentralAudit } from '../../src/central/central-audit.js';
import { likePattern } from '../../src/central/central-search.js';
import { StaffTokens } from '../../src/central/staff.js';
import { silentLogger } from '../../src/shared/logger.js';
import { launch, newPage, shot, VIEWPORTS } from '../browser/browser.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { centralConfig, freshDatabase, wireBatch, wireDetection } from './helpers.js';

const pg = new PostgresPeer({ fsync: false });
let app: CentralApp;
let pool: import('pg').Pool;
let officer: string;
let adminA: string;
let adminB: string;
const HOUR = 3_600_000;
const t0 = Date.now() - 10 * HOUR;

beforeAll(async () => {
  await pg.start();
  app = new CentralApp(centralConfig({ postgres: { url: await freshDatabase(pg) }, search: { max_rows: 50, max_total: 100 } }), 'all', silentLogger());
  await app.start();
  pool = (app as unknown as { store: { pool: import('pg').Pool } }).store.pool;
  const st = new StaffTokens(pool, 0);
  officer = await st.issue('ofc.lee', 'officer');
  adminA = await st.issue('adm.ruiz', 'admin');
  adminB = await st.issue('adm.chen', 'admin');
  // Two cars: 7ABC123 seen five times by car-12 (front), once by car-07 (rear); other plates around.
  const batch = (device: string, dets: ReturnType<typeof wireDetection>[]): Promise<Response> =>
    fetch(`${app.address}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(wireBatch(device, { detections: dets })) });
  const d12 = [0, 1, 2, 3, 4].map((i) => wireDetection({ at: t0 + i * HOUR, text: '7ABC123', camera_id: 'front' }));
  const others = ['8XYZ001', '8XYZ002', '5DEF777'].map((p, i) => wireDetection({ at: t0 + i * HOUR + 60_000, text: p, camera_id: 'front' }));
  expect((await batch('car-12', [...d12, ...others])).status).toBe(200);
  expect((await batch('car-07', [wireDetection({ at: t0 + 2 * HOUR, text: '7ABC123', camera_id: 'rear' })])).status).toBe(200);
});
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await pg.cleanup();
});

const post = (path: string, body: unknown, token: string): Promise<Response> =>
  fetch(`${app.address}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const why = { caseNumber: '26-004512', purposeCategory: 'stolen vehicle', purpose: 'car taken from driveway on 5th' };
type Page = { results: { deviceId: string; plate: string; cameraId: string }[]; hasMore: boolean; nextOffset: number | null; auditId: number; message?: string; fields?: { field: string }[] };

describe('central search', () => {
  it('finds a plate across the fleet, exact or partial, with an audit row written first', async () => {
    const res = await post('/api/central/search', { ...why, plate: '7abc-123' }, officer);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    expect(page.results).toHaveLength(6);
    expect(new Set(page.results.map((r) => r.deviceId))).toEqual(new Set(['car-12', 'car-07']));
    const row = await new CentralAudit(pool).get(page.auditId);
    expect(row).toMatchObject({ staff: 'ofc.lee', action: 'search', caseNumber: '26-004512', purpose: 'stolen vehicle: car taken from driveway on 5th' });
    const partial = (await (await post('/api/central/search', { ...why, plate: '8XY*' }, officer)).json()) as Page;
    expect(partial.results.map((r) => r.plate).sort()).toEqual(['8XYZ001', '8XYZ002']);
    const oneDevice = (await (await post('/api/central/search', { ...why, plate: '7ABC123', deviceId: 'car-07' }, officer)).json()) as Page;
    expect(oneDevice.results.map((r) => r.cameraId)).toEqual(['rear']);
  });

  it('pages results and caps how far a search reaches', async () => {
    const first = (await (await post('/api/central/search', { ...why, plate: '7ABC123', limit: 4 }, officer)).json()) as Page;
    expect(first.results).toHaveLength(4);
    expect(first).toMatchObject({ hasMore: true, nextOffset: 4 });
    const second = (await (await post('/api/central/search', { ...why, plate: '7ABC123', limit: 4, offset: 4 }, officer)).json()) as Page;
    expect(second.results).toHaveLength(2);
    expect(second.hasMore).toBe(false);
    const far = await post('/api/central/search', { ...why, plate: '7ABC123', offset: 100 }, officer);
    expect(far.status).toBe(400);
    // A page never exceeds search.max_rows, whatever is asked.
    expect((await post('/api/central/search', { ...why, plate: '7ABC123', limit: 5000 }, officer)).status).toBe(200);
  });

  it('refuses a search without a case number, a listed purpose or a real criterion, as the device does, and records the refusal', async () => {
    const audit = new CentralAudit(pool);
    const before = (await audit.byAction('search.refused', 1000)).length;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...why, caseNumber: '.', plate: '7ABC123' }, 'caseNumber'],
      [{ ...why, purposeCategory: '', plate: '7ABC123' }, 'purposeCategory'],
      [{ ...why, purpose: 'x', plate: '7ABC123' }, 'purpose'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/api/central/search', body, officer);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Page).fields!.map((f) => f.field)).toContain(field);
    }
    // A purpose off the list is not an error to fix but a use to have approved (below).
    const offList = await post('/api/central/search', { ...why, purposeCategory: 'curiosity', plate: '7ABC123' }, officer);
    expect(offList.status).toBe(403);
    expect((await audit.byAction('search.refused', 1000)).length).toBe(before + cases.length + 1);
    // No criterion, a too-short plate, a place with too long a window: refused before any query.
    const noCriterion = await post('/api/central/search', why, officer);
    expect(noCriterion.status).toBe(400);
    expect(((await noCriterion.json()) as Page).message).toMatch(/give a plate/);
    expect((await post('/api/central/search', { ...why, plate: 'AB*' }, officer)).status).toBe(400);
    expect((await post('/api/central/search', { ...why, cameraId: 'front', from: t0 - 100 * HOUR, to: t0 }, officer)).status).toBe(400);
    const byPlace = (await (await post('/api/central/search', { ...why, cameraId: 'rear', from: t0, to: t0 + 5 * HOUR }, officer)).json()) as Page;
    expect(byPlace.results.map((r) => r.plate)).toEqual(['7ABC123']);
    // Malformed bodies get a named field, in bounded time.
    const bad = await post('/api/central/search', { ...why, plate: 12 }, officer);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Page).message).toContain('plate');
  });

  it('is for staff tokens only', async () => {
    expect((await post('/api/central/search', { ...why, plate: '7ABC123' }, 'alprs_nope')).status).toBe(401);
    expect((await fetch(`${app.address}/api/central/search`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('turns the plate pattern into LIKE', () => {
    expect(likePattern('7AB*1?3')).toBe('7AB%1_3');
  });
});

describe('central releases', () => {
  const request = {
    ...why,
    plate: '7ABC123',
    requestingAgency: 'Sacramento County Sheriff',
    agencyKind: 'ca_law_enforcement',
    agencyState: 'CA',
    requester: 'Det. Alvarez',
    releasePurposeCategory: 'stolen vehicle recovery',
    releasePurpose: 'recovery of the stolen car in case 26-004512',
    writtenRequestRef: 'SCSO-2026-311',
    writtenRequestDate: '2026-01-02',
  };

  it('refuses what the law forbids, with the policy cited and on record', async () => {
    for (const over of [{ agencyKind: 'federal' }, { agencyKind: 'private' }, { releasePurpose: 'assist ICE with a removal proceeding' }]) {
      const res = await post('/api/central/releases', { ...request, ...over }, adminA);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { policy: string }).policy).toMatch(/Civil Code|Gov\. Code/);
    }
    expect((await new CentralAudit(pool).byAction('release.refused', 100)).length).toBe(3);
    expect((await post('/api/central/releases', request, officer)).status).toBe(403);
    const missing = await post('/api/central/releases', { ...request, writtenRequestRef: '' }, adminA);
    expect(missing.status).toBe(400);
  });

  it('a release is requested by one administrator, approved by another, and exported from the recorded set', async () => {
    const res = await post('/api/central/releases', request, adminA);
    expect(res.status).toBe(201);
    const { releaseId, count } = (await res.json()) as { releaseId: number; count: number };
    expect(count).toBe(6);
    expect((await post(`/api/central/releases/${releaseId}/export`, {}, adminA)).status).toBe(409);
    expect((await post(`/api/central/releases/${releaseId}/approve`, {}, adminA)).status).toBe(403);
    expect((await post(`/api/central/releases/${releaseId}/approve`, {}, adminB)).status).toBe(200);
    expect((await post(`/api/central/releases/${releaseId}/approve`, {}, adminB)).status).toBe(409);
    const exp = await post(`/api/central/releases/${releaseId}/export`, {}, adminA);
    expect(exp.status).toBe(200);
    expect(exp.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await exp.text()).trim().split('\r\n');
    expect(lines[0]).toBe('device,id,plate,confidence,captured_at,camera,direction,lat,lon,evidence_hold,hits');
    expect(lines).toHaveLength(7);
    const audit = new CentralAudit(pool);
    expect((await audit.byAction('release.exported', 10))[0]).toMatchObject({ staff: 'adm.ruiz', object: String(releaseId), details: expect.objectContaining({ count: 6, approvedBy: 'adm.chen' }) });
    expect(await audit.verify()).toBeNull();
  });
});

describe('off-list purposes need a supervisor approval, checked with the device rules', () => {
  const offList = { caseNumber: '26-009001', purposeCategory: 'neighbourhood canvass', purpose: 'cars near the burglary on Elm St' };

  it('a search for an off-list purpose is refused until a second administrator approves it, then names the approval', async () => {
    const refused = await post('/api/central/search', { ...offList, plate: '7ABC123' }, officer);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Page).message).toMatch(/ask a supervisor/);
    const asked = await post('/api/central/approvals', { ...offList, use: 'search' }, officer);
    expect(asked.status).toBe(201);
    const { approval } = (await asked.json()) as { approval: { id: number; state: string } };
    expect(approval.state).toBe('waiting');
    const waiting = await post('/api/central/search', { ...offList, plate: '7ABC123', approvalId: approval.id }, officer);
    expect(waiting.status).toBe(403);
    expect(((await waiting.json()) as Page).message).toMatch(/no supervisor has approved it yet/);
    expect((await post(`/api/central/approvals/${approval.id}/approve`, {}, officer)).status).toBe(403);
    const ok = await post(`/api/central/approvals/${approval.id}/approve`, {}, adminA);
    expect(((await ok.json()) as { approval: { state: string; approvedBy: string } }).approval).toMatchObject({ state: 'approved', approvedBy: 'adm.ruiz' });
    const res = await post('/api/central/search', { ...offList, plate: '7ABC123', approvalId: approval.id }, officer);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    expect(page.results).toHaveLength(6);
    expect((await new CentralAudit(pool).get(page.auditId))!.details).toMatchObject({ approvalId: approval.id, approvedBy: 'adm.ruiz' });
    // Someone else's approval does not cover another account's search.
    const other = await post('/api/central/search', { ...offList, plate: '7ABC123', approvalId: approval.id }, adminB);
    expect(((await other.json()) as Page).message).toMatch(/asked for by another account/);
  });

  it('a release for an off-list purpose needs an export approval, covers one release, and is exported once by its requester', async () => {
    const body = {
      ...offList,
      plate: '7ABC123',
      requestingAgency: 'Roseville Police Department',
      agencyKind: 'ca_law_enforcement',
      agencyState: 'CA',
      requester: 'Det. Park',
      releasePurposeCategory: 'criminal investigation',
      releasePurpose: 'burglary series on Elm St',
      writtenRequestRef: 'RPD-26-77',
      writtenRequestDate: '2026-01-03',
    };
    expect((await post('/api/central/releases', body, adminA)).status).toBe(403);
    const asked = (await (await post('/api/central/approvals', { ...offList, use: 'export' }, adminA)).json()) as { approval: { id: number } };
    expect((await post(`/api/central/approvals/${asked.approval.id}/approve`, {}, adminA)).status).toBe(403);
    expect((await post(`/api/central/approvals/${asked.approval.id}/approve`, {}, adminB)).status).toBe(200);
    const req = await post('/api/central/releases', { ...body, approvalId: asked.approval.id }, adminA);
    expect(req.status).toBe(201);
    const { releaseId } = (await req.json()) as { releaseId: number };
    const again = await post('/api/central/releases', { ...body, approvalId: asked.approval.id }, adminA);
    expect(again.status).toBe(403);
    expect(((await again.json()) as Page).message).toMatch(/another release request already names it/);
    expect((await post(`/api/central/releases/${releaseId}/approve`, {}, adminB)).status).toBe(200);
    expect((await post(`/api/central/releases/${releaseId}/export`, {}, adminB)).status).toBe(403);
    expect((await post(`/api/central/releases/${releaseId}/export`, {}, adminA)).status).toBe(200);
    expect((await post(`/api/central/releases/${releaseId}/export`, {}, adminA)).status).toBe(409);
    const list = (await (await fetch(`${app.address}/api/central/approvals`, { headers: { authorization: `Bearer ${adminB}` } })).json()) as { approvals: { id: number; state: string }[] };
    expect(list.approvals.find((a) => a.id === asked.approval.id)!.state).toBe('used');
  });
});

describe('the search page', () => {
  it('an officer searches from a plain form at 1024x600 and 800x480; the answer is the API search, audited; a refusal says what to fix', async () => {
    browser = await launch();
    for (const v of VIEWPORTS) {
      const errors: string[] = [];
      const { context, page } = await newPage(browser, v, errors);
      await page.goto(`${app.address}/admin/search`);
      expect(page.url()).toContain('/admin/login');
      await page.fill('input[name=token]', officer);
      await page.click('button[type=submit]');
      await page.waitForURL(`${app.address}/admin/search`);
      // Refused first: no criterion.
      await page.fill('input[name=caseNumber]', '26-004512');
      await page.selectOption('select[name=purposeCategory]', 'stolen vehicle');
      await page.fill('input[name=purpose]', 'car taken from driveway on 5th');
      await page.click('form.q button[type=submit]');
      await page.waitForSelector('#problem');
      expect(await page.textContent('#problem')).toMatch(/give a plate/);
      // The form keeps what was typed; now with a plate.
      expect(await page.inputValue('input[name=caseNumber]')).toBe('26-004512');
      await page.fill('input[name=plate]', '7abc 123');
      await page.click('form.q button[type=submit]');
      await page.waitForSelector('#results');
      const plates = await page.evaluate<string[]>("[...document.querySelectorAll('#results tbody tr td.plate')].map((c) => c.textContent)");
      expect(plates).toEqual(Array(6).fill('7ABC123'));
      const summary = (await page.textContent('#summary'))!;
      const auditId = Number(/no\. (\d+)/.exec(summary)![1]);
      expect(await new CentralAudit(pool).get(auditId)).toMatchObject({ staff: 'ofc.lee', action: 'search', caseNumber: '26-004512' });
      expect(await page.evaluate('document.documentElement.scrollWidth <= innerWidth')).toBe(true);
      // The answer shows without scrolling: the summary and the first rows (a page of results may scroll).
      expect(await page.evaluate("document.querySelector('#results tbody tr:nth-child(3)').getBoundingClientRect().bottom <= innerHeight")).toBe(true);
      await shot(page, 'central-search', v, { docs: true });
      expect(errors).toEqual([]);
      await context.close();
    }
  });
});
