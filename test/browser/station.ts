/**
 * The operator station for browser tests: buildServer on the real store (SQLite in a temp dir)
 * fed by the daemon's real detection sink (presentation per list, seen-again folding, grouped
 * retroactive notices, replay after Last-Event-ID), with the hot-list and snapshot doubles of
 * test/http. A test says which hot-list hits a read has; the sink does the rest.
 * Listens on 127.0.0.1, port 0. `restart()` stops the HTTP server and starts a new one on the
 * same port and store, as a daemon restart does (sessions are lost with it); the clock can be
 * moved ahead to expire sessions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfigObject } from '../../src/config/load.js';
import { hashPassword } from '../../src/accounts/password.js';
import type { Role } from '../../src/http/ports.js';
import { buildServer } from '../../src/http/server.js';
import type { HotlistHit } from '../../src/hotlist/types.js';
import type { Clock } from '../../src/shared/clock.js';
import { DetectionSink, type LiveEvents } from '../../src/pipeline/detection-sink.js';
import type { LiveEvent } from '../../src/pipeline/live-event.js';
import type { Position } from '../../src/gps/fix.js';
import { waitFor } from '../helpers/wait-for.js';
import { silentLogger } from '../../src/shared/logger.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { MemoryHotlist, MemorySnapshots } from '../http/doubles.js';
import { overviewJpeg, plateJpeg } from '../http/fixtures.js';
import { httpConfig, TEST_COST } from '../http/harness.js';

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
  events: LiveEvents;
  /** Every event the sink told the station, in order. */
  told: LiveEvent[];
  snapshots: MemorySnapshots;
  hotlist: MemoryHotlist;
  addUser(username: string, role: Role, password: string): Promise<void>;
  /** Sends a read through the detection sink with these hot-list hits; resolves once it is stored and told. */
  read(text: string, hits: HotlistHit[], over?: { cameraId?: string; ageMs?: number; lat?: number; lon?: number }): Promise<string>;
  /** A newly listed plate found in a stored read: the sink's retroactive path. */
  retro(detectionId: string, hits: HotlistHit[]): void;
  /** Stops the HTTP server (open streams end), and starts it again on the same port unless `down` is set. */
  restart(opts?: { down?: boolean }): Promise<void>;
  /** Starts the HTTP server again after `restart({ down: true })`. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** `accounts`: serve the account policies (issue 20: corrections, approvals) on the store's records. */
export async function startStation(opts: { accounts?: boolean } = {}): Promise<Station> {
  const dir = mkdtempSync(join(tmpdir(), 'alpr-browser-'));
  const clock = new AheadClock();
  const registry = new StatusRegistry(clock);
  const config = loadConfigObject({}, dir).config!;
  const store = new Store({ config: config.store, dataDir: dir, deviceId: 'mdc-1207', logger: silentLogger(), status: registry.reporter('store', 'store'), clock });
  await store.start();
  const position: Position = { lat: 38.5816, lon: -121.4944, altitude_m: null, speed_mps: 12, heading_deg: 90, mode: '3d', satellites: 9, hdop: 0.9, age_ms: 200, trusted: true, untrusted_reason: null, interpolated: false };
  let at: Position = position;
  /** Read text → the hot-list hits the stand-in matcher answers with. */
  const listed = new Map<string, HotlistHit[]>();
  const sink = new DetectionSink({
    config: config.alerts,
    specialLists: config.hotlist.special_lists,
    logger: silentLogger(),
    status: registry.reporter('tracker', 'tracker', { readiness: false }),
    clock,
    positionAt: () => at,
    match: (candidates) => candidates.flatMap((c) => listed.get(c.text) ?? []),
    store,
  });
  await sink.start();
  const events = sink.events;
  const told: LiveEvent[] = [];
  events.subscribe((e) => told.push(e));
  const snapshots = new MemorySnapshots();
  const hotlist = new MemoryHotlist(clock);
  const build = async (port: number): Promise<{ app: FastifyInstance; base: string }> => {
    const app = await buildServer({
      // Idle limit at its maximum: tests move the clock ahead by hours to reach the shift limit.
      config: httpConfig({ snapshot_interval_ms: 500, session_idle_timeout_min: 720 }),
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
      damageReports: store.damageReports,
      ...(opts.accounts ? { accounts: { records: store.users.records, config: config.accounts } } : {}),
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
    told,
    snapshots,
    hotlist,
    async addUser(username, role, password) {
      store.users.create({ username, role, passwordHash: await hashPassword(password, TEST_COST), fullName: `${username[0]!.toUpperCase()}${username.slice(1)} Example`, contact: 'unit 12' });
    },
    async read(text, hits, over = {}) {
      const t = clock.now() - (over.ageMs ?? 0);
      const id = uuidv7(t);
      listed.set(text, hits);
      at = { ...position, lat: over.lat ?? position.lat, lon: over.lon ?? position.lon };
      const before = told.length;
      sink.onDetection({
        id, cameraId: over.cameraId ?? 'front', text, confidence: 0.91, candidates: [{ text, confidence: 0.91 }], region: 'us', firstSeen: t - 1200, lastSeen: t, bestAt: t - 500,
        frameCount: 7, direction: 'approaching', box: { x: 240, y: 230, w: 160, h: 52 }, plateJpeg: await plateJpeg(text), overviewJpeg: await overviewJpeg(text),
      });
      await waitFor(() => told.slice(before).some((e) => e.type === 'detection' && e.detection.id === id), `the detection event of ${text}`);
      listed.delete(text);
      return id;
    },
    retro(detectionId, hits) {
      sink.onRetroactiveHit(detectionId, hits);
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
      await sink.stop();
      await store.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return station;
}
