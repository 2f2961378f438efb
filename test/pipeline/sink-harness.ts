/**
 * A detection sink on the real store (SQLite in a temp dir), with a hot list reduced to a table of
 * plate → entry, a manual clock and the log captured as JSON lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfigObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { HotlistEntryInfo, HotlistHit } from '../../src/hotlist/types.js';
import { DetectionSink } from '../../src/pipeline/detection-sink.js';
import type { LiveEvent } from '../../src/pipeline/live-event.js';
import type { Detection } from '../../src/reads/detection.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createLogger, silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { waitFor } from '../helpers/wait-for.js';
import { detection as storeDetection } from '../store/helpers/fixtures.js';

export const T0 = Date.UTC(2026, 5, 1, 14);

export function entry(plate: string, list: string, over: Partial<HotlistEntryInfo> = {}): HotlistEntryInfo {
  return { id: `${list}:${plate}`, plate, state: 'CA', list, priority: 1, reason: `listed on ${list}`, caseNumber: 'SAC-26-1', informational: false, expiresAt: null, ...over };
}

export function hitFor(e: HotlistEntryInfo, readText = e.plate, retroactive = false): HotlistHit {
  return { entry: e, generation: 'g1', kind: 'exact', readText, explanation: 'exact', retroactive };
}

/**
 * The store tests' detection as the sink sees it: on the rear camera, one candidate (so that only
 * `text` can match the stand-in list), best frame at `bestAt` (T0 unless given) and last seen then.
 */
export function detection(text: string, over: Partial<Detection> = {}): Detection {
  const at = over.bestAt ?? T0;
  return storeDetection({ text, cameraId: 'rear', candidates: [{ text, confidence: 0.93 }], firstSeen: at - 800, bestAt: at, ...over }, at);
}

export interface SinkHarness {
  dir: string;
  config: Config;
  clock: ManualClock;
  store: Store;
  sink: DetectionSink;
  /** plate → entries the stand-in hot list answers with. */
  listed: Map<string, HotlistEntryInfo[]>;
  events: LiveEvent[];
  logLines: string[];
  registry: StatusRegistry;
  /** Sends a detection through the sink and waits until its detection event is out. */
  pass(d: Detection): Promise<LiveEvent[]>;
  close(): Promise<void>;
}

export async function sinkHarness(alerts: Record<string, unknown> = {}): Promise<SinkHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'alpr-sink-'));
  const r = loadConfigObject({ alerts }, dir);
  if (!r.config) throw new Error(r.errors.join('; '));
  const config = r.config;
  const clock = new ManualClock(T0);
  const registry = new StatusRegistry(clock);
  const logLines: string[] = [];
  const sinkStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger('debug', sinkStream, 'json');
  const store = new Store({ config: { ...config.store, group_commit_ms: 0 }, dataDir: join(dir, 'data'), deviceId: 'test', logger: silentLogger(), status: registry.reporter('store', 'store'), clock });
  await store.start();
  const listed = new Map<string, HotlistEntryInfo[]>();
  const sink = new DetectionSink({
    config: config.alerts,
    specialLists: config.hotlist.special_lists,
    logger: logger.child({ unit: 'pipeline' }),
    status: registry.reporter('tracker', 'tracker'),
    clock,
    positionAt: () => null,
    match: (candidates) => candidates.flatMap((c) => (listed.get(c.text) ?? []).map((e) => hitFor(e, c.text))),
    store,
  });
  await sink.start();
  const events: LiveEvent[] = [];
  sink.events.subscribe((e) => events.push(e));
  return {
    dir,
    config,
    clock,
    store,
    sink,
    listed,
    events,
    logLines,
    registry,
    async pass(d) {
      const before = events.length;
      sink.onDetection(d);
      await waitFor(() => events.slice(before).some((e) => e.type === 'detection' && e.detection.id === d.id), `the detection event of ${d.id}`);
      return events.slice(before);
    },
    async close() {
      await sink.stop();
      await store.stop();
      // The store's background checkpoint may still be letting go of its files.
      await waitFor(() => {
        rmSync(dir, { recursive: true, force: true });
        return true;
      }, 'the temp dir to be removed');
    },
  };
}
