/**
 * Fleet health at the central: devices report through the device's own Heartbeat unit
 * (src/upload/heartbeat.ts); the administrator sees every device on one page (Chromium at
 * 1024x600 and 800x480) and Prometheus gets the same as metrics labelled by device and camera
 * ids only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CentralApp } from '../../src/central/central-app.js';
import { DeviceTokens } from '../../src/central/device-tokens.js';
import { StaffTokens } from '../../src/central/staff.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Heartbeat, type WireHeartbeat } from '../../src/upload/heartbeat.js';
import { launch, newPage, shot, VIEWPORTS } from '../browser/browser.js';
import { waitForPage } from '../helpers/page.js';
import { waitFor } from '../helpers/wait-for.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { uploadConfig } from '../upload/helpers/config.js';
import { auditHash } from '../../src/store/audit-repo.js';
import type { WireAudit } from '../../src/upload/wire.js';
import { auditChain, centralConfig, freshDatabase, wireBatch, wireDetection } from './helpers.js';

const pg = new PostgresPeer({ fsync: false });
let app: CentralApp;
let pool: import('pg').Pool;
const tokens: Record<string, string> = {};
let admin: string;
let officer: string;
let scraper: string;
let browser: Browser | undefined;
const PLATE = '7QXZ514';

beforeAll(async () => {
  await pg.start();
  app = new CentralApp(centralConfig({ postgres: { url: await freshDatabase(pg) }, auth: { mode: 'tokens', cache_s: 0 } }), 'all', silentLogger());
  await app.start();
  pool = (app as unknown as { store: { pool: import('pg').Pool } }).store.pool;
  const dt = new DeviceTokens(pool, 0);
  for (const d of ['car-12', 'car-07', 'pole-3', 'car-31', 'car-44']) tokens[d] = await dt.issue(d);
  const st = new StaffTokens(pool, 0);
  admin = await st.issue('adm.ruiz', 'admin');
  officer = await st.issue('ofc.lee', 'officer');
  scraper = await st.issue('prometheus', 'metrics');
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await pg.cleanup();
});

function registryFor(cameras: Record<string, 'ok' | 'down' | 'degraded'>, backlog: number, hotlistConfirmedAgoMs: number | null): StatusRegistry {
  const r = new StatusRegistry(systemClock);
  for (const [id, state] of Object.entries(cameras)) r.reporter(`camera:${id}`, 'camera').set(state, state === 'down' ? 'no frame for 12 s near 38.58,-121.49' : 'ok');
  const up = r.reporter('upload', 'upload');
  up.set('ok');
  up.gauge('backlog', backlog);
  up.gauge('backlog_detections', backlog);
  up.gauge('oldest_age_s', backlog > 0 ? 5400 : 0);
  const hl = r.reporter('hotlist', 'hotlist');
  hl.set('ok', `last hit ${PLATE}`);
  const confirmed = hotlistConfirmedAgoMs === null ? null : new Date(Date.now() - hotlistConfirmedAgoMs).toISOString();
  hl.detail('sync', { enabled: true, last_success: confirmed, issued: confirmed });
  const gps = r.reporter('gps', 'gps');
  gps.set('ok');
  gps.detail('lat', 38.58);
  return r;
}

async function report(device: string, registry: StatusRegistry): Promise<Heartbeat> {
  const hb = new Heartbeat({
    config: uploadConfig({ endpoint: app.address!, tokenValue: tokens[device] }),
    deviceId: device,
    snapshot: () => registry.snapshot(),
    logger: silentLogger(),
    clock: systemClock,
    version: '0.1.0',
    intervalMs: 3_600_000,
  });
  await hb.start();
  await waitFor(() => hb.sent === 1, `${device}'s first heartbeat accepted`);
  return hb;
}

const get = (path: string, token: string | null, accept = 'application/json'): Promise<Response> =>
  fetch(`${app.address}${path}`, { headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) }, redirect: 'manual' });

describe('fleet health', () => {
  it('takes heartbeats from the device heartbeat unit and shows each device in one view', async () => {
    const beats = [
      await report('car-12', registryFor({ front: 'ok', rear: 'down' }, 1234, 2 * 3_600_000)),
      await report('car-07', registryFor({ front: 'ok', rear: 'ok' }, 0, 30 * 60_000)),
      await report('pole-3', registryFor({ north: 'ok' }, 0, 30 * 3_600_000)),
      await report('car-31', registryFor({ front: 'ok' }, 0, 10 * 60_000)),
    ];
    for (const b of beats) await b.stop();
    // car-31 last reported 2 hours ago; car-44 has a token and never reported; car-07 also uploaded a detection.
    await pool.query("UPDATE device_status SET received_at = now() - interval '2 hours' WHERE device_id = 'car-31'");
    const up = await fetch(`${app.address}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens['car-07']}`, 'content-type': 'application/json' },
      body: JSON.stringify(wireBatch('car-07', { detections: [wireDetection({ text: PLATE })] })),
    });
    expect(up.status).toBe(200);
    // car-12's audit log: three rows, then row 2 rewritten (a break in its chain).
    const rows = auditChain(3);
    const postAudit = (audit: WireAudit[]): Promise<Response> =>
      fetch(`${app.address}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${tokens['car-12']}`, 'content-type': 'application/json' }, body: JSON.stringify(wireBatch('car-12', { audit })) });
    expect((await postAudit(rows)).status).toBe(200);
    const base = { id: 2, at: rows[1]!.at, user: 'ofc.lee', action: 'login', object: null, purpose: 'patrol', caseNumber: '26-1', details: { n: 1 }, ip: null };
    expect((await postAudit([{ ...rows[1]!, action: 'login', hash: auditHash(rows[0]!.hash, base) }])).status).toBe(422);

    const res = await get('/api/central/fleet', admin);
    expect(res.status).toBe(200);
    const { devices } = (await res.json()) as { devices: { deviceId: string; readiness: string | null; cameras: { id: string; state: string }[]; backlogItems: number | null; lastContactAt: number | null; hotlistConfirmedAt: number | null }[] };
    const by = new Map(devices.map((d) => [d.deviceId, d]));
    expect([...by.keys()].sort()).toEqual(['car-07', 'car-12', 'car-31', 'car-44', 'pole-3']);
    expect(by.get('car-12')).toMatchObject({ readiness: 'red', backlogItems: 1234, cameras: [{ id: 'front', state: 'ok' }, { id: 'rear', state: 'down' }] });
    expect(by.get('car-07')!.lastContactAt).not.toBeNull();
    expect(by.get('car-44')).toMatchObject({ readiness: null, cameras: [] });
    expect(by.get('car-12')).toMatchObject({ chain: { verifiedTo: 3, breaks: 1, gaps: 0, gap: null } });
    // What a device sends holds no unit message: no place, no plate.
    const raw = JSON.stringify(devices);
    expect(raw).not.toContain('38.58');
    expect(raw).not.toContain(PLATE);
  });

  it('exports the fleet as Prometheus metrics labelled by device and camera ids only', async () => {
    const res = await get('/metrics', scraper, 'text/plain');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('alpr_central_device_camera_up{device="car-12",camera="rear"} 0');
    expect(text).toContain('alpr_central_device_camera_up{device="car-12",camera="front"} 1');
    expect(text).toContain('alpr_central_device_readiness{device="car-12",verdict="red"} 1');
    expect(text).toContain('alpr_central_device_upload_backlog_items{device="car-12"} 1234');
    expect(text).toMatch(/alpr_central_device_hotlist_age_seconds\{device="pole-3"\} 10[78]\d\d\d/);
    expect(text).toMatch(/alpr_central_device_heartbeat_age_seconds\{device="car-31"\} 7[12]\d\d/);
    expect(text).toContain('alpr_central_devices 5');
    expect(text).toContain('alpr_central_audit_chain_breaks{device="car-12"} 1');
    expect(text).toContain('alpr_central_audit_chain_gaps{device="car-12"} 0');
    expect(text).not.toContain(PLATE);
    expect(text).not.toMatch(/lat|lon|38\.58/);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^alpr_central_[a-z_]+(\{[^}]*\})? \d+$/);
  });

  it('refuses a heartbeat for another device (403) and a malformed one (400, naming the field)', async () => {
    const hb: WireHeartbeat = { api: 1, device_id: 'car-07', sent_at: Date.now(), version: null, readiness: 'green', reasons: [], cameras: [], backlog: { items: 0, detections: 0, oldest_s: 0 }, hotlist: { issued_at: null, confirmed_at: null } };
    const post = (body: unknown, token = tokens['car-12']!): Promise<Response> =>
      fetch(`${app.address}/v1/heartbeats`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(hb)).status).toBe(403);
    const bad = await post({ ...hb, device_id: 'car-12', cameras: [{ id: 'front', state: 'sideways' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('cameras.0.state');
    expect((await post(hb, admin)).status).toBe(401);
  });

  it('keeps the fleet page and metrics behind staff tokens with the right role', async () => {
    expect((await get('/admin/fleet', null, 'text/html')).status).toBe(303);
    expect((await get('/admin/fleet', null, 'text/html')).headers.get('location')).toBe('/admin/login');
    expect((await get('/admin/fleet', officer, 'text/html')).status).toBe(403);
    expect((await get('/admin/fleet', scraper, 'text/html')).status).toBe(403);
    expect((await get('/metrics', null)).status).toBe(401);
    expect((await get('/metrics', tokens['car-12']!)).status).toBe(401);
    expect((await get('/metrics', officer)).status).toBe(403);
  });

  it('shows the administrator every device in plain words, worst first, fitting 1024x600 and 800x480', async () => {
    browser = await launch();
    for (const v of VIEWPORTS) {
      const errors: string[] = [];
      const { context, page } = await newPage(browser, v, errors);
      await page.goto(`${app.address}/admin/fleet`);
      expect(page.url()).toContain('/admin/login');
      await page.fill('input[name=token]', admin);
      await page.click('button[type=submit]');
      await page.waitForURL(`${app.address}/admin/fleet`);
      await waitForPage(page, "document.querySelectorAll('#fleet tbody tr').length === 5", 'five device rows');
      const rows = await page.evaluate<string[][]>("[...document.querySelectorAll('#fleet tbody tr')].map((r) => [r.className, ...[...r.cells].map((c) => c.textContent)])");
      // Worst first: devices with a problem, then those that need a look, then the fine ones.
      expect(rows.map((r) => r[0])).toEqual(['bad', 'bad', 'bad', 'bad', 'ok']);
      const row = (id: string): string[] => rows.find((r) => r[1] === id)!;
      expect(row('car-07').slice(2)).toEqual([expect.stringMatching(/ago$/), 'Ready', 'All 2 working', 'Nothing waiting', expect.stringMatching(/^Checked 30 min ago$/), 'No rows yet']);
      expect(row('car-12')[3]).toBe('Not ready: camera rear down');
      expect(row('car-12')[4]).toBe('1 of 2 working; rear down');
      expect(row('car-12')[5]).toBe('1,234 waiting, oldest 1 h 30 min');
      expect(row('car-12')[7]).toBe('1 rewritten row; verified to row 3');
      expect(row('car-31')[2]).toMatch(/^Not reporting for 2 h/);
      expect(row('car-44')[2]).toBe('Never');
      expect(row('pole-3')[6]).toMatch(/^Out of date: checked 30 h ago$/);
      const summary = await page.textContent('#summary');
      expect(summary).toBe('5 devices: 1 fine, 0 need a look, 4 with a problem.');
      // Fits: no sideways scrolling, and the table's header and every row lie within the width.
      expect(await page.evaluate('document.documentElement.scrollWidth <= innerWidth')).toBe(true);
      expect(await page.evaluate("[...document.querySelectorAll('#fleet tr')].every((r) => r.getBoundingClientRect().right <= innerWidth + 0.5)")).toBe(true);
      expect(await page.evaluate("document.querySelector('#fleet').getBoundingClientRect().bottom <= innerHeight")).toBe(true);
      expect(await page.content()).not.toContain(PLATE);
      await shot(page, 'central-fleet', v, { docs: true });
      expect(errors).toEqual([]);
      await context.close();
    }
  });
  // Last: it blocks this address's sign-in for the rest of the file.
  it('refuses sign-in from an address after ten wrong tokens, even with a right one', async () => {
    const login = (token: string): Promise<Response> =>
      fetch(`${app.address}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(token)}`, redirect: 'manual' });
    const ok = await login(officer);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toMatch(/^alpr_central_staff=alprs_[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect((await login(scraper)).status).toBe(401);
    for (let i = 0; i < 9; i++) expect((await login(`alprs_wrong${i}`)).status).toBe(401);
    const blocked = await login(officer);
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('Too many wrong tokens');
  });

});
