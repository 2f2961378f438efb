/** Builds the operator station on in-memory ports, and logs users in through the real login route. */
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { loadConfigObject } from '../../src/config/load.js';
import type { HttpConfig } from '../../src/config/sections/http.js';
import { hashPassword } from '../../src/accounts/password.js';
import type { LiveEvent, Role } from '../../src/http/ports.js';
import { buildServer } from '../../src/http/server.js';
import { ManualClock, type Clock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { MemoryAudit, MemoryDetections, MemoryHits, MemoryHotlist, MemorySnapshots, MemoryUsers } from './doubles.js';

/** Cheaper than production (2^15) so that a test logging in many times stays fast. */
export const TEST_COST = { log2N: 12, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery';

export interface Harness {
  app: FastifyInstance;
  clock: Clock;
  registry: StatusRegistry;
  users: MemoryUsers;
  audit: MemoryAudit;
  detections: MemoryDetections;
  hits: MemoryHits;
  hotlist: MemoryHotlist;
  events: EventBus<LiveEvent>;
  snapshots: MemorySnapshots;
  config: HttpConfig;
}

/** The http section as the loader makes it (defaults filled, secrets resolved). */
export function httpConfig(overrides: Record<string, unknown> = {}): HttpConfig {
  const r = loadConfigObject({ http: overrides }, tmpdir());
  if (!r.config) throw new Error(r.errors.join('; '));
  return r.config.http;
}

export async function makeHarness(opts: { config?: Record<string, unknown>; clock?: Clock; ports?: Partial<Pick<Harness, 'users' | 'audit'>> } = {}): Promise<Harness> {
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 5, 1, 8));
  const registry = new StatusRegistry(clock);
  const h = {
    clock,
    registry,
    users: opts.ports?.users ?? new MemoryUsers(clock),
    audit: opts.ports?.audit ?? new MemoryAudit(clock),
    detections: new MemoryDetections(),
    hits: new MemoryHits(),
    hotlist: new MemoryHotlist(clock),
    events: new EventBus<LiveEvent>(),
    snapshots: new MemorySnapshots(),
    config: httpConfig(opts.config),
  };
  const app = await buildServer({
    ...h,
    logger: silentLogger(),
    version: '0.0.0-test',
    device: { id: 'test-unit', agency: 'Test Agency', mode: 'patrol' },
  });
  return { ...h, app };
}

export async function addUser(h: Pick<Harness, 'users'>, username: string, role: Role, password = PASSWORD): Promise<void> {
  h.users.create({ username, role, passwordHash: await hashPassword(password, TEST_COST), fullName: `${username} Fullname`, contact: 'x100' });
}

export interface Login {
  cookie: string;
  csrf: string;
}

export async function login(app: FastifyInstance, username: string, password = PASSWORD): Promise<Login> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login of ${username} failed: ${res.statusCode} ${res.body}`);
  const set = res.cookies.find((c) => c.name === 'alpr_session');
  if (!set) throw new Error('no session cookie');
  return { cookie: `alpr_session=${set.value}`, csrf: res.json<{ csrf: string }>().csrf };
}

/** Headers of a logged-in state-changing request. */
export function auth(l: Login, withCsrf = true): Record<string, string> {
  return withCsrf ? { cookie: l.cookie, 'x-csrf-token': l.csrf } : { cookie: l.cookie };
}
