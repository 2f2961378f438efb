/**
 * The junction after the tracker, on the real store: what is stored, what the station is told
 * (and how: new alert, revision, seen again, grouped retroactive notice), what a reconnecting
 * page gets replayed, and that no plate text reaches the log.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DetectionSink, type SinkStore } from '../../src/pipeline/detection-sink.js';
import type { LiveEvent } from '../../src/pipeline/live-event.js';
import { silentLogger } from '../../src/shared/logger.js';
import { waitFor } from '../helpers/wait-for.js';
import { detection, entry, hitFor, sinkHarness, T0, type SinkHarness } from './sink-harness.js';

let h: SinkHarness;
afterEach(async () => {
  await h.close();
});

const alerts = (events: LiveEvent[]) => events.filter((e) => e.type !== 'detection');

describe('detection → match → store → alert', () => {
  beforeEach(async () => {
    h = await sinkHarness();
    h.listed.set('7TRW815', [entry('7TRW815', 'stolen_vehicle')]);
  });

  test('a detection is stored before it is told, and a hit alarms once with the store id as event id', async () => {
    const d = detection('7TRW815');
    const events = await h.pass(d);
    expect(events[0]).toMatchObject({ type: 'detection', detection: { id: d.id, text: '7TRW815', hitCount: 1 } });
    const [hit] = alerts(events);
    expect(hit).toMatchObject({ type: 'hit', alert: { change: 'new', presentation: 'alarm', sound: 'repeat', stage: 'pass_end' } });
    if (hit?.type !== 'hit') throw new Error('no hit');
    expect(hit.eventId).toBe(hit.hit.id);
    expect(hit.alert?.alertId).toBe(hit.hit.id);
    expect(h.store.hits.get(hit.hit.id)?.detectionId).toBe(d.id);
    expect(h.store.hitAlerts.get(hit.hit.id)).toMatchObject({ change: 'new', presentation: 'alarm' });
  });

  test('a detection with no hit is stored and told without an alert', async () => {
    const events = await h.pass(detection('4ABC123'));
    expect(events.map((e) => e.type)).toEqual(['detection']);
  });

  test('the pass end after a hit on the first confident read revises that alert instead of alarming again', async () => {
    const early = detection('7TRW815', { provisional: true, revision: 0, frameCount: 2 });
    const first = alerts(await h.pass(early));
    expect(first).toMatchObject([{ type: 'hit', alert: { change: 'new', stage: 'first_read', sound: 'repeat' } }]);
    const ended = alerts(await h.pass({ ...early, provisional: false, revision: 1, frameCount: 9, lastSeen: early.lastSeen + 1500 }));
    expect(ended).toMatchObject([{ type: 'hit-update', alert: { change: 'revised', stage: 'pass_end', sound: 'none', alertId: (first[0] as { eventId: number }).eventId } }]);
    expect(h.store.detections.get(early.id)?.frameCount).toBe(9);
  });

  test('a revision whose better read matches the same entry is a revision, not a second alarm', async () => {
    h.listed.set('7TRW8I5', [entry('7TRW815', 'stolen_vehicle')]);
    const early = detection('7TRW8I5', { provisional: true, revision: 0 });
    const [first] = alerts(await h.pass(early));
    const ended = alerts(await h.pass({ ...early, text: '7TRW815', candidates: [{ text: '7TRW815', confidence: 0.95 }], provisional: false, revision: 1 }));
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ type: 'hit-update', alert: { change: 'revised', alertId: (first as { eventId: number }).eventId } });
  });

  test('no flood: after a hit is verified, the same plate and entry within the window is "seen again", not an alarm', async () => {
    const [first] = alerts(await h.pass(detection('7TRW815')));
    if (first?.type !== 'hit') throw new Error('no hit');
    h.clock.advance(60_000);
    expect(h.store.hits.verify(first.hit.id, { outcome: 'confirmed', user: 'olive', note: null, at: h.clock.now() })).toBe(true);
    h.clock.advance(12_000);
    const again = alerts(await h.pass(detection('7TRW815', { bestAt: h.clock.now(), cameraId: 'front' })));
    expect(again).toMatchObject([{ type: 'hit-update', alert: { change: 'seen_again', alertId: first.hit.id, sound: 'none', seenAgain: { count: 1, cameraId: 'front' } } }]);
    h.clock.advance(12_000);
    const third = alerts(await h.pass(detection('7TRW815', { bestAt: h.clock.now() })));
    expect(third).toMatchObject([{ type: 'hit-update', alert: { change: 'seen_again', alertId: first.hit.id, seenAgain: { count: 2 } } }]);
  });

  test('a rejected hit folds the next pass as well; after the window the plate alarms again', async () => {
    const [first] = alerts(await h.pass(detection('7TRW815')));
    if (first?.type !== 'hit') throw new Error('no hit');
    h.store.hits.verify(first.hit.id, { outcome: 'misread', user: 'olive', note: null, at: h.clock.now() });
    h.clock.advance(5 * 60_000);
    expect(alerts(await h.pass(detection('7TRW815', { bestAt: h.clock.now() })))[0]).toMatchObject({ type: 'hit-update', alert: { change: 'seen_again' } });
    h.clock.advance(h.config.alerts.seen_again_window_min * 60_000 + 1);
    expect(alerts(await h.pass(detection('7TRW815', { bestAt: h.clock.now() })))[0]).toMatchObject({ type: 'hit', alert: { change: 'new' } });
  });

  test('another entry for the same plate is its own alert', async () => {
    h.listed.set('7TRW815', [entry('7TRW815', 'stolen_vehicle')]);
    await h.pass(detection('7TRW815'));
    h.listed.set('7TRW815', [entry('7TRW815', 'stolen_vehicle'), entry('7TRW815', 'warrant')]);
    h.clock.advance(10_000);
    const again = alerts(await h.pass(detection('7TRW815', { bestAt: h.clock.now() })));
    expect(again.map((e) => [e.type, e.alert?.change, e.alert?.presentation])).toEqual([
      ['hit-update', 'seen_again', 'alarm'],
      ['hit', 'new', 'amber'],
    ]);
  });
});

describe('presentation per list', () => {
  test('alarm, amber, informational and the fallback, carried in the event', async () => {
    h = await sinkHarness({ amber_lists: ['warrant'], default_presentation: 'amber' });
    h.listed.set('1AAA111', [entry('1AAA111', 'stolen_plate')]);
    h.listed.set('2BBB222', [entry('2BBB222', 'warrant')]);
    h.listed.set('3CCC333', [entry('3CCC333', 'sex_offender', { informational: true })]);
    h.listed.set('4DDD444', [entry('4DDD444', 'parking_scofflaw')]);
    // An alarm list's entry entered as informational is still an alarm.
    h.listed.set('5EEE555', [entry('5EEE555', 'felony_vehicle', { informational: true })]);
    const told: [string, string | undefined, string | undefined][] = [];
    for (const plate of ['1AAA111', '2BBB222', '3CCC333', '4DDD444', '5EEE555']) {
      const [e] = alerts(await h.pass(detection(plate)));
      told.push([plate, e?.alert?.presentation, e?.alert?.sound]);
    }
    expect(told).toEqual([
      ['1AAA111', 'alarm', 'repeat'],
      ['2BBB222', 'amber', 'once'],
      ['3CCC333', 'informational', 'none'],
      ['4DDD444', 'amber', 'once'],
      ['5EEE555', 'alarm', 'repeat'],
    ]);
  });
});

describe('retroactive matches', () => {
  beforeEach(async () => {
    h = await sinkHarness({ retroactive_group_s: 1 });
  });

  test('23 older reads of a newly listed plate become one silent notice, stored for upload', async () => {
    const stored: string[] = [];
    h.store.onStored((e) => stored.push(e.id));
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const d = detection('8XYZ777', { bestAt: T0 - (23 - i) * 20_000, cameraId: i === 22 ? 'front' : 'rear' });
      ids.push(d.id);
      await h.pass(d);
    }
    const e = entry('8XYZ777', 'stolen_vehicle');
    const before = h.events.length;
    for (const id of ids) h.sink.onRetroactiveHit(id, [hitFor(e, '8XYZ777', true)]);
    await waitFor(() => h.events.length > before, 'the grouped notice');
    const told = h.events.slice(before);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      type: 'notice',
      alert: { change: 'retroactive', sound: 'none', presentation: 'alarm' },
      notice: { kind: 'retroactive', count: 23, lastAt: T0 - 20_000, firstAt: T0 - 23 * 20_000, lastCameraId: 'front', lastDetectionId: ids[22] },
    });
    const notice = told[0] as Extract<LiveEvent, { type: 'notice' }>;
    expect(notice.notice.hitIds).toHaveLength(23);
    expect(notice.eventId).toBe(Math.max(...notice.notice.hitIds));
    // The uploader hears of the new hit rows from the store, like of any other row.
    expect(stored.filter((id) => ids.includes(id)).length).toBeGreaterThanOrEqual(23 * 2);
  });
});

describe('replay for a page that reconnects', () => {
  test('every hit stored after the last event id, told as it was live, retroactive hits grouped', async () => {
    h = await sinkHarness({ retroactive_group_s: 0 });
    h.listed.set('7TRW815', [entry('7TRW815', 'stolen_vehicle')]);
    h.listed.set('2BBB222', [entry('2BBB222', 'warrant')]);
    const [first] = alerts(await h.pass(detection('7TRW815')));
    const seenFrom = (first as { eventId: number }).eventId;
    // Missed while the page was away: a new amber hit, a seen-again pass, two retroactive hits.
    h.clock.advance(5000);
    await h.pass(detection('2BBB222', { bestAt: h.clock.now() }));
    h.clock.advance(5000);
    await h.pass(detection('7TRW815', { bestAt: h.clock.now() }));
    const old1 = detection('9QQQ999', { bestAt: T0 - 600_000 });
    const old2 = detection('9QQQ999', { bestAt: T0 - 300_000 });
    await h.pass(old1);
    await h.pass(old2);
    const e = entry('9QQQ999', 'felony_vehicle');
    h.sink.onRetroactiveHit(old1.id, [hitFor(e, '9QQQ999', true)]);
    h.sink.onRetroactiveHit(old2.id, [hitFor(e, '9QQQ999', true)]);

    const { events, truncated } = h.sink.events.replay(seenFrom, 500);
    expect(truncated).toBe(false);
    expect(events.map((x) => [x.type, x.type === 'detection' ? null : x.alert?.change])).toEqual([
      ['hit', 'new'],
      ['hit-update', 'seen_again'],
      ['notice', 'retroactive'],
    ]);
    expect(events.every((x) => x.type !== 'detection' && x.replayed === true)).toBe(true);
    const ids = events.map((x) => (x.type === 'detection' ? 0 : x.eventId!));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(seenFrom);
    expect(events[2]).toMatchObject({ notice: { count: 2 } });
    expect(h.sink.events.lastId()).toBe(ids[2]);
    // Bounded: the page continues from the last id it got.
    const page = h.sink.events.replay(seenFrom, 1);
    expect(page.truncated).toBe(true);
    expect(page.events).toHaveLength(1);
  });
});

describe('the log', () => {
  test('stored detections and hits are logged at info without plate text', async () => {
    h = await sinkHarness();
    h.listed.set('7TRW815', [entry('7TRW815', 'stolen_vehicle')]);
    await h.pass(detection('7TRW815'));
    await h.pass(detection('4ABC123'));
    const records = h.logLines.map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(records.filter((r) => r.msg === 'detection stored')).toHaveLength(2);
    expect(records.some((r) => r.msg === 'HIT: alarm alert' && r.level === 30)).toBe(true);
    for (const line of h.logLines) {
      expect(line).not.toContain('7TRW815');
      expect(line).not.toContain('4ABC123');
    }
  });

  test('a detection the store refuses is counted and logged without its text', async () => {
    h = await sinkHarness();
    await h.store.stop();
    h.sink.onDetection(detection('6LOST66'));
    await waitFor(() => h.logLines.some((l) => l.includes('detection could not be stored')), 'the store failure log line');
    expect(h.logLines.join('\n')).not.toContain('6LOST66');
    expect(h.registry.reporter('tracker', 'tracker').get().counters.store_failed).toBe(1);
  });
});

test('a detection stored but not told (the store closing under a shutdown) is counted, never an unhandled rejection', async () => {
  h = await sinkHarness();
  const real = h.store;
  const closing: SinkStore = {
    ingest: (d, p, hits) => real.ingest(d, p, hits),
    addRetroactiveHits: (id, hits) => real.addRetroactiveHits(id, hits),
    detections: {
      get: () => {
        throw new Error('the store is not started');
      },
    },
    hits: real.hits,
    hitAlerts: real.hitAlerts,
  };
  const status = h.registry.reporter('closing', 'tracker');
  const sink = new DetectionSink({ config: h.config.alerts, specialLists: [], logger: silentLogger(), status, clock: h.clock, positionAt: () => null, match: () => [], store: closing });
  const d = detection('1ABC234');
  sink.onDetection(d);
  await waitFor(() => status.get().counters.tell_failed === 1, 'the failure to tell to be counted');
  expect(real.detections.get(d.id)?.id).toBe(d.id);
});
