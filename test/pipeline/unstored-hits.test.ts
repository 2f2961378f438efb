/**
 * A full disk never silences a hit (issue 17 item 3): when the store cannot keep a detection even
 * after its reserve and purge, the sink still tells its hits to the station, marked `unstored`,
 * by the same presentation and no-flood rules (from memory), and counts and logs the loss
 * without plate text. The store double rejects `ingest` exactly as the real store does.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import type { HotlistEntryInfo } from '../../src/hotlist/types.js';
import { DetectionSink, type SinkStore } from '../../src/pipeline/detection-sink.js';
import type { LiveEvent } from '../../src/pipeline/live-event.js';
import type { Detection } from '../../src/reads/detection.js';
import { ManualClock } from '../../src/shared/clock.js';
import { AlprError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { StoreErrors } from '../../src/store/errors.js';
import { waitFor } from '../helpers/wait-for.js';
import { detection, entry, hitFor, T0 } from './sink-harness.js';

interface Rig {
  sink: DetectionSink;
  events: LiveEvent[];
  logLines: string[];
  registry: StatusRegistry;
  clock: ManualClock;
  listed: Map<string, HotlistEntryInfo[]>;
  /** The newest stored hit id the store double reports. */
  lastStored: { id: number };
  /** Sends a detection and waits until the store's rejection has been handled (its error line is out). */
  pass(d: Detection): Promise<LiveEvent[]>;
}

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.sink.stop();
  rig = null;
});

function make(errorCode: string = StoreErrors.STORE_DISK_FULL, alerts: Record<string, unknown> = {}): Rig {
  const r = loadConfigObject({ alerts }, '/tmp');
  if (!r.config) throw new Error(r.errors.join('; '));
  const config = r.config;
  const clock = new ManualClock(T0);
  const registry = new StatusRegistry(clock);
  const logLines: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    }),
    'json',
  );
  const nothingStored = (): never => {
    throw new Error('nothing was stored: the sink must not ask the store for rows');
  };
  const store: SinkStore = {
    ingest: (d) => Promise.reject(new AlprError(errorCode, { file: '/data/alpr.db', id: d.id, detail: 'disk I/O error' })),
    addRetroactiveHits: nothingStored,
    detections: { get: nothingStored },
    hits: { get: nothingStored },
    hitAlerts: { record: nothingStored, get: nothingStored, openAlert: nothingStored, alertOnSameDetection: nothingStored, seenAgainCount: nothingStored, after: () => [], lastId: () => lastStored.id },
  };
  const listed = new Map<string, HotlistEntryInfo[]>();
  const lastStored = { id: 0 };
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
  const events: LiveEvent[] = [];
  sink.events.subscribe((e) => events.push(e));
  return {
    sink,
    events,
    logLines,
    registry,
    clock,
    listed,
    lastStored,
    async pass(d) {
      const before = events.length;
      const lines = logLines.length;
      sink.onDetection(d);
      await waitFor(() => logLines.slice(lines).some((l) => l.includes('detection could not be stored')), `the loss of ${d.id} to be logged`);
      // The alerts follow the error line in the same turn.
      await Promise.resolve();
      return events.slice(before);
    },
  };
}

const counters = (r: Rig): Record<string, number> => (r.registry.snapshot().units.find((u) => u.name === 'tracker')?.counters ?? {});

