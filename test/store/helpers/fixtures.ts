/** Builders for store, upload and detection-sink tests: detections, positions, hits, a store in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { StoreSection, type StoreConfig } from '../../../src/config/sections/store.js';
import type { Position } from '../../../src/gps/fix.js';
import type { HotlistHit } from '../../../src/hotlist/types.js';
import type { Detection } from '../../../src/reads/detection.js';
import { ManualClock, type Clock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { uuidv7 } from '../../../src/shared/uuid.js';
import { StatusRegistry } from '../../../src/status/registry.js';
import { Store } from '../../../src/store/store.js';

export type StoreOverrides = Partial<Omit<StoreConfig, 'retention' | 'quota'>> & {
  retention?: Partial<StoreConfig['retention']>;
  quota?: Partial<StoreConfig['quota']>;
};

export function storeConfig(overrides: StoreOverrides = {}): StoreConfig {
  const base = Value.Default(StoreSection, {}) as StoreConfig;
  return { ...base, ...overrides, retention: { ...base.retention, ...overrides.retention }, quota: { ...base.quota, ...overrides.quota } };
}

let counter = 0;

/** A JPEG-like buffer (SOI … EOI) of `size` bytes, different for every call. */
export function jpeg(size: number, seed = ++counter): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  b[0] = 0xff;
  b[1] = 0xd8;
  b[size - 2] = 0xff;
  b[size - 1] = 0xd9;
  return b;
}

export function detection(over: Partial<Detection> = {}, at = Date.UTC(2026, 0, 1, 12)): Detection {
  const text = over.text ?? 'ABC123';
  return {
    id: uuidv7(at),
    cameraId: 'front',
    text,
    confidence: 0.93,
    candidates: [
      { text, confidence: 0.93 },
      { text: `${text.slice(0, -1)}8`, confidence: 0.04 },
    ],
    region: 'us',
    firstSeen: at - 1500,
    lastSeen: at,
    bestAt: at - 700,
    frameCount: 6,
    direction: 'approaching',
    box: { x: 100, y: 200, w: 120, h: 40 },
    plateJpeg: jpeg(600),
    overviewJpeg: jpeg(4000),
    ...over,
  };
}

export function position(over: Partial<Position> = {}): Position {
  return {
    lat: 38.5816,
    lon: -121.4944,
    altitude_m: 10,
    speed_mps: 12.5,
    heading_deg: 90,
    mode: '3d',
    satellites: 9,
    hdop: 0.9,
    age_ms: 120,
    trusted: true,
    untrusted_reason: null,
    interpolated: false,
    ...over,
  };
}

export function hit(over: Partial<HotlistHit> = {}): HotlistHit {
  return {
    entry: {
      id: 'e-1',
      plate: 'ABC123',
      state: 'CA',
      list: 'stolen',
      priority: 1,
      reason: 'stolen vehicle',
      caseNumber: '26-0001',
      informational: false,
      expiresAt: null,
    },
    generation: 'g-1',
    kind: 'exact',
    readText: 'ABC123',
    explanation: 'exact',
    retroactive: false,
    ...over,
  };
}

export interface TestStore {
  store: Store;
  registry: StatusRegistry;
  clock: Clock;
  dir: string;
  cleanup(): Promise<void>;
}

/** A started store in a fresh temp dir; `cleanup` stops it and removes the dir. */
export async function openTestStore(opts: { config?: StoreOverrides; clock?: Clock; dir?: string; deviceId?: string } = {}): Promise<TestStore> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'alpr-store-'));
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 0, 2));
  const registry = new StatusRegistry(clock);
  const store = new Store({
    config: storeConfig(opts.config),
    dataDir: dir,
    deviceId: opts.deviceId ?? 'unit-7',
    logger: silentLogger(),
    status: registry.reporter('store', 'store'),
    clock,
  });
  await store.start();
  return {
    store,
    registry,
    clock,
    dir,
    async cleanup() {
      await store.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Acts as the server acknowledging these detections now (the store's clock). */
export function acknowledge(store: Store, detectionIds: readonly string[]): void {
  const entries = store.outbox.claim(1_000_000);
  const want = new Set(detectionIds);
  const acked = entries.filter((e) => e.stream === 'detection' && want.has(store.detections.loadForUpload(e.ref, false)?.id ?? ''));
  store.outbox.ack(acked);
  store.outbox.release(entries.filter((e) => !acked.includes(e)).map((e) => e.outboxId));
}
