/**
 * A station on a real store for the administrator's records view: one detection purged past the
 * maximum age (a `purge` audit row), one on evidence hold, an administrator and an operator.
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { hashPassword } from '../../src/accounts/password.js';
import { buildServer } from '../../src/http/server.js';
import { ManualClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { LiveEvent } from '../../src/pipeline/live-event.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { detection, openTestStore, type TestStore } from '../store/helpers/fixtures.js';
import { MemoryHotlist, MemorySnapshots } from './doubles.js';
import { httpConfig, PASSWORD, TEST_COST } from './harness.js';

const DAY = 86_400_000;
export const RETENTION = { min_age_d: 90, max_age_d: 730, grace_after_upload_h: 72, check_interval_s: 86_400, purge_batch_ms: 20 };

export interface RecordsStation {
  app: FastifyInstance;
  t: TestStore;
  heldId: string;
  close(): Promise<void>;
}

export async function recordsStation(): Promise<RecordsStation> {
  const now = Date.now();
  const clock = new ManualClock(now - 800 * DAY);
  const t = await openTestStore({ clock, config: { synchronous: 'normal', retention: RETENTION } });
  const old = detection({ text: 'OLD123', bestAt: clock.now() }, clock.now());
  const held = detection({ text: 'HELD456', bestAt: clock.now() + 1000 }, clock.now() + 1000);
  t.store.insertDetection(old, null, []);
  t.store.insertDetection(held, null, []);
  clock.set(now);
  expect(t.store.detections.setEvidenceHold(held.id, true, 'det.ortiz', 'case SAC-26-0042, court order')).toBe(true);
  await t.store.maintain();
  for (const [username, role] of [['adam', 'administrator'], ['olive', 'operator']] as const) {
    t.store.users.create({ username, role, passwordHash: await hashPassword(PASSWORD, TEST_COST), fullName: `${username} Fullname`, contact: 'x100' });
  }
  const registry = new StatusRegistry(clock);
  const app = await buildServer({
    config: httpConfig(),
    registry,
    logger: silentLogger(),
    clock,
    version: 'test',
    device: { id: 'mdc-1207', agency: 'Demo Agency', mode: 'patrol' },
    users: t.store.users,
    audit: t.store.audit,
    detections: t.store.detections,
    hits: t.store.hits,
    hotlist: new MemoryHotlist(clock),
    events: new EventBus<LiveEvent>(),
    snapshots: new MemorySnapshots(),
    records: { settings: { retention: RETENTION, quota: { max_mb: 2048, min_free_mb: 256, purge_unuploaded: false } }, held: (limit) => t.store.detections.held(limit) },
  });
  return {
    app,
    t,
    heldId: held.id,
    close: async () => {
      await app.close();
      await t.cleanup();
    },
  };
}
