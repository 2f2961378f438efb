/**
 * Damage and malfunction reports (issue 18) on the real store: an operator files one for a
 * camera (with its current picture), the GPS or the unit; it is audited, listed for the
 * administrator only, and reaches the reference receiver in the next upload batch.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { hashPassword } from '../../src/accounts/password.js';
import type { LiveEvent } from '../../src/http/ports.js';
import type { DamageReportsPort } from '../../src/http/ports.js';
import { buildServer } from '../../src/http/server.js';
import { systemClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { snapshotSha256, type DamageReport, type DamageReportsRepo } from '../../src/store/damage-reports-repo.js';
import { Store } from '../../src/store/store.js';
import { makeUploader, startReceiver, uploadConfig } from '../upload/helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';
import { MemoryHotlist, MemorySnapshots } from './doubles.js';
import { overviewJpeg } from './fixtures.js';
import { auth, httpConfig, login, TEST_COST, type Login } from './harness.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('alpr-damage-');
const PW = 'night shift 2207';
let store: Store;
let app: FastifyInstance;
let snapshots: MemorySnapshots;
let olive: Login;
let adam: Login;
let frontJpeg: Buffer;

beforeAll(async () => {
  const config = loadConfigObject({}, dir).config!;
  const registry = new StatusRegistry(systemClock);
  for (const id of ['front', 'rear']) registry.reporter(`camera:${id}`, 'camera').set('ok');
  store = new Store({ config: config.store, dataDir: dir, deviceId: 'unit-7', logger: silentLogger(), status: registry.reporter('store', 'store'), clock: systemClock });
  await store.start();
  for (const [name, role] of [['olive', 'operator'], ['adam', 'administrator'], ['aud', 'auditor']] as const) {
    store.users.create({ username: name, role, passwordHash: await hashPassword(PW, TEST_COST), fullName: name, contact: '' });
  }
  snapshots = new MemorySnapshots();
  frontJpeg = await overviewJpeg('FRONT');
  snapshots.frames.set('front', frontJpeg);
  app = await buildServer({
    config: httpConfig(),
    registry,
    logger: silentLogger(),
    clock: systemClock,
    version: 'test',
    device: { id: 'unit-7', agency: 'Test Agency', mode: 'patrol' },
    users: store.users,
    audit: store.audit,
    detections: store.detections,
    hits: store.hits,
    hotlist: new MemoryHotlist(systemClock),
    events: new EventBus<LiveEvent>(),
    snapshots,
    damageReports: store.damageReports,
  });
  olive = await login(app, 'olive', PW);
  adam = await login(app, 'adam', PW);
});

afterAll(async () => {
  await app?.close();
  await store?.stop();
});

const file = (who: Login, payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/damage-reports', headers: auth(who), payload });

test('the store repository is the station port as it is', () => {
  expectTypeOf<DamageReportsRepo>().toExtend<DamageReportsPort>();
});

describe('filing a report', () => {
  test("an operator reports a camera with its current picture: stored, audited with the whole report and the picture's sha256", async () => {
    const noticedAt = Date.now() - 20 * 60_000;
    const res = await file(olive, { what: 'camera:front', noticedAt, text: '  Lens housing cracked, water inside  ', snapshot: true });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ report: DamageReport; snapshotAttached: boolean }>();
    expect(body.snapshotAttached).toBe(true);
    expect(body.report).toMatchObject({ subject: 'camera', cameraId: 'front', noticedAt, text: 'Lens housing cracked, water inside', reportedBy: 'olive', snapshotSha256: snapshotSha256(frontJpeg) });
    expect(store.damageReports.snapshot(body.report.id)).toEqual(frontJpeg);
    const row = store.audit.get(body.report.auditId)!;
    expect(row).toMatchObject({ user: 'olive', action: 'damage.report', object: 'front' });
    expect(row.details).toEqual({ subject: 'camera', camera_id: 'front', noticed_at: noticedAt, text: 'Lens housing cracked, water inside', snapshot_sha256: snapshotSha256(frontJpeg), snapshot_bytes: frontJpeg.length });
  });

  test('a dead camera has no picture: the report is filed without one and the answer says so', async () => {
    const res = await file(olive, { what: 'camera:rear', noticedAt: Date.now(), text: 'No picture since the car wash', snapshot: true });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ snapshotAttached: false, snapshotWanted: true, report: { cameraId: 'rear', snapshotSha256: null } });
  });

  test('the GPS and the unit are reported without a camera', async () => {
    for (const what of ['gps', 'unit'] as const) {
      const res = await file(olive, { what, noticedAt: Date.now(), text: `${what} antenna cable torn` });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ report: { subject: what, cameraId: null } });
    }
  });

  test('bad input is refused naming each field, and nothing is stored or audited', async () => {
    const before = store.damageReports.count();
    const auditBefore = store.audit.query({ action: 'damage.report' }).length;
    const res = await file(olive, { what: 'camera:side', noticedAt: Date.now() + 3600_000, text: ' x ', snapshot: true });
    expect(res.statusCode).toBe(400);
    const fields = res.json<{ fields: { field: string; message: string }[] }>().fields;
    expect(fields.map((f) => f.field).sort()).toEqual(['noticedAt', 'text', 'what']);
    expect(fields.find((f) => f.field === 'what')!.message).toContain('no camera side');
    const pic = await file(olive, { what: 'gps', noticedAt: Date.now(), text: 'no fix all day', snapshot: true });
    expect(pic.json<{ fields: { field: string }[] }>().fields).toEqual([expect.objectContaining({ field: 'snapshot' })]);
    expect((await file(olive, { what: '../etc', noticedAt: Date.now(), text: 'abc' })).statusCode).toBe(400);
    expect((await file(olive, { what: 'gps', noticedAt: Date.now() - 200 * 24 * 3600_000, text: 'old damage' })).statusCode).toBe(400);
    expect((await file(olive, { what: 'gps', noticedAt: Date.now(), text: 'x'.repeat(2001) })).statusCode).toBe(400);
    expect(store.damageReports.count()).toBe(before);
    expect(store.audit.query({ action: 'damage.report' }).length).toBe(auditBefore);
  });

  test('filing needs a station role and the CSRF token', async () => {
    const aud = await login(app, 'aud', PW);
    expect((await file(aud, { what: 'unit', noticedAt: Date.now(), text: 'auditor tries' })).statusCode).toBe(403);
    const noCsrf = await app.inject({ method: 'POST', url: '/api/damage-reports', headers: auth(olive, false), payload: { what: 'unit', noticedAt: Date.now(), text: 'no token' } });
    expect(noCsrf.statusCode).toBe(403);
  });
});

describe('the administrator', () => {
  test('sees every report, newest first, on the list and on /damage; an operator sees only the form', async () => {
    const list = await app.inject({ method: 'GET', url: '/api/damage-reports', headers: auth(adam, false) });
    expect(list.statusCode).toBe(200);
    const reports = list.json<{ reports: DamageReport[] }>().reports;
    expect(reports.map((r) => r.subject)).toEqual(['unit', 'gps', 'camera', 'camera']);
    expect(store.audit.query({ action: 'damage.list', user: 'adam' }).length).toBeGreaterThan(0);
    const page = await app.inject({ method: 'GET', url: '/damage', headers: auth(adam, false) });
    expect(page.body).toContain('Lens housing cracked, water inside');
    expect(page.body).toContain('id="damage-form"');
    expect((await app.inject({ method: 'GET', url: '/api/damage-reports', headers: auth(olive, false) })).statusCode).toBe(403);
    const operatorPage = await app.inject({ method: 'GET', url: '/damage', headers: auth(olive, false) });
    expect(operatorPage.statusCode).toBe(200);
    expect(operatorPage.body).toContain('id="damage-form"');
    expect(operatorPage.body).not.toContain('Lens housing cracked');
  });

  test("opens the report's picture, and that view is audited", async () => {
    const withPicture = store.damageReports.list().find((r) => r.snapshotSha256 !== null)!;
    const res = await app.inject({ method: 'GET', url: `/api/damage-reports/${withPicture.id}/snapshot.jpg`, headers: auth(adam, false) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.rawPayload).toEqual(frontJpeg);
    expect(store.audit.query({ action: 'damage.snapshot.view' })[0]).toMatchObject({ user: 'adam', object: String(withPicture.id) });
    const without = store.damageReports.list().find((r) => r.snapshotSha256 === null)!;
    expect((await app.inject({ method: 'GET', url: `/api/damage-reports/${without.id}/snapshot.jpg`, headers: auth(adam, false) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/damage-reports/9999/snapshot.jpg', headers: auth(adam, false) })).statusCode).toBe(404);
  });
});

test('the reports reach the central server with the next upload batch (the reference receiver stores them in the audit stream)', async () => {
  const rx = await startReceiver();
  const { uploader } = makeUploader(store, uploadConfig({ endpoint: rx.url }), { deviceId: 'unit-7' });
  try {
    await uploader.start();
    await waitFor(() => store.outbox.backlog().pending + store.outbox.backlog().claimed === 0, 'the backlog to drain');
    const received = rx.db.auditRows('unit-7').filter((a) => a.action === 'damage.report');
    const filed = store.damageReports.list().reverse();
    expect(received.map((a) => a.id)).toEqual(filed.map((r) => r.auditId));
    expect(received[0]!.details).toMatchObject({ subject: 'camera', camera_id: 'front', text: 'Lens housing cracked, water inside', snapshot_sha256: snapshotSha256(frontJpeg) });
    expect(rx.db.auditConflicts('unit-7')).toEqual([]);
  } finally {
    await uploader.stop();
    await rx.close();
  }
});
