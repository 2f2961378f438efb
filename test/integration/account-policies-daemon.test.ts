/**
 * Account policies (issue 20) on the real daemon: `alpr-edge run` as its own process on its own
 * port and data directory, accounts made and trained with the real `alpr-edge user` tool, and the
 * station used over HTTP (session cookie and CSRF token, as the station's pages send them) and in
 * Chromium. The daemon has no fake clock: the one state that needs the past (an access review
 * overdue) is written with the store's own API, on a clock set back, before the daemon starts,
 * and the daemon's own check at start disables the account. The stored detection the misread
 * report is about is written the same way (no camera: recognition is not what this file tests).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { DAY_MS } from '../../src/accounts/account-policy.js';
import { hashPassword } from '../../src/accounts/password.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { launch, logIn, newPage, shot, VIEWPORTS } from '../browser/browser.js';
import { collectLines, runCli, spawnCli } from '../helpers/cli.js';
import { waitForPage } from '../helpers/page.js';
import { waitFor } from '../helpers/wait-for.js';
import { overviewJpeg, plateJpeg } from '../http/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'alpr-policies-daemon-'));
const DATA = join(dir, 'data');
const CONFIG = join(dir, 'station.yaml');
const HOTLIST = resolve(import.meta.dirname, '..', '..', 'fixtures', 'hotlist', 'demo-hotlist.csv');
const DAILY_LIMIT = 5;
const ADMIN = 'adam';
const ADMIN_PW = 'release desk 5150 at dawn';
const PW = 'patrol car seven evenings';
const PLATE = '7TRW815';
let detectionId = '';

let daemon: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';
const logLines: string[] = [];

interface Session {
  cookie: string;
  csrf: string;
}
interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: string; message?: string };
}

/** A local calendar date `days` from today, as the CLI takes it. */
function day(days: number): string {
  const d = new Date(Date.now() + days * DAY_MS);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

async function cli(...args: string[]): Promise<string> {
  const r = await runCli(['user', ...args, '--config', CONFIG], {}, args[0] === 'add' ? `${args[1] === ADMIN ? ADMIN_PW : PW}\n` : undefined);
  if (r.code !== 0) throw new Error(`alpr-edge user ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, s: Session | null, body?: unknown): Promise<Reply<T>> {
  const headers: Record<string, string> = { origin: base };
  if (s) headers.cookie = s.cookie;
  if (s && method === 'POST') headers['x-csrf-token'] = s.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Reply<T>['body'] };
}

async function tryLogin(username: string, password = PW): Promise<{ status: number; body: { error?: string; message?: string; csrf?: string }; session: Session | null }> {
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { error?: string; message?: string; csrf?: string };
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { status: res.status, body, session: res.status === 200 && cookie && body.csrf ? { cookie, csrf: body.csrf } : null };
}

async function login(username: string, password = PW): Promise<Session> {
  const r = await tryLogin(username, password);
  if (!r.session) throw new Error(`login of ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.session;
}

interface AuditRow {
  id: number;
  user: string | null;
  action: string;
  object: string | null;
  purpose: string | null;
  details: Record<string, unknown> | null;
}

async function audit(admin: Session, query: string): Promise<AuditRow[]> {
  const r = await call<{ records: AuditRow[] }>('GET', `/api/audit?${query}&limit=500`, admin);
  if (r.status !== 200) throw new Error(`audit query ${query}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.records;
}

const search = (s: Session, extra: Record<string, unknown> = {}) =>
  call<{ auditId: number }>('POST', '/api/search', s, { plate: PLATE, caseNumber: 'CASE-2026-01', purpose: 'suspect vehicle in the burglary', purposeCategory: 'criminal investigation', ...extra });

beforeAll(async () => {
  writeFileSync(
    CONFIG,
    [
      'device:',
      '  id: policy-unit',
      `  data_dir: ${DATA}`,
      'http:',
      '  port: 0',
      'cameras: []',
      'gps:',
      '  source: none',
      'hotlist:',
      '  files:',
      `    - ${HOTLIST}`,
      'upload:',
      '  enabled: false',
      'accounts:',
      '  required_items:',
      '    alpr_training: [operator]',
      '    clets: [operator]',
      '  review_interval_days: 30',
      '  check_interval_s: 1',
      `  daily_limit: ${DAILY_LIMIT}`,
      '',
    ].join('\n'),
  );
  // The first administrator, the documented way (before the first start); the officers the same way.
  await cli('add', ADMIN, '--role', 'administrator', '--name', 'Adam Admin');
  for (const u of ['olive', 'sam']) await cli('add', u, '--role', 'operator', '--name', u);
  await cli('supervisor', 'sam', '--grant');
  for (const u of ['sam']) {
    await cli('train', u, '--item', 'alpr_training', '--completed', day(-30));
    await cli('train', u, '--item', 'clets', '--completed', day(-30), '--expires', day(300));
  }

  // What needs the past, written with the store's API before the daemon starts: rita was created
  // (and so last reviewed) 40 days ago, past the 30-day review; a detection read a minute ago.
  const loaded = loadConfigObject({ device: { data_dir: DATA } }, dir);
  if (!loaded.config) throw new Error(loaded.errors.join('; '));
  const clock = new ManualClock(Date.now() - 40 * DAY_MS);
  const registry = new StatusRegistry(clock);
  const store = new Store({ config: loaded.config.store, dataDir: DATA, deviceId: 'policy-unit', logger: silentLogger(), status: registry.reporter('store', 'store'), clock });
  await store.start();
  store.users.create({ username: 'rita', role: 'operator', passwordHash: await hashPassword(PW), fullName: 'Rita Overdue', contact: '' });
  store.users.records.setQualification('rita', { item: 'alpr_training', completedAt: clock.now(), expiresAt: null, course: 'ALPR', trainer: 'x', certificate: '', recordedBy: 'test' });
  store.users.records.setQualification('rita', { item: 'clets', completedAt: clock.now(), expiresAt: Date.now() + 300 * DAY_MS, course: 'CLETS', trainer: 'x', certificate: '', recordedBy: 'test' });
  clock.set(Date.now());
  const t = clock.now() - 60_000;
  detectionId = uuidv7(t);
  store.insertDetection(
    {
      id: detectionId, cameraId: 'front', text: PLATE, confidence: 0.7, candidates: [{ text: PLATE, confidence: 0.7 }], region: 'us',
      firstSeen: t - 1000, lastSeen: t, bestAt: t - 500, frameCount: 4, direction: 'approaching', box: { x: 1, y: 1, w: 90, h: 30 },
      plateJpeg: await plateJpeg(PLATE), overviewJpeg: await overviewJpeg(PLATE),
    },
    null,
    [],
  );
  await store.stop();

  daemon = spawnCli(['run', '--config', CONFIG]);
  collectLines(daemon, logLines);
  let address: string | undefined;
  try {
    await waitFor(
      () => {
        if (daemon!.exitCode !== null) throw new Error(`daemon exited ${daemon!.exitCode}`);
        address = logLines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg?: string; address?: string }) : {})).find((l) => l.msg === 'started')?.address;
        return address !== undefined;
      },
      'the daemon to start',
      { timeoutMs: 120_000, intervalMs: 100 },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last log lines:\n${logLines.slice(-15).join('\n')}`);
  }
  base = address!;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  const child = daemon;
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid, 'SIGTERM');
    try {
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, 'the daemon to exit on SIGTERM', { timeoutMs: 30_000, intervalMs: 50 });
    } catch {
      process.kill(child.pid, 'SIGKILL');
    }
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('account policies on the running daemon', () => {
  test('an untrained account is refused naming the missing items; trained with the CLI it logs in; an expired item refuses it again', async () => {
    const untrained = await tryLogin('olive');
    expect(untrained.status).toBe(403);
    expect(untrained.body.error).toBe('HTTP_LOGIN_UNQUALIFIED');
    expect(untrained.body.message).toContain('ALPR training not recorded');
    expect(untrained.body.message).toContain('CLETS certification not recorded');
    expect(untrained.session).toBeNull();

    // The CLI writes beside the running daemon (WAL); the next login reads the new records.
    await cli('train', 'olive', '--item', 'alpr_training', '--completed', day(-10));
    const half = await tryLogin('olive');
    expect(half.status).toBe(403);
    expect(half.body.message).toContain('CLETS certification not recorded');
    expect(half.body.message).not.toContain('ALPR training');
    await cli('train', 'olive', '--item', 'clets', '--completed', day(-10), '--expires', day(300));
    const olive = await login('olive');
    expect((await call('GET', '/api/me', olive)).status).toBe(200);

    // The certification recorded again as expired yesterday: refused, with the date.
    await cli('train', 'olive', '--item', 'clets', '--completed', day(-400), '--expires', day(-1));
    const expired = await tryLogin('olive');
    expect(expired.status).toBe(403);
    expect(expired.body.error).toBe('HTTP_LOGIN_UNQUALIFIED');
    expect(expired.body.message).toMatch(/CLETS certification expired \d{4}-\d\d-\d\d/);
    // The session that was open when it lapsed is ended by the daemon's periodic check.
    await waitFor(async () => (await call('GET', '/api/me', olive)).status === 401, 'the lapsed account\'s session to end', { timeoutMs: 60_000, intervalMs: 250 });

    const admin = await login(ADMIN, ADMIN_PW);
    const refusals = await audit(admin, 'action=login.refused&user=olive');
    expect(refusals.map((r) => (r.details as { reason?: string }).reason)).toContain('training or certification');
    expect((await audit(admin, 'action=session.ended&user=olive')).map((r) => (r.details as { reason?: string }).reason)).toContain('required training or certification expired');
    // Renewed for the tests below.
    await cli('train', 'olive', '--item', 'clets', '--completed', day(-1), '--expires', day(300));
    expect((await tryLogin('olive')).status).toBe(200);
  }, 180_000);

  test('an account past its access review is disabled by the daemon\'s own check, audited, and refused', async () => {
    const admin = await login(ADMIN, ADMIN_PW);
    // The check runs at start and every second: by now it has run, but wait on the row, not on time.
    let expired: AuditRow[] = [];
    await waitFor(async () => (expired = await audit(admin, 'action=user.review.expired')).some((r) => r.object === 'rita'), 'the review-expired audit row of rita', { timeoutMs: 60_000, intervalMs: 250 });
    expect(expired.filter((r) => r.object === 'rita')).toHaveLength(1);
    expect(expired[0]).toMatchObject({ user: 'system', object: 'rita', details: { intervalDays: 30 } });
    // Nobody else was due: adam, olive and sam were created today.
    expect(expired.map((r) => r.object)).toEqual(['rita']);
    const refused = await tryLogin('rita');
    expect(refused.status).toBe(401);
    expect(refused.session).toBeNull();
    // A disabled account's refusal reads like a wrong password to the caller; the audit says why.
    expect(refused.body.error).toBe('HTTP_LOGIN_FAILED');
    expect((await audit(admin, 'action=login.failure&user=rita')).map((r) => (r.details as { reason?: string }).reason)).toContain('account disabled');
    const listed = JSON.parse(await cli('list', '--json')) as { username: string; disabled: boolean }[];
    expect(listed.find((u) => u.username === 'rita')).toMatchObject({ disabled: true });
  }, 90_000);

  test('an off-list purpose is refused without approval; with a supervisor\'s approval the search succeeds and its audit row names the approval', async () => {
    const olive = await login('olive');
    const sam = await login('sam');
    const admin = await login(ADMIN, ADMIN_PW);
    const offList = { purposeCategory: 'civil process service' };

    const refused = await search(olive, offList);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('HTTP_APPROVAL_REQUIRED');

    const asked = await call<{ approval: { id: number } }>('POST', '/api/approvals', olive, { caseNumber: 'CASE-2026-01', purposeCategory: 'civil process service', purpose: 'serve the court order on the owner' });
    expect(asked.status).toBe(201);
    const id = asked.body.approval.id;
    expect((await search(olive, { ...offList, approvalId: id })).body.error).toBe('HTTP_APPROVAL_INVALID');
    // The requester cannot approve their own request; sam (granted the right with the CLI) can.
    expect((await call('POST', `/api/approvals/${id}/approve`, olive)).body.error).toBe('HTTP_NOT_SUPERVISOR');
    expect((await call('POST', `/api/approvals/${id}/approve`, sam)).status).toBe(200);

    const ok = await search(olive, { ...offList, approvalId: id });
    expect(ok.status).toBe(200);
    const row = (await audit(admin, 'action=search&user=olive')).find((r) => r.id === ok.body.auditId)!;
    expect(row.purpose).toBe('civil process service: suspect vehicle in the burglary');
    expect(row.details).toMatchObject({ approvalId: id, approvedBy: 'sam' });
    expect((await audit(admin, 'action=search.refused&user=olive')).length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  test('a misread report on a stored detection keeps the original read and stores the correction', async () => {
    const olive = await login('olive');
    const admin = await login(ADMIN, ADMIN_PW);
    const res = await call<{ correction: { originalText: string; correctedText: string }; auditId: number }>('POST', `/api/detections/${detectionId}/corrections`, olive, { correctedText: '7trw-816', note: 'last character is a 6 on the photo' });
    expect(res.status).toBe(201);
    expect(res.body.correction).toMatchObject({ originalText: PLATE, correctedText: '7TRW816' });
    const stored = await call<{ text: string }>('GET', `/api/detections/${detectionId}`, admin);
    expect(stored.status).toBe(200);
    expect(stored.body.text).toBe(PLATE);
    const found = await call<{ corrections: { detectionId: string; reportedBy: string; originalText: string }[] }>('GET', '/api/corrections?text=7TRW816', admin);
    expect(found.body.corrections).toEqual([expect.objectContaining({ detectionId, reportedBy: 'olive', originalText: PLATE })]);
    expect((await audit(admin, 'action=read.error.reported')).find((r) => r.id === res.body.auditId)).toMatchObject({ user: 'olive', object: detectionId });
  }, 90_000);

  test('a burst of searches raises the unusual-use alert, and the Oversight page shows it at the MDC sizes', async () => {
    const sam = await login('sam');
    for (let i = 0; i <= DAILY_LIMIT; i++) expect((await search(sam)).status).toBe(200);
    const admin = await login(ADMIN, ADMIN_PW);
    let alert: AuditRow | undefined;
    await waitFor(async () => Boolean((alert = (await audit(admin, 'action=alert.unusual_use')).find((r) => r.object === 'sam'))), 'the unusual-use alert on sam', { timeoutMs: 60_000, intervalMs: 250 });
    expect(alert).toMatchObject({ user: 'system', details: { kind: 'searches_over_limit', account: 'sam', count: DAILY_LIMIT + 1, threshold: DAILY_LIMIT } });
    const searchIds = (await audit(admin, 'action=search&user=sam')).map((r) => r.id);
    expect((alert!.details as { auditIds: number[] }).auditIds.every((id) => searchIds.includes(id))).toBe(true);
    // Account and kind in the journal, never the plate.
    expect(logLines.some((l) => l.includes('unusual use of the station'))).toBe(true);
    for (const l of logLines) expect(l.includes(PLATE), 'plate text in the log').toBe(false);

    browser = await launch();
    const errors: string[] = [];
    for (const v of VIEWPORTS) {
      const { context, page } = await newPage(browser, v, errors);
      try {
        await logIn(page, base, ADMIN, ADMIN_PW, '/oversight');
        // The alert's row is keyed by its audit row.
        const row = `#alerts-section tr[data-alert="${alert!.id}"]`;
        await waitForPage(page, `document.querySelector(${JSON.stringify(row)}) !== null`, 'the alert row on the Oversight page');
        const text = (await page.textContent(row)) ?? '';
        expect(text).toContain('sam');
        expect(text).toContain('searches above the agency limit');
        expect(text).toContain(`${DAILY_LIMIT + 1}`);
        expect(text).not.toContain(PLATE);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(v.width);
        await shot(page, 'daemon-oversight-alert', v);
      } finally {
        await context.close();
      }
    }
    expect(errors).toEqual([]);
  }, 180_000);
});
