/**
 * The station with the account policies (issue 20) on the real store (SQLite in a temp dir) and
 * a manual clock, for the HTTP tests of supervisor-approved exports and misread releases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfigObject } from '../../src/config/load.js';
import { hashPassword } from '../../src/accounts/password.js';
import type { LiveEvent, Role } from '../../src/http/ports.js';
import { buildServer } from '../../src/http/server.js';
import { ManualClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { MemoryHotlist, MemorySnapshots } from './doubles.js';
import { overviewJpeg, plateJpeg } from './fixtures.js';
import { auth, httpConfig, TEST_COST, type Login } from './harness.js';

export const PW = 'correct horse battery';

export interface AccountsStation {
  app: FastifyInstance;
  store: Store;
  clock: ManualClock;
  dir: string;
  /** An account; `supervisor` grants the supervisor right. */
  addUser(username: string, role: Role, supervisor?: boolean): Promise<void>;
  login(username: string): Promise<Login>;
  post(l: Login, url: string, payload: unknown): Promise<LightMyRequestResponse>;
  get(l: Login, url: string): Promise<LightMyRequestResponse>;
  /** A stored read of `text`, `ageMs` before now, with its crop and overview. */
  read(text: string, ageMs?: number, over?: { lat?: number; lon?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function startAccountsStation(at: number, accounts: Record<string, unknown> = {}): Promise<AccountsStation> {
  const dir = mkdtempSync(join(tmpdir(), 'alpr-accounts-'));
  const clock = new ManualClock(at);
  const r = loadConfigObject({ accounts }, dir);
  if (!r.config) throw new Error(r.errors.join('; '));
  const registry = new StatusRegistry(clock);
  const store = new Store({ config: r.config.store, dataDir: join(dir, 'data'), deviceId: 'mdc-1207', logger: silentLogger(), status: registry.reporter('store', 'store'), clock });
  await store.start();
  const app = await buildServer({
    config: httpConfig(),
    registry,
    logger: silentLogger(),
    clock,
    version: 'test',
    device: { id: 'mdc-1207', agency: 'Demo Agency', mode: 'patrol' },
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
  return {
    app,
    store,
    clock,
    dir,
    async addUser(username, role, supervisor = false) {
      store.users.create({ username, role, passwordHash: await hashPassword(PW, TEST_COST), fullName: username, contact: '' });
      if (supervisor) store.users.records.setSupervisor(username, true);
    },
    async login(username) {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PW } });
      const set = res.cookies.find((c) => c.name === 'alpr_session');
      if (res.statusCode !== 200 || !set) throw new Error(`login of ${username}: ${res.statusCode} ${res.body}`);
      return { cookie: `alpr_session=${set.value}`, csrf: res.json<{ csrf: string }>().csrf };
    },
    post: (l, url, payload) => app.inject({ method: 'POST', url, headers: auth(l), payload: payload as Record<string, unknown> }),
    get: (l, url) => app.inject({ method: 'GET', url, headers: auth(l, false) }),
    async read(text, ageMs = 60_000, over = {}) {
      const t = clock.now() - ageMs;
      const id = uuidv7(t);
      store.insertDetection(
        {
          id, cameraId: 'front', text, confidence: 0.7, candidates: [{ text, confidence: 0.7 }], region: 'us',
          firstSeen: t - 1000, lastSeen: t, bestAt: t - 500, frameCount: 4, direction: 'approaching', box: { x: 1, y: 1, w: 90, h: 30 },
          plateJpeg: await plateJpeg(text), overviewJpeg: await overviewJpeg(text),
        },
        { lat: over.lat ?? 38.5816, lon: over.lon ?? -121.4944, altitude_m: null, speed_mps: 12, heading_deg: 90, mode: '3d', satellites: 9, hdop: 0.9, age_ms: 200, trusted: true, untrusted_reason: null, interpolated: false },
        [],
      );
      return id;
    },
    async close() {
      await app.close();
      await store.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
