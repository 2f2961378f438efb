/**
 * Hits on the first confident read: the tracker emits a pass still in view as soon as its
 * consensus is confident and the hot list knows it, and the pass's end revises that detection
 * (same id, next revision) instead of making a second one; the sink alerts once, then updates.
 */
import { describe, expect, it } from 'vitest';
import type { Detection } from '../../src/reads/detection.js';
import { PlateTracker, type PlateTrackerDeps } from '../../src/reads/plate-tracker.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { waitFor } from '../helpers/wait-for.js';
import { frameReads, makeFrame, makeRead } from '../reads/synthetic-passes.js';
import { evidenceOf, flush, trackerConfig } from '../reads/tracker-harness.js';
import { entry, sinkHarness } from './sink-harness.js';

const T0 = Date.UTC(2026, 5, 1, 14);

function tracker(onDetection: (d: Detection) => void, wanted: string[] | null, clock = new ManualClock(T0)) {
  const registry = new StatusRegistry(clock);
  const status = registry.reporter('tracker', 'tracker');
  let encodes = 0;
  const deps: PlateTrackerDeps = {
    config: trackerConfig(),
    logger: silentLogger(),
    status,
    clock,
    encode: (frame) => {
      encodes++;
      return Promise.resolve(evidenceOf(frame));
    },
    onDetection,
    ...(wanted ? { firstRead: { minConfidence: 0.8, wanted: (c: readonly { text: string }[]) => c.some((x) => wanted.includes(x.text)) } } : {}),
  };
  const t = new PlateTracker(deps);
  /** Frame `i` of a plate driving through the view (10 fps). */
  const frame = (text: string, i: number): void => {
    const at = T0 + i * 100;
    const box = { x: 40 + i * 6, y: 120, w: 60 + i, h: 18 };
    const f = makeFrame('rear', i, at, [box]);
    clock.set(at + 40);
    t.push(frameReads(f, [makeRead(text, box)]), f);
  };
  return { t, clock, frame, status, encodes: () => encodes };
}

describe('the tracker on the first confident read', () => {
  it('emits a listed plate while it is still in view, then revises it when the pass ends', async () => {
    const out: Detection[] = [];
    const k = tracker((d) => out.push(d), ['7TRW815']);
    let i = 0;
    while (out.length === 0 && i < 10) {
      k.frame('7TRW815', i++);
      await flush();
    }
    expect(out).toHaveLength(1);
    const early = out[0]!;
    expect(early).toMatchObject({ provisional: true, revision: 0, text: '7TRW815' });
    expect(early.confidence).toBeGreaterThanOrEqual(0.8);
    expect(i).toBeLessThan(10);
    const framesAtFirstRead = early.frameCount;
    // The vehicle stays in view for more frames; nothing more is emitted until the pass ends.
    for (; i < 12; i++) k.frame('7TRW815', i);
    await flush();
    expect(out).toHaveLength(1);
    k.clock.advance(5000);
    k.t.tick();
    await waitFor(() => out.length === 2, 'the pass-end revision');
    expect(out[1]).toMatchObject({ id: early.id, revision: 1, frameCount: 12 });
    expect(out[1]!.provisional).toBeUndefined();
    expect(framesAtFirstRead).toBeLessThan(12);
    expect(k.status.get().counters.first_reads_emitted).toBe(1);
  });

  it('waits for the pass end when the hot list does not know the plate (no second write per vehicle)', async () => {
    const out: Detection[] = [];
    const k = tracker((d) => out.push(d), ['7TRW815']);
    for (let i = 0; i < 8; i++) k.frame('4ABC123', i);
    await flush();
    expect(out).toHaveLength(0);
    k.clock.advance(5000);
    k.t.tick();
    await waitFor(() => out.length === 1, 'the detection');
    expect(out[0]).toMatchObject({ revision: 0, text: '4ABC123' });
    expect(k.encodes()).toBe(1);
  });

  it('is off without the option: detections only at the pass end', async () => {
    const out: Detection[] = [];
    const k = tracker((d) => out.push(d), null);
    for (let i = 0; i < 8; i++) k.frame('7TRW815', i);
    await flush();
    expect(out).toHaveLength(0);
    k.clock.advance(5000);
    k.t.tick();
    await waitFor(() => out.length === 1, 'the detection');
    expect(out[0]!.revision).toBe(0);
  });
});

it('tracker → sink: one alarm on the first confident read, revised (silently) at the pass end', async () => {
  const h = await sinkHarness();
  try {
    h.listed.set('7TRW815', [entry('7TRW815', 'stolen_vehicle')]);
    const k = tracker((d) => h.sink.onDetection(d), ['7TRW815'], h.clock);
    let i = 0;
    while (!h.events.some((e) => e.type === 'hit') && i < 12) {
      k.frame('7TRW815', i++);
      await flush();
      if (k.status.get().counters.first_reads_emitted) await waitFor(() => h.events.some((e) => e.type === 'hit'), 'the first-read alert');
    }
    expect(h.events.find((e) => e.type === 'hit')).toMatchObject({ alert: { stage: 'first_read', change: 'new', presentation: 'alarm' } });
    for (; i < 12; i++) k.frame('7TRW815', i);
    h.clock.advance(5000);
    k.t.tick();
    await waitFor(() => h.events.some((e) => e.type === 'hit-update'), 'the pass-end revision');
    const told = h.events.filter((e) => e.type !== 'detection');
    expect(told.map((e) => [e.type, e.alert?.change, e.alert?.stage])).toEqual([
      ['hit', 'new', 'first_read'],
      ['hit-update', 'revised', 'pass_end'],
    ]);
    const det = h.events.filter((e) => e.type === 'detection');
    expect(new Set(det.map((e) => (e.type === 'detection' ? e.detection.id : '')))).toHaveProperty('size', 1);
    expect(det.at(-1)).toMatchObject({ detection: { frameCount: 12, hitCount: 1 } });
  } finally {
    await h.close();
  }
});