describe('a detection the store could not keep', () => {
  test('its hit still alarms, marked unstored (disk full), with entry, read, camera and time in the event itself', async () => {
    rig = make();
    rig.listed.set('8FJK392', [entry('8FJK392', 'stolen_vehicle')]);
    const d = detection('8FJK392', { cameraId: 'front' });
    const events = await rig.pass(d);
    expect(events).toHaveLength(1);
    const [e] = events;
    if (e?.type !== 'hit') throw new Error(`expected a hit, got ${e?.type}`);
    expect(e.alert).toMatchObject({ change: 'new', presentation: 'alarm', sound: 'repeat', stage: 'pass_end', unstored: 'disk_full' });
    expect(e.eventId).toBeUndefined();
    expect(e.hit.id).toBeLessThan(0);
    expect(e.alert?.alertId).toBe(e.hit.id);
    expect(e.hit).toMatchObject({ detectionId: d.id, readText: '8FJK392', entry: { id: 'stolen_vehicle:8FJK392', list: 'stolen_vehicle', caseNumber: 'SAC-26-1' }, outcome: null });
    expect(e.detection).toMatchObject({ id: d.id, text: '8FJK392', cameraId: 'front', bestAt: d.bestAt, hitCount: 1 });
    expect(counters(rig)).toMatchObject({ store_failed: 1, hits_unstored: 1, alerts_unstored: 1, alerts_alarm: 1 });
  });

  test('amber and informational lists keep their presentation; another write error is `store_failed`', async () => {
    rig = make(StoreErrors.STORE_WRITE_FAILED);
    rig.listed.set('5XYZ001', [entry('5XYZ001', 'warrant', { priority: 2 }), entry('5XYZ001', 'gang_watch', { informational: true })]);
    const events = await rig.pass(detection('5XYZ001'));
    expect(events.map((e) => (e.type === 'hit' ? [e.alert?.presentation, e.alert?.sound, e.alert?.unstored] : e.type))).toEqual([
      ['amber', 'once', 'store_failed'],
      ['informational', 'none', 'store_failed'],
    ]);
    expect(new Set(events.map((e) => (e.type === 'hit' ? e.hit.id : 0))).size).toBe(2);
  });

  test('without hits nothing is alerted; the loss is still counted and logged', async () => {
    rig = make();
    const events = await rig.pass(detection('4ABC123'));
    expect(events).toEqual([]);
    expect(counters(rig)).toMatchObject({ store_failed: 1 });
    expect(counters(rig).alerts_unstored).toBeUndefined();
  });

  test('no flood from memory: the pass end revises, another pass within the window is "seen again", after it a new alarm', async () => {
    rig = make(StoreErrors.STORE_DISK_FULL, { seen_again_window_min: 10 });
    rig.listed.set('8FJK392', [entry('8FJK392', 'stolen_vehicle')]);
    const early = detection('8FJK392', { provisional: true, revision: 0 });
    const [first] = await rig.pass(early);
    if (first?.type !== 'hit') throw new Error('no hit');
    expect(first.alert).toMatchObject({ change: 'new', stage: 'first_read', sound: 'repeat' });
    const [ended] = await rig.pass({ ...early, provisional: false, revision: 1 });
    expect(ended).toMatchObject({ type: 'hit-update', alert: { change: 'revised', alertId: first.hit.id, sound: 'none', stage: 'pass_end', unstored: 'disk_full' } });
    rig.clock.advance(4 * 60_000);
    const [again] = await rig.pass(detection('8FJK392', { bestAt: rig.clock.now(), cameraId: 'front' }));
    expect(again).toMatchObject({ type: 'hit-update', alert: { change: 'seen_again', alertId: first.hit.id, sound: 'none', seenAgain: { count: 1, cameraId: 'front' } } });
    // The window runs from the latest pass: 8 min after it is still within 10.
    rig.clock.advance(8 * 60_000);
    const [third] = await rig.pass(detection('8FJK392', { bestAt: rig.clock.now() }));
    expect(third).toMatchObject({ type: 'hit-update', alert: { change: 'seen_again', alertId: first.hit.id, seenAgain: { count: 2 } } });
    rig.clock.advance(11 * 60_000);
    const [later] = await rig.pass(detection('8FJK392', { bestAt: rig.clock.now() }));
    expect(later).toMatchObject({ type: 'hit', alert: { change: 'new', sound: 'repeat' } });
    expect(later?.type === 'hit' && later.hit.id).not.toBe(first.hit.id);
  });

  test('a page that reconnects gets the unstored alerts told after the last stored hit it has, once', async () => {
    rig = make();
    rig.listed.set('8FJK392', [entry('8FJK392', 'stolen_vehicle')]);
    rig.lastStored.id = 7;
    const [told] = await rig.pass(detection('8FJK392'));
    if (told?.type !== 'hit') throw new Error('no hit');
    expect(rig.sink.events.replay(7, 500).events).toMatchObject([{ type: 'hit', replayed: true, hit: { id: told.hit.id }, alert: { unstored: 'disk_full', change: 'new' } }]);
    expect(rig.sink.events.replay(3, 500).events).toHaveLength(1);
    // A page that has a stored hit told after it saw the alert live (or got it replayed then).
    expect(rig.sink.events.replay(8, 500).events).toEqual([]);
  });

  test('the log lines name the loss and the alert, never the plate text', async () => {
    rig = make();
    rig.listed.set('8FJK392', [entry('8FJK392', 'stolen_vehicle')]);
    await rig.pass(detection('8FJK392'));
    await rig.pass(detection('4ABC123'));
    const records = rig.logLines.map((l) => JSON.parse(l) as { msg: string });
    expect(records.filter((r) => r.msg === 'detection could not be stored')).toHaveLength(2);
    expect(records.filter((r) => r.msg.startsWith('HIT: alarm alert (not stored: disk full)'))).toHaveLength(1);
    for (const l of rig.logLines) {
      expect(l).not.toContain('8FJK392');
      expect(l).not.toContain('4ABC123');
    }
  });
});
