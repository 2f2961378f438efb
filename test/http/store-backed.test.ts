/**
 * The operator station on the real store (SQLite in a temp dir), and the account and audit
 * tools against the same database: what the daemon will run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest';
import { command as auditCommand } from '../../src/cli/audit.js';
import type { CliIo } from '../../src/cli/command.js';
import { command as userCommand } from '../../src/cli/user.js';
import { loadConfigObject } from '../../src/config/load.js';
import type { AuditPort, DetectionsPort, EventsPort, HitsPort, HotlistPort, LiveEvent, UsersPort } from '../../src/http/ports.js';
import type { Hotlist } from '../../src/hotlist/hotlist.js';
import { buildServer } from '../../src/http/server.js';
import { systemClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { StatusRegistry } from '../../src/status/registry.js';
import type { AuditRepo } from '../../src/store/audit-repo.js';
import type { DetectionsRepo } from '../../src/store/detections-repo.js';
import type { HitsRepo } from '../../src/store/hits-repo.js';
import { Store } from '../../src/store/store.js';
import type { UsersRepo } from '../../src/store/users-repo.js';
import { MemoryHotlist, MemorySnapshots } from './doubles.js';
import { overviewJpeg, plateJpeg } from './fixtures.js';
import { auth, httpConfig, login, type Login } from './harness.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('alpr-station-');
const configFile = join(dir, 'station.yaml');
writeFileSync(configFile, `device:\n  id: test-unit\n  data_dir: ${dir}/data\n`);
const ADMIN_PW = 'amber lantern 7731';

function io(stdout: string[] = [], stderr: string[] = []): CliIo & { stdout: string[]; stderr: string[] } {
  return { out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {}, stdout, stderr };
}

async function cli(cmd: typeof userCommand, args: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const o = io();
  const code = await cmd.run([...args, '--config', configFile], o);
  return { code, stdout: o.stdout, stderr: o.stderr };
}

function pwFile(name: string, pw: string): string {
  const f = join(dir, name);
  writeFileSync(f, `${pw}\n`);
  return f;
}

let store: Store;
let app: FastifyInstance;
let adam: Login;
let detectionId: string;
let hitId: number;

beforeAll(async () => {
  const r = loadConfigObject({}, dir);
  const registry = new StatusRegistry(systemClock);
  store = new Store({ config: r.config!.store, dataDir: join(dir, 'data'), deviceId: 'test-unit', logger: silentLogger(), status: registry.reporter('store', 'store'), clock: systemClock });
  await store.start();
  const at = Date.now() - 60_000;
  detectionId = uuidv7(at);
  const ref = store.insertDetection(
    {
      id: detectionId, cameraId: 'front', text: '7TRW815', confidence: 0.94, candidates: [{ text: '7TRW815', confidence: 0.94 }], region: 'us',
      firstSeen: at - 900, lastSeen: at, bestAt: at - 400, frameCount: 5, direction: 'approaching', box: { x: 10, y: 10, w: 100, h: 30 },
      plateJpeg: await plateJpeg('7TRW815'), overviewJpeg: await overviewJpeg('7TRW815'),
    },
    null,
    [{ entry: { id: 'e1', plate: '7TRW815', state: 'CA', list: 'stolen vehicle', priority: 1, reason: 'stolen', caseNumber: 'C-9', informational: false, expiresAt: null }, generation: 'g1', kind: 'exact', readText: '7TRW815', explanation: 'exact', retroactive: false }],
  );
  hitId = ref.hitIds[0]!;
  app = await buildServer({
    config: httpConfig(),
    registry,
    logger: silentLogger(),
    clock: systemClock,
    version: 'test',
    device: { id: 'test-unit', agency: '', mode: 'patrol' },
    users: store.users,
    audit: store.audit,
    detections: store.detections,
    hits: store.hits,
    hotlist: new MemoryHotlist(systemClock),
    events: new EventBus<LiveEvent>(),
    snapshots: new MemorySnapshots(),
  });
});
afterAll(async () => {
  await app?.close();
  await store?.stop();
});

test("the store's repositories, the hot list and the event bus satisfy the station's ports (src/store-ports.ts adapts the repositories per call, since the database opens in start)", () => {
  expectTypeOf<UsersRepo>().toExtend<UsersPort>();
  expectTypeOf<AuditRepo>().toExtend<AuditPort>();
  expectTypeOf<DetectionsRepo>().toExtend<DetectionsPort>();
  expectTypeOf<HitsRepo>().toExtend<HitsPort>();
  expectTypeOf<Hotlist>().toExtend<HotlistPort>();
  expectTypeOf<EventBus<LiveEvent>>().toExtend<EventsPort>();
});

describe('alpr-edge user', () => {
  test('the first account must be an administrator, and a weak password is refused', async () => {
    await expect(cli(userCommand, ['add', 'olive', '--role', 'operator', '--name', 'Olive Officer', '--password-file', pwFile('o.pw', 'long enough pass')])).rejects.toThrow(
      'the first account must be an administrator',
    );
    const weak = await cli(userCommand, ['add', 'adam', '--role', 'administrator', '--name', 'Adam Admin', '--password-file', pwFile('w.pw', 'short')]);
    expect(weak.code).toBe(1);
    expect(weak.stderr.join()).toContain('USER_PASSWORD_WEAK');
    expect(store.users.count()).toBe(0);
  });

  test('creates the administrator, who can then log in; the creation is audited', async () => {
    const r = await cli(userCommand, ['add', 'Adam', '--role', 'administrator', '--name', 'Adam Admin', '--contact', 'x200', '--password-file', pwFile('a.pw', ADMIN_PW)]);
    expect(r.code).toBe(0);
    expect(store.users.get('adam')).toMatchObject({ role: 'administrator', fullName: 'Adam Admin', disabled: false });
    expect(store.users.get('adam')!.passwordHash).toMatch(/^scrypt\$15\$/);
    expect(store.audit.query({ action: 'user.add' })[0]).toMatchObject({ object: 'adam', user: expect.stringMatching(/^cli:/) });
    adam = await login(app, 'adam', ADMIN_PW);
    expect((await cli(userCommand, ['add', 'adam', '--role', 'auditor', '--name', 'X', '--password-file', pwFile('a2.pw', ADMIN_PW)])).stderr.join()).toContain('USER_EXISTS');
  });

  test('disabling an account ends its open session at the next request; list shows the state', async () => {
    await cli(userCommand, ['add', 'olive', '--role', 'operator', '--name', 'Olive Officer', '--password-file', pwFile('o2.pw', 'long enough pass')]);
    const olive = await login(app, 'olive', 'long enough pass');
    expect((await app.inject({ url: '/api/me', headers: auth(olive) })).statusCode).toBe(200);
    expect((await cli(userCommand, ['disable', 'olive'])).code).toBe(0);
    expect((await app.inject({ url: '/api/me', headers: auth(olive) })).statusCode).toBe(401);
    const list = await cli(userCommand, ['list']);
    expect(list.stdout.find((l) => l.startsWith('olive'))).toMatch(/operator\s+disabled/);
  });

  test('a new password ends the sessions opened with the old one', async () => {
    const before = await login(app, 'adam', ADMIN_PW);
    expect((await cli(userCommand, ['passwd', 'adam', '--password-file', pwFile('a3.pw', `${ADMIN_PW}!`)])).code).toBe(0);
    expect((await app.inject({ url: '/api/me', headers: auth(before) })).statusCode).toBe(401);
    adam = await login(app, 'adam', `${ADMIN_PW}!`);
  });
});

describe('on the real store', () => {
  test('search, image view and hit verification work and are all in the chained log', async () => {
    const s = await app.inject({ method: 'POST', url: '/api/search', headers: auth(adam), payload: { caseNumber: 'C-26-9', purposeCategory: 'stolen vehicle', purpose: 'stolen vehicle follow-up', plate: '7TRW8*' } });
    expect(s.json().results.map((d: { id: string }) => d.id)).toEqual([detectionId]);
    const img = await app.inject({ url: `/api/detections/${detectionId}/overview.jpg`, headers: auth(adam) });
    expect(img.statusCode).toBe(200);
    expect(img.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const v = await app.inject({ method: 'POST', url: `/api/hits/${hitId}/verify`, headers: auth(adam), payload: { outcome: 'misread', note: '8 was a B' } });
    expect(v.statusCode).toBe(200);
    expect(store.hits.get(hitId)).toMatchObject({ outcome: 'misread', verifiedBy: 'adam', note: '8 was a B' });
    const actions = store.audit.query({ limit: 50 }).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['search', 'image.view', 'hit.verify', 'login.success', 'user.add']));
    expect((await app.inject({ method: 'POST', url: '/api/audit/verify', headers: auth(adam) })).json()).toMatchObject({ ok: true });
  });

  test('alpr-edge audit verify passes on the intact log and names the row once one is altered', async () => {
    const good = await cli(auditCommand, ['verify']);
    expect(good.code).toBe(0);
    expect(good.stdout[0]).toMatch(/^audit log intact: \d+ rows checked/);

    const victim = store.audit.query({ action: 'search' })[0]!;
    // Someone with the database file in hand can drop the append-only triggers; the chain still tells.
    const db = new Database(store.file);
    db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete');
    db.prepare('UPDATE audit SET purpose = ? WHERE id = ?').run('nothing to see', victim.id);
    db.close();

    const bad = await cli(auditCommand, ['verify']);
    expect(bad.code).toBe(1);
    expect(bad.stderr[0]).toContain(`AUDIT_CHAIN_BROKEN: audit log chain broken at row ${victim.id}`);
    expect((await app.inject({ method: 'POST', url: '/api/audit/verify', headers: auth(adam) })).json()).toMatchObject({ ok: false, firstBadId: victim.id });

    // Putting the original text back makes the chain whole again: the hash covers the content.
    const fix = new Database(store.file);
    fix.prepare('UPDATE audit SET purpose = ? WHERE id = ?').run(victim.purpose, victim.id);
    fix.close();
    expect((await cli(auditCommand, ['verify'])).code).toBe(0);
  });

  test('a deleted row is detected too', async () => {
    const db = new Database(store.file);
    db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete');
    const { id } = db.prepare("SELECT max(id) - 2 AS id FROM audit").get() as { id: number };
    db.prepare('DELETE FROM audit WHERE id = ?').run(id);
    db.close();
    const r = await cli(auditCommand, ['verify', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout[0]!)).toMatchObject({ ok: false, firstBadId: id, problem: expect.stringContaining('missing') });
  });

  test('alpr-edge audit export writes the filtered rows as CSV', async () => {
    const out = join(dir, 'audit.csv');
    const r = await cli(auditCommand, ['export', '--action', 'user.add', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^2 audit rows written/);
  });
});
