/**
 * Account policies (issue 20) on the real store and the real station: training and certification
 * refuse a login, an overdue access review disables the account and ends its session, an off-list
 * purpose needs a supervisor's approval, a misread report keeps the original, and a burst of
 * searches or a broken audit chain raises the unusual-use alert.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { command as userCommand } from '../../src/cli/user.js';
import { loadConfigObject } from '../../src/config/load.js';
import { DAY_MS } from '../../src/accounts/account-policy.js';
import { hashPassword } from '../../src/accounts/password.js';
import type { LiveEvent, Role } from '../../src/http/ports.js';
import { buildServer } from '../../src/http/server.js';
import { ManualClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { createLogger, silentLogger } from '../../src/shared/logger.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { MemoryHotlist, MemorySnapshots } from './doubles.js';
import { overviewJpeg, plateJpeg } from './fixtures.js';
import { auth, httpConfig, TEST_COST, type Login } from './harness.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('alpr-accounts-');
const PW = 'correct horse battery';
const T0 = new Date(2026, 5, 1, 9, 0, 0).getTime();
const clock = new ManualClock(T0);
const logLines: string[] = [];
let store: Store;
let app: FastifyInstance;
let detectionId: string;

async function addUser(username: string, role: Role): Promise<void> {
  store.users.create({ username, role, passwordHash: await hashPassword(PW, TEST_COST), fullName: username, contact: '' });
}

async function tryLogin(username: string): Promise<{ status: number; body: { message?: string; error?: string; csrf?: string }; login: Login | null }> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PW } });
  const set = res.cookies.find((c) => c.name === 'alpr_session');
  const body = res.json<{ message?: string; error?: string; csrf?: string }>();
  return { status: res.statusCode, body, login: set && body.csrf ? { cookie: `alpr_session=${set.value}`, csrf: body.csrf } : null };
}

async function login(username: string): Promise<Login> {
  const r = await tryLogin(username);
  if (!r.login) throw new Error(`login of ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.login;
}

const train = (l: Login, username: string, item: string, completedAt: number, expiresAt: number | null) =>
  app.inject({ method: 'POST', url: `/api/users/${username}/qualifications`, headers: auth(l), payload: { item, completedAt, expiresAt, course: 'POST ALPR 101', trainer: 'Sgt. Ada', certificate: 'C-1' } });

const search = (l: Login, extra: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/api/search', headers: auth(l), payload: { plate: '7TRW815', caseNumber: 'CASE-2026-01', purpose: 'suspect vehicle in the burglary', purposeCategory: 'criminal investigation', ...extra } });

beforeAll(async () => {
  const r = loadConfigObject(
    {
      accounts: {
        required_items: { alpr_training: ['operator', 'administrator'], clets: ['operator'] },
        check_interval_s: 1,
        chain_check_interval_h: 0,
        daily_limit: 12,
      },
    },
    dir,
  );
  if (!r.config) throw new Error(r.errors.join('; '));
  const registry = new StatusRegistry(clock);
  store = new Store({ config: r.config.store, dataDir: join(dir, 'data'), deviceId: 'test-unit', logger: silentLogger(), status: registry.reporter('store', 'store'), clock });
  await store.start();
  detectionId = uuidv7(T0 - 60_000);
  store.insertDetection(
    {
      id: detectionId, cameraId: 'front', text: '7TRW815', confidence: 0.7, candidates: [{ text: '7TRW815', confidence: 0.7 }], region: 'us',
      firstSeen: T0 - 61_000, lastSeen: T0 - 60_000, bestAt: T0 - 60_500, frameCount: 4, direction: 'approaching', box: { x: 1, y: 1, w: 90, h: 30 },
      plateJpeg: await plateJpeg('7TRW815'), overviewJpeg: await overviewJpeg('7TRW815'),
    },
    null,
    [],
  );
  await addUser('adam', 'administrator');
  store.users.records.setQualification('adam', { item: 'alpr_training', completedAt: T0 - DAY_MS, expiresAt: null, course: 'ALPR', trainer: 'x', certificate: '', recordedBy: 'test' });
  app = await buildServer({
    config: httpConfig(),
    registry,
    logger: createLogger('info', { write: (s: string) => void logLines.push(s) }, 'json'),
    clock,
    version: 'test',
    device: { id: 'test-unit', agency: '', mode: 'patrol' },
    users: store.users,
    audit: store.audit,
    detections: store.detections,
    hits: store.hits,
    hotlist: new MemoryHotlist(clock),
    events: new EventBus<LiveEvent>(),
    snapshots: new MemorySnapshots(),
    accounts: { records: store.users.records, config: r.config.accounts },
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await store?.stop();
});

describe('training and certification', () => {
  test('an untrained account cannot log in; one with current items can; an expired one cannot; the administrator sees what expires', async () => {
    await addUser('olive', 'operator');
    const untrained = await tryLogin('olive');
    expect(untrained.status).toBe(403);
    expect(untrained.body.error).toBe('HTTP_LOGIN_UNQUALIFIED');
    expect(untrained.body.message).toContain('ALPR training not recorded');
    expect(untrained.body.message).toContain('CLETS certification not recorded');
    expect(untrained.login).toBeNull();

    const adam = await login('adam');
    const trained = await train(adam, "olive", "alpr_training", T0 - 10 * DAY_MS, null);
    expect(trained.statusCode, trained.body).toBe(200);
    expect((await tryLogin('olive')).body.message).toContain('CLETS certification not recorded');
    // CLETS certification that expired yesterday.
    expect((await train(adam, 'olive', 'clets', T0 - 400 * DAY_MS, T0 - DAY_MS)).statusCode).toBe(200);
    const expired = await tryLogin('olive');
    expect(expired.status).toBe(403);
    expect(expired.body.message).toMatch(/CLETS certification expired \d{4}-\d\d-\d\d/);
    // Renewed, expiring in 20 days: logs in, and shows on the administrator's 30-day list.
    expect((await train(adam, 'olive', 'clets', T0 - DAY_MS, T0 + 20 * DAY_MS)).statusCode).toBe(200);
    expect((await tryLogin('olive')).status).toBe(200);
    const view = (await app.inject({ method: 'GET', url: '/api/oversight', headers: auth(adam, false) })).json<{ expiring: { username: string; item: string }[] }>();
    expect(view.expiring).toContainEqual(expect.objectContaining({ username: 'olive', item: 'clets' }));
    const page = await app.inject({ method: 'GET', url: '/oversight', headers: auth(adam, false) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('CLETS certification');

    const rows = store.audit.query({ action: 'user.qualification.set', user: 'adam' });
    expect(rows.map((r) => r.object)).toEqual(['olive', 'olive', 'olive']);
    expect(store.audit.query({ action: 'login.refused', user: 'olive' }).map((r) => (r.details as { reason: string }).reason)).toContain('training or certification');
    // An operator may not record training.
    const olive = await login('olive');
    expect((await train(olive, 'olive', 'clets', T0, T0 + 400 * DAY_MS)).statusCode).toBe(403);
  });
});

describe('supervisor-approved uses', () => {
  test('an off-list purpose is refused without approval, and succeeds with a supervisor approval recorded with the search', async () => {
    await addUser('sam', 'operator');
    store.users.records.setQualification('sam', { item: 'alpr_training', completedAt: T0, expiresAt: null, course: '', trainer: '', certificate: '', recordedBy: 'test' });
    store.users.records.setQualification('sam', { item: 'clets', completedAt: T0, expiresAt: T0 + 400 * DAY_MS, course: '', trainer: '', certificate: '', recordedBy: 'test' });
    const olive = await login('olive');
    const sam = await login('sam');
    const adam = await login('adam');
    const offList = { purposeCategory: 'civil process service' };

    const refused = await search(olive, offList);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ error: string }>().error).toBe('HTTP_APPROVAL_REQUIRED');

    const asked = await app.inject({ method: 'POST', url: '/api/approvals', headers: auth(olive), payload: { caseNumber: 'CASE-2026-01', purposeCategory: 'civil process service', purpose: 'serve the court order on the owner' } });
    expect(asked.statusCode).toBe(201);
    const id = asked.json<{ approval: { id: number } }>().approval.id;
    expect((await search(olive, { ...offList, approvalId: id })).json<{ error: string }>().error).toBe('HTTP_APPROVAL_INVALID');
    // Neither the requester nor an account without the supervisor right can approve.
    expect((await app.inject({ method: 'POST', url: `/api/approvals/${id}/approve`, headers: auth(sam) })).json<{ error: string }>().error).toBe('HTTP_NOT_SUPERVISOR');
    expect((await app.inject({ method: 'POST', url: `/api/users/sam/supervisor`, headers: auth(adam), payload: { supervisor: true } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/api/users/olive/supervisor`, headers: auth(adam), payload: { supervisor: true } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/api/approvals/${id}/approve`, headers: auth(olive) })).json<{ error: string }>().error).toBe('HTTP_APPROVAL_SELF');
    expect((await app.inject({ method: 'POST', url: `/api/approvals/${id}/approve`, headers: auth(sam) })).statusCode).toBe(200);

    // Another case number is not covered; the approved one is.
    expect((await search(olive, { ...offList, approvalId: id, caseNumber: 'CASE-2026-99' })).json<{ error: string }>().error).toBe('HTTP_APPROVAL_INVALID');
    const ok = await search(olive, { ...offList, approvalId: id });
    expect(ok.statusCode).toBe(200);
    const row = store.audit.get(ok.json<{ auditId: number }>().auditId)!;
    expect(row.action).toBe('search');
    expect(row.purpose).toBe('civil process service: suspect vehicle in the burglary');
    expect(row.details).toMatchObject({ approvalId: id, approvedBy: 'sam' });
    // Another account cannot use olive's approval.
    expect((await search(sam, { ...offList, approvalId: id })).json<{ message: string }>().message).toContain('another account');
  });
});

describe('report a data error', () => {
  test('a misread report keeps the original read and stores the correction beside it, searchable and audited', async () => {
    const olive = await login('olive');
    const adam = await login('adam');
    const res = await app.inject({ method: 'POST', url: `/api/detections/${detectionId}/corrections`, headers: auth(olive), payload: { correctedText: '7trw-816', note: 'last character is a 6 on the photo' } });
    expect(res.statusCode).toBe(201);
    expect(res.json<{ correction: { originalText: string; correctedText: string } }>().correction).toMatchObject({ originalText: '7TRW815', correctedText: '7TRW816' });
    expect(store.detections.get(detectionId)!.text).toBe('7TRW815');
    const found = await app.inject({ method: 'GET', url: '/api/corrections?text=7TRW816', headers: auth(adam, false) });
    expect(found.json<{ corrections: { detectionId: string }[] }>().corrections).toEqual([expect.objectContaining({ detectionId, reportedBy: 'olive' })]);
    expect(store.audit.query({ action: 'read.error.reported' })[0]).toMatchObject({ user: 'olive', object: detectionId });
    const page = await app.inject({ method: 'GET', url: '/oversight', headers: auth(adam, false) });
    expect(page.body).toContain('7TRW816');
    expect((await app.inject({ method: 'POST', url: `/api/detections/${detectionId}/corrections`, headers: auth(olive), payload: { correctedText: '7TR W8<', note: 'x' } })).statusCode).toBe(400);
  });
});

describe('unusual use', () => {
  test('a burst of searches over the agency limit raises an alert that links to the search rows, logged without plate text', async () => {
    const sam = await login('sam');
    for (let i = 0; i < 13; i++) expect((await search(sam, {})).statusCode).toBe(200);
    const searchIds = store.audit.query({ action: 'search', user: 'sam' }).map((r) => r.id);
    const adam = await login('adam');
    await vi.waitFor(
      async () => {
        const view = (await app.inject({ method: 'GET', url: '/api/oversight', headers: auth(adam, false) })).json<{ alerts: { kind: string; account: string; count: number; auditIds: number[]; link: string }[] }>();
        const a = view.alerts.find((x) => x.kind === 'searches_over_limit' && x.account === 'sam');
        expect(a).toBeDefined();
        expect(a!.count).toBe(13);
        expect(a!.auditIds.every((id) => searchIds.includes(id))).toBe(true);
        expect(a!.link).toContain('user=sam');
      },
      { timeout: 20_000, interval: 100 },
    );
    // The alert's link is the audit query that shows the rows behind it.
    const alert = store.audit.query({ action: 'alert.unusual_use' }).find((r) => r.object === 'sam')!.details as { link: string; auditIds: number[] };
    const behind = (await app.inject({ method: 'GET', url: alert.link, headers: auth(adam, false) })).json<{ records: { id: number }[] }>().records.map((r) => r.id);
    expect(behind).toEqual(expect.arrayContaining(alert.auditIds));
    const warn = logLines.filter((l) => l.includes('unusual use'));
    expect(warn.length).toBeGreaterThan(0);
    expect(warn.join('\n')).not.toContain('7TRW815');
    expect(store.audit.query({ action: 'alert.unusual_use' }).filter((r) => r.object === 'sam')).toHaveLength(1);
  });

  test('a search at an hour the account has never searched at raises an alert', async () => {
    await addUser('uma', 'operator');
    // Ten days of searches between 09:00 and 10:00, then one at 03:00 today.
    for (let d = 1; d <= 10; d++) {
      clock.set(T0 - d * DAY_MS + 15 * 60_000);
      store.audit.append({ user: 'uma', action: 'search', object: null, purpose: 'criminal investigation: x', caseNumber: 'CASE-1', details: null, ip: null });
    }
    clock.set(T0 - 6 * 3600_000);
    const odd = store.audit.append({ user: 'uma', action: 'search', object: null, purpose: 'criminal investigation: x', caseNumber: 'CASE-1', details: null, ip: null });
    clock.set(T0);
    await vi.waitFor(
      () => {
        const a = store.audit.query({ action: 'alert.unusual_use' }).find((r) => r.object === 'uma');
        expect(a?.details).toMatchObject({ kind: 'search_outside_hours', count: 1, auditIds: [odd.id] });
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  test('a broken audit chain raises an alert', async () => {
    const raw = new Database(join(dir, 'data', loadConfigObject({}, dir).config!.store.database));
    raw.exec('DROP TRIGGER audit_no_update');
    const victim = store.audit.query({ action: 'search', user: 'sam' }).at(-1)!;
    raw.prepare('UPDATE audit SET purpose = ? WHERE id = ?').run('criminal investigation: nothing to see', victim.id);
    raw.close();
    await vi.waitFor(() => expect(store.audit.query({ action: 'alert.unusual_use' }).find((r) => (r.details as { kind: string }).kind === 'audit_chain_broken')?.details).toMatchObject({ auditIds: expect.arrayContaining([victim.id]) }), { timeout: 20_000, interval: 100 });
  });
});

describe('access review', () => {
  test('notice before the day, then an account not re-confirmed is disabled and its session ends', async () => {
    // 80 days on: olive and sam are due within the 14-day notice.
    clock.set(T0 + 80 * DAY_MS);
    let adam = await login('adam');
    // Olive's CLETS certification (20 days) has lapsed meanwhile: renewed, so only the review is at stake.
    expect((await train(adam, 'olive', 'clets', T0 + 79 * DAY_MS, T0 + 500 * DAY_MS)).statusCode).toBe(200);
    const due = (await app.inject({ method: 'GET', url: '/api/oversight', headers: auth(adam, false) })).json<{ reviewsDue: { username: string }[] }>().reviewsDue.map((a) => a.username);
    expect(due).toEqual(expect.arrayContaining(['olive', 'sam']));
    // The administrator re-confirms sam (and, the only one, their own account); olive is left.
    expect((await app.inject({ method: 'POST', url: '/api/users/sam/review', headers: auth(adam) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/users/adam/review', headers: auth(adam) })).statusCode).toBe(200);
    clock.set(T0 + 90 * DAY_MS - 60_000);
    const olive = await login('olive');
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: auth(olive, false) })).statusCode).toBe(200);
    clock.advance(2 * 60_000);
    await vi.waitFor(() => expect(store.users.get('olive')!.disabled).toBe(true), { timeout: 20_000, interval: 100 });
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: auth(olive, false) })).statusCode).toBe(401);
    expect(store.users.get('sam')!.disabled).toBe(false);
    // uma (created on the first day too) was not re-confirmed either; sam and adam were.
    expect(store.audit.query({ action: 'user.review.expired' }).map((r) => r.object).sort()).toEqual(['olive', 'uma']);
    expect(store.audit.query({ action: 'session.ended', user: 'olive' })[0]!.details).toMatchObject({ reason: 'account disabled: access review overdue' });
    expect((await tryLogin('olive')).status).toBe(401);
    adam = await login('adam');
    expect((await app.inject({ method: 'GET', url: '/api/oversight', headers: auth(adam, false) })).json<{ accounts: { username: string; disabled: boolean }[] }>().accounts).toContainEqual(expect.objectContaining({ username: 'olive', disabled: true }));
  });
});

describe('alpr-edge user', () => {
  test('records training, re-confirms an account and grants the supervisor right, each audited', async () => {
    const file = join(dir, 'station.yaml');
    writeFileSync(file, `device:\n  id: test-unit\n  data_dir: ${join(dir, 'data')}\n`);
    const out: string[] = [];
    const err: string[] = [];
    const run = (args: string[]) => userCommand.run([...args, '--config', file], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
    expect(await run(['train', 'sam', '--item', 'cjis_security', '--completed', '2026-05-01', '--expires', '2027-05-01', '--course', 'CJIS Level 2', '--trainer', 'DOJ'])).toBe(0);
    expect(store.users.records.standing('sam')!.qualifications).toContainEqual(expect.objectContaining({ item: 'cjis_security', course: 'CJIS Level 2', expiresAt: new Date(2027, 4, 1).getTime() }));
    expect(await run(['review', 'sam'])).toBe(0);
    expect(store.users.records.standing('sam')!.reviewedBy).toMatch(/^cli:/);
    expect(await run(['supervisor', 'olive', '--revoke'])).toBe(0);
    expect(store.users.records.standing('olive')!.supervisor).toBe(false);
    expect(await run(['show', 'sam'])).toBe(0);
    expect(out.join('\n')).toContain('CJIS security training: completed 2026-05-01');
    await expect(run(['train', 'sam', '--item', 'clets', '--completed', '2026-02-30'])).rejects.toThrow('--completed: a date as YYYY-MM-DD');
    await expect(run(['train', 'sam', '--item', 'clets'])).rejects.toThrow('--completed YYYY-MM-DD is required');
    const actions = store.audit.query({ action: 'user.qualification.set' }).filter((r) => r.user?.startsWith('cli:'));
    expect(actions.map((r) => r.object)).toEqual(['sam']);
    expect(store.audit.query({ action: 'user.review.confirmed' }).some((r) => r.object === 'sam' && r.user!.startsWith('cli:'))).toBe(true);
  });
});
