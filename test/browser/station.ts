/**
 * The operator station for browser tests: buildServer on the real store (SQLite in a temp dir),
 * the hot-list and snapshot doubles of test/http, and an events bus the test publishes hits on.
 * Listens on 127.0.0.1, port 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfigObject } from '../../src/config/load.js';
import { hashPassword } from '../../src/http/auth/password.js';
import type { LiveEvent, Role } from '../../src/http/ports.js';
import { buildServer } from '../../src/http/server.js';
import type { HotlistHit } from '../../src/hotlist/types.js';
import { systemClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { MemoryHotlist, MemorySnapshots } from '../http/doubles.js';
import { overviewJpeg, plateJpeg } from '../http/fixtures.js';
import { httpConfig, TEST_COST } from '../http/harness.js';

export interface Station {
  app: FastifyInstance;
  base: string;
  store: Store;
  registry: StatusRegistry;
  events: EventBus<LiveEvent>;
  snapshots: MemorySnapshots;
  hotlist: MemoryHotlist;
  addUser(username: string, role: Role, password: string): Promise<void>;
  /** Stores a detection (with hits) and publishes it as the daemon's composition root would. */
  read(text: string, hits: HotlistHit[], over?: { cameraId?: string; ageMs?: number; lat?: number; lon?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function startStation(): Promise<Station> {
  const dir = mkdtempSync(join(tmpdir(), 'alpr-browser-'));
  const registry = new StatusRegistry(systemClock);
  const store = new Store({ config: loadConfigObject({}, dir).config!.store, dataDir: dir, deviceId: 'mdc-1207', logger: silentLogger(), status: registry.reporter('store', 'store'), clock: systemClock });
  await store.start();
  const events = new EventBus<LiveEvent>();
  const snapshots = new MemorySnapshots();
  const hotlist = new MemoryHotlist(systemClock);
  const app = await buildServer({
    config: httpConfig({ snapshot_interval_ms: 500 }),
    registry,
    logger: silentLogger(),
    clock: systemClock,
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
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    base,
    store,
    registry,
    events,
    snapshots,
    hotlist,
    async addUser(username, role, password) {
      store.users.create({ username, role, passwordHash: await hashPassword(password, TEST_COST), fullName: `${username[0]!.toUpperCase()}${username.slice(1)} Example`, contact: 'unit 12' });
    },
    async read(text, hits, over = {}) {
      const at = Date.now() - (over.ageMs ?? 0);
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
      for (const hitId of ref.hitIds) events.emit({ type: 'hit', hit: store.hits.get(hitId)!, detection });
      return id;
    },
    async close() {
      await app.close();
      await store.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
