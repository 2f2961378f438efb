/**
 * The operator station for browser tests: buildServer on the real store (SQLite in a temp dir),
 * the hot-list and snapshot doubles of test/http, and an events bus the test publishes hits on.
 * Listens on 127.0.0.1, port 0. `restart()` stops the HTTP server and starts a new one on the
 * same port and store, as a daemon restart does (sessions are lost with it); the clock can be
 * moved ahead to expire sessions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfigObject } from '../../src/config/load.js';
import { hashPassword } from '../../src/http/auth/password.js';
import type { AlertInfo, LiveEvent, Role } from '../../src/http/ports.js';
import { buildServer } from '../../src/http/server.js';
import type { HotlistHit } from '../../src/hotlist/types.js';
import type { Clock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { MemoryHotlist, MemorySnapshots } from '../http/doubles.js';
import { overviewJpeg, plateJpeg } from '../http/fixtures.js';
import { httpConfig, TEST_COST } from '../http/harness.js';

/**
 * The live events with replay after a hit id, as the daemon's detection sink offers them
 * (docs/operator.md, "Event stream"): what a reconnecting page missed comes back, oldest first.
 */
export class ReplayingEvents extends EventBus<LiveEvent> {
  private readonly log: LiveEvent[] = [];

  override emit(event: LiveEvent): void {
    if (event.type !== 'detection') this.log.push(event);
    super.emit(event);
  }

  replay(afterId: number, limit: number): { events: LiveEvent[]; truncated: boolean } {
    const missed = this.log.filter((e) => e.type !== 'detection' && (e.eventId ?? 0) > afterId).map((e) => ({ ...e, replayed: true }));
    return { events: missed.slice(0, limit), truncated: missed.length > limit };
  }

  lastId(): number {
    return this.log.reduce((m, e) => (e.type !== 'detection' ? Math.max(m, e.eventId ?? 0) : m), 0);
  }
}

/** Presentation as the default alert configuration has it: stolen and felony lists alarm. */
function alertOf(hit: { id: number; entry: { list: string; informational: boolean } }, at: number): AlertInfo {
  const presentation = /stolen|felony/.test(hit.entry.list) ? 'alarm' : hit.entry.informational ? 'informational' : 'amber';
  const sound = presentation === 'alarm' ? 'repeat' : presentation === 'amber' ? 'once' : 'none';
  return { alertId: hit.id, hitId: hit.id, change: 'new', presentation, sound, stage: 'pass_end', at };
}

/** The wall clock plus an offset the test moves ahead (session expiry without waiting). */
export class AheadClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export interface Station {
  app: FastifyInstance;
  clock: AheadClock;
  base: string;
  store: Store;
  registry: StatusRegistry;
  events: ReplayingEvents;
  snapshots: MemorySnapshots;
  hotlist: MemoryHotlist;
  addUser(username: string, role: Role, password: string): Promise<void>;
  /** Stores a detection (with hits) and publishes it as the daemon's composition root would. */
  read(text: string, hits: HotlistHit[], over?: { cameraId?: string; ageMs?: number; lat?: number; lon?: number }): Promise<string>;
  /** Stops the HTTP server (open streams end), and starts it again on the same port unless `down` is set. */
  restart(opts?: { down?: boolean }): Promise<void>;
  /** Starts the HTTP server again after `restart({ down: true })`. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startStation(): Promise<Station> {
  const dir = mkdtempSync(join(tmpdir(), 'alpr-browser-'));
  const clock = new AheadClock();
  const registry = new StatusRegistry(clock);
  const store = new Store({ config: loadConfigObject({}, dir).config!.store, dataDir: dir, deviceId: 'mdc-1207', logger: silentLogger(), status: registry.reporter('store', 'store'), clock });
  await store.start();
  const events = new ReplayingEvents();
  const snapshots = new MemorySnapshots();
  const hotlist = new MemoryHotlist(clock);
  const build = async (port: number): Promise<{ app: FastifyInstance; base: string }> => {
    const app = await buildServer({
      config: httpConfig({ snapshot_interval_ms: 500 }),
      registry,
      logger: silentLogger(),
      clock,
      version: 'test',
      device: { id: 'mdc-1207', agency: 'Demo Agency', mode: 'patrol' },
      users: store.users,
      audit: store.audit,
      detections: store.detections,
      hits: store.hits,
      hotlist,
      events,
      snapshots,
    });
    return { app, base: await app.listen({ host: '127.0.0.1', port }) };
  };
  let server: { app: FastifyInstance | null; base: string } = await build(0);
  const port = Number(new URL(server.base).port);
  const station: Station = {
    get app() {
      if (!server.app) throw new Error('the station is down');
      return server.app;
    },
    base: server.base,
    clock,
    store,
    registry,
    events,
    snapshots,
    hotlist,
    async addUser(username, role, password) {
      store.users.create({ username, role, passwordHash: await hashPassword(password, TEST_COST), fullName: `${username[0]!.toUpperCase()}${username.slice(1)} Example`, contact: 'unit 12' });
    },
    async read(text, hits, over = {}) {
      const at = clock.now() - (over.ageMs ?? 0);
      const id = uuidv7(at);
      const ref = store.insertDetection(
        {
          id, cameraId: over.cameraId ?? 'front', text, confidence: 0.91, candidates: [{ text, confidence: 0.91 }], region: 'us', firstSeen: at - 1200, lastSeen: at, bestAt: at - 500,
          frameCount: 7, direction: 'approaching', box: { x: 240, y: 230, w: 160, h: 52 }, plateJpeg: await plateJpeg(text), overviewJpeg: await overviewJpeg(text),
        },
        { lat: over.lat ?? 38.5816, lon: over.lon ?? -121.4944, altitude_m: null, speed_mps: 12, heading_deg: 90, mode: '3d', satellites: 9, hdop: 0.9, age_ms: 200, trusted: true, untrusted_reason: null, interpolated: false },
        hits,
      );
      const detection = store.detections.get(id)!;
      events.emit({ type: 'detection', detection });
      for (const hitId of ref.hitIds) {
        const hit = store.hits.get(hitId)!;
        events.emit({ type: 'hit', hit, detection, alert: alertOf(hit, clock.now()), eventId: hit.id });
      }
      return id;
    },
    async restart(opts = {}) {
      await server.app?.close();
      server = { app: null, base: server.base };
      if (!opts.down) await station.up();
    },
    async up() {
      if (server.app) return;
      server = await build(port);
    },
    async close() {
      await server.app?.close();
      await store.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return station;
}
