import { describe, expect, it } from 'vitest';
import { ConfusionTable, DEFAULT_CONFUSION_CLASSES } from '../../src/plate/confusion-table.js';
import type { Detection } from '../../src/reads/detection.js';
import { frameReads, makeFrame, makeRead, readAt, type PassSpec } from './synthetic-passes.js';
import { T0, flush, harness } from './tracker-harness.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An approaching car: the plate grows and moves down the image; frames 2, 5 and 9 are misread. */
const approaching: PassSpec = {
  text: '7ABC123',
  frames: 12,
  box: { x: 120, y: 60, w: 50, h: 16 },
  dy: 4,
  growth: 0.05,
  misreads: { 2: { kind: 'swap', pos: 4 }, 5: { kind: 'drop', pos: 2 }, 9: { kind: 'extra', pos: 3 } },
};

const ids = (ds: Detection[]): string[] => [...new Set(ds.map((d) => d.id))];

describe('PlateTracker: one detection per vehicle pass', () => {
  it('turns 12 frames of one vehicle with 3 misreads into one detection with the right text', async () => {
    const h = harness();
    const frames = h.feed('front', [approaching], T0);
    await h.settle(T0 + 1100 + 2000);

    expect(h.detections).toHaveLength(1);
    const d = h.detections[0]!;
    expect(d.text).toBe('7ABC123');
    expect(d.id).toMatch(UUID_V7);
    expect(d.cameraId).toBe('front');
    expect(d.frameCount).toBe(12);
    expect(d.firstSeen).toBe(T0);
    expect(d.lastSeen).toBe(T0 + 1100);
    expect(d.revision).toBe(0);
    expect(d.region).toBe('us');
    expect(d.confidence).toBeGreaterThan(0.5);
    expect(d.candidates[0]).toEqual({ text: '7ABC123', confidence: d.confidence });
    const misreads = frames.map((_, i) => readAt(approaching, i).text).filter((t) => t !== '7ABC123');
    expect(misreads).toHaveLength(3);
    expect(d.candidates.map((c) => c.text).sort()).toEqual(['7ABC123', ...misreads].sort());
  });

  it('encodes the evidence once per pass, from the best frame, and attaches it', async () => {
    const h = harness();
    const frames = h.feed('front', [approaching], T0);
    await h.settle(T0 + 1100 + 2000);

    expect(h.encodeCalls).toHaveLength(1);
    const { frame, box } = h.encodeCalls[0]!;
    const i = frames.indexOf(frame);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(approaching.misreads?.[i]).toBeUndefined(); // a frame whose read agrees with the consensus
    expect(i).toBeGreaterThanOrEqual(6); // the plate grows: later frames are larger
    const d = h.detections[0]!;
    expect(d.box).toEqual(box);
    expect(d.bestAt).toBe(frame.capturedAt);
    expect(d.plateJpeg.toString()).toBe(`plate:front:${frame.seq}`);
    expect(d.overviewJpeg.toString()).toBe(`overview:front:${frame.seq}`);
  });

  it('prefers a sharp frame over a blurred one of the same size and confidence', async () => {
    const h = harness();
    const box = { x: 100, y: 100, w: 60, h: 20 };
    const push = (seq: number, blur: boolean): void => {
      const frame = makeFrame('front', seq, T0 + seq * 100, [box], blur);
      h.tracker.push(frameReads(frame, [makeRead('7ABC123', box)]), frame);
    };
    push(0, true);
    push(1, false);
    push(2, true);
    await h.settle(T0 + 5000);
    expect(h.encodeCalls.map((c) => c.frame.seq)).toEqual([1]);
  });

  it('discards a pass whose consensus is shorter than min_text_length (road markings, sign fragments)', async () => {
    const h = harness();
    const box = { x: 100, y: 100, w: 60, h: 20 };
    for (let seq = 0; seq < 8; seq++) {
      const frame = makeFrame('front', seq, T0 + seq * 100, [box]);
      h.tracker.push(frameReads(frame, [makeRead('77', box)]), frame);
    }
    await h.settle(T0 + 5000);
    expect(h.detections).toEqual([]);
    expect(h.status().counters.tracks_discarded).toBe(1);
  });

  it('keeps two vehicles that overlap in time apart', async () => {
    const h = harness();
    const left: PassSpec = { text: '7ABC123', frames: 10, box: { x: 40, y: 80, w: 50, h: 16 }, dx: -2, dy: 3, growth: 0.04 };
    const right: PassSpec = { text: '4KQW981', frames: 10, startFrame: 4, box: { x: 210, y: 70, w: 50, h: 16 }, dx: 3, dy: 3, growth: 0.04, misreads: { 3: { kind: 'swap', pos: 6 } } };
    h.feed('front', [left, right], T0);
    await h.settle(T0 + 1300 + 2000);

    expect(h.detections.map((d) => d.text).sort()).toEqual(['4KQW981', '7ABC123']);
    expect(h.detections.map((d) => d.frameCount)).toEqual([10, 10]);
    expect(ids(h.detections)).toHaveLength(2);
  });

  it('keeps apart two vehicles side by side whose plates are close in the image', async () => {
    const h = harness();
    const a: PassSpec = { text: '7ABC123', frames: 8, box: { x: 100, y: 80, w: 50, h: 16 }, dx: 6, dy: 2 };
    const b: PassSpec = { text: '7XYZ950', frames: 8, box: { x: 175, y: 82, w: 50, h: 16 }, dx: 6, dy: 2 };
    h.feed('front', [a, b], T0);
    await h.settle(T0 + 700 + 2000);

    expect(h.detections.map((d) => [d.text, d.frameCount]).sort()).toEqual([
      ['7ABC123', 8],
      ['7XYZ950', 8],
    ]);
  });

  it('makes two detections when a plate leaves and a different car later appears in the same place', async () => {
    const h = harness();
    const spec = (text: string): PassSpec => ({ text, frames: 6, box: { x: 120, y: 80, w: 50, h: 16 }, dy: 2, growth: 0.03 });
    h.feed('front', [spec('7ABC123')], T0);
    await h.settle(T0 + 500 + 2000);
    h.feed('front', [spec('5TRK220')], T0 + 4000, 10, 100);
    await h.settle(T0 + 4500 + 2000);

    expect(h.detections.map((d) => d.text)).toEqual(['7ABC123', '5TRK220']);
    expect(ids(h.detections)).toHaveLength(2);
  });

  it('makes one detection when several recognizer workers deliver frames out of order', async () => {
    const h = harness();
    const spec: PassSpec = { text: '7ABC123', frames: 10, box: { x: 100, y: 60, w: 50, h: 16 }, dx: 12, dy: 4, growth: 0.05 };
    for (const i of [1, 0, 3, 2, 5, 4, 7, 6, 9, 8]) h.frame('front', i, T0 + i * 100, [readAt(spec, i)], 150);
    await h.settle(T0 + 900 + 3000);

    expect(h.detections.map((d) => [d.text, d.frameCount, d.firstSeen, d.lastSeen, d.direction])).toEqual([['7ABC123', 10, T0, T0 + 900, 'approaching']]);
  });

  it('keeps cameras apart: the same plate on two cameras is two detections', async () => {
    const h = harness();
    const spec: PassSpec = { text: '7ABC123', frames: 5, box: { x: 120, y: 80, w: 50, h: 16 } };
    h.feed('front', [spec], T0);
    h.feed('rear', [spec], T0);
    await h.settle(T0 + 400 + 2000);

    expect(h.detections.map((d) => d.cameraId).sort()).toEqual(['front', 'rear']);
    expect(ids(h.detections)).toHaveLength(2);
  });

  it('reports reads in, reads merged, tracks opened and detections emitted', async () => {
    const h = harness();
    h.feed('front', [approaching], T0);
    await h.settle(T0 + 1100 + 2000);

    const c = h.status().counters;
    expect(c.reads_in).toBe(12);
    expect(c.reads_merged).toBe(11);
    expect(c.tracks_opened).toBe(1);
    expect(c.detections_emitted).toBe(1);
    expect(c.open_tracks).toBe(0);
    expect(c.retained_frames).toBe(0);
    expect(c.last_latency_ms).toBeGreaterThan(0);
    expect(h.status().details.latency_ms).toMatchObject({ n: 1 });
  });
});

describe('PlateTracker: voting', () => {
  it('still votes right when some frames drop or add a character', async () => {
    const h = harness();
    const spec: PassSpec = {
      text: '8XRT405',
      frames: 10,
      box: { x: 120, y: 80, w: 50, h: 16 },
      dy: 2,
      misreads: { 1: { kind: 'drop', pos: 0 }, 3: { kind: 'drop', pos: 6 }, 4: { kind: 'extra', pos: 2 }, 7: { kind: 'drop', pos: 3 } },
    };
    h.feed('front', [spec], T0);
    await h.settle(T0 + 900 + 2000);

    expect(h.detections.map((d) => [d.text, d.frameCount])).toEqual([['8XRT405', 10]]);
  });
});

describe('PlateTracker: direction of travel', () => {
  it.each<[string, Partial<PassSpec>, Detection['direction']]>([
    ['growing and moving down', { dy: 4, growth: 0.06 }, 'approaching'],
    ['shrinking and moving up', { dy: -4, growth: -0.06 }, 'receding'],
    ['crossing sideways at constant size', { dx: 8 }, 'unknown'],
  ])('%s: %s', async (_name, motion, expected) => {
    const h = harness();
    h.feed('front', [{ text: '7ABC123', frames: 8, box: { x: 100, y: 100, w: 50, h: 16 }, ...motion }], T0);
    await h.settle(T0 + 700 + 2000);
    expect(h.detections.map((d) => d.direction)).toEqual([expected]);
  });

  it('is unknown for a vehicle seen once', async () => {
    const h = harness();
    h.frame('front', 0, T0, [makeRead('7ABC123', { x: 100, y: 100, w: 60, h: 20 }, { charConf: 0.99 })]);
    await h.settle(T0 + 3000);
    expect(h.detections.map((d) => d.direction)).toEqual(['unknown']);
  });
});

describe('PlateTracker: emission thresholds', () => {
  it('emits a single confident read (a fast car seen once)', async () => {
    const h = harness();
    h.frame('front', 0, T0, [makeRead('7ABC123', { x: 100, y: 100, w: 60, h: 20 }, { charConf: 0.99 })]);
    await h.settle(T0 + 3000);
    expect(h.detections.map((d) => [d.text, d.frameCount])).toEqual([['7ABC123', 1]]);
  });

  it('discards a single doubtful read', async () => {
    const h = harness();
    h.frame('front', 0, T0, [makeRead('7ABC123', { x: 100, y: 100, w: 60, h: 20 }, { charConf: 0.9 })]);
    await h.settle(T0 + 3000);
    expect(h.detections).toEqual([]);
    expect(h.status().counters.tracks_discarded).toBe(1);
    expect(h.encodeCalls).toEqual([]);
  });

  it('discards a pass whose consensus stays below min_confidence', async () => {
    const h = harness({ config: { min_confidence: 0.5 } });
    h.feed('front', [{ text: '7ABC123', frames: 3, box: { x: 100, y: 100, w: 50, h: 16 }, charConf: 0.4 }], T0);
    await h.settle(T0 + 3000);
    expect(h.detections).toEqual([]);
  });

  it('never makes a detection of a non-plate object read as different text in every frame', async () => {
    const h = harness();
    const texts = ['K4T', 'ZZ19W', '8MQ0', 'TTX7', 'P0W3R', 'A1', 'QQ7M', 'W3X9', 'J7', 'R2D2', 'X5Y', 'N00N'];
    texts.forEach((t, i) => h.frame('front', i, T0 + i * 300, [makeRead(t, { x: 10, y: 10, w: 60, h: 20 }, { charConf: 0.6, detectionScore: 0.4 })]));
    await h.settle(T0 + 12 * 300 + 3000);
    expect(h.detections).toEqual([]);
    expect(h.status().counters.tracks_discarded).toBeGreaterThanOrEqual(1);
  });

  it('ignores reads without plate characters', async () => {
    const h = harness();
    h.frame('front', 0, T0, [makeRead('--', { x: 100, y: 100, w: 60, h: 20 })]);
    await h.settle(T0 + 3000);
    expect(h.status().counters.reads_empty).toBe(1);
    expect(h.status().counters.tracks_opened).toBeUndefined();
  });
});

describe('PlateTracker: de-duplication', () => {
  const pass = (frames = 5): PassSpec => ({ text: '7ABC123', frames, box: { x: 120, y: 80, w: 50, h: 16 }, dy: 2 });

  it('continues the same detection when the same plate re-enters within the window', async () => {
    const h = harness({ config: { dedupe_window_s: 10 } });
    h.feed('front', [pass()], T0);
    await h.settle(T0 + 400 + 2000);
    h.feed('front', [pass(4)], T0 + 6000, 10, 100);
    await h.settle(T0 + 6300 + 2000);

    expect(ids(h.detections)).toHaveLength(1);
    expect(h.detections.map((d) => [d.revision, d.frameCount])).toEqual([
      [0, 5],
      [1, 9],
    ]);
    const last = h.detections[1]!;
    expect(last.firstSeen).toBe(T0);
    expect(last.lastSeen).toBe(T0 + 6300);
    expect(h.status().counters.passes_merged).toBe(1);
    expect(h.status().counters.detections_updated).toBe(1);
  });

  it('treats a look-alike misread of the same plate as the same plate', async () => {
    const h = harness();
    h.feed('front', [pass()], T0);
    await h.settle(T0 + 400 + 2000);
    h.feed('front', [{ ...pass(3), text: '7A8C123' }], T0 + 5000, 10, 100);
    await h.settle(T0 + 5200 + 2000);
    expect(ids(h.detections)).toHaveLength(1);
  });

  it("judges look-alikes by the agency's configured confusion classes, not built-in ones", async () => {
    // A font where U and V blur: the agency adds the class; by default U/V is an unrelated edit.
    const agency = ConfusionTable.of([...DEFAULT_CONFUSION_CLASSES, 'UV']);
    const run = async (confusion?: ConfusionTable): Promise<number> => {
      const h = harness(confusion ? { confusion } : {});
      h.feed('front', [{ ...pass(), text: '7UBC123' }], T0);
      await h.settle(T0 + 400 + 2000);
      h.feed('front', [{ ...pass(3), text: '7VBC123' }], T0 + 5000, 10, 100);
      await h.settle(T0 + 5200 + 2000);
      return ids(h.detections).length;
    };
    expect(await run(agency)).toBe(1);
    expect(await run()).toBe(2);
  });

  it('makes a new detection when the plate re-enters after the window', async () => {
    const h = harness({ config: { dedupe_window_s: 5 } });
    h.feed('front', [pass()], T0);
    await h.settle(T0 + 400 + 2000);
    await h.settle(T0 + 20_000);
    h.feed('front', [pass()], T0 + 20_000, 10, 100);
    await h.settle(T0 + 20_400 + 2000);

    expect(ids(h.detections)).toHaveLength(2);
    expect(h.detections.map((d) => d.revision)).toEqual([0, 0]);
  });

  it('delivers revisions in order, the later one with the better evidence', async () => {
    const pending: { seq: number; resolve: () => void }[] = [];
    const h = harness({
      encode: (frame) =>
        new Promise((resolve) => {
          pending.push({ seq: frame.seq, resolve: () => resolve({ plateJpeg: Buffer.from([frame.seq]), overviewJpeg: Buffer.from([frame.seq]) }) });
        }),
    });
    // The second pass is closer to the camera (larger plate), so its frame is better evidence.
    h.feed('front', [{ ...pass(), box: { x: 120, y: 80, w: 30, h: 10 } }], T0);
    await h.settle(T0 + 400 + 2000);
    h.feed('front', [{ ...pass(), box: { x: 120, y: 80, w: 80, h: 26 } }], T0 + 5000, 10, 100);
    await h.settle(T0 + 5400 + 2000);
    expect(pending.map((p) => p.seq < 100)).toEqual([true]);
    expect(h.detections).toEqual([]);

    pending[0]!.resolve();
    await h.settle(T0 + 8000);
    expect(h.detections.map((d) => d.revision)).toEqual([0]);
    expect(pending.map((p) => p.seq >= 100)).toEqual([false, true]);

    pending[1]!.resolve();
    await h.settle(T0 + 8100);
    expect(h.detections.map((d) => d.revision)).toEqual([0, 1]);
    expect(h.detections[1]!.plateJpeg[0]).toBe(pending[1]!.seq);
  });

  it('keeps the earlier evidence when the re-appearance has no better frame', async () => {
    const h = harness();
    h.feed('front', [{ ...pass(), box: { x: 120, y: 80, w: 80, h: 26 } }], T0);
    await h.settle(T0 + 400 + 2000);
    h.feed('front', [{ ...pass(), box: { x: 120, y: 80, w: 30, h: 10 } }], T0 + 5000, 10, 100);
    await h.settle(T0 + 5400 + 2000);
    expect(h.encodeCalls).toHaveLength(1);
    expect(h.detections.map((d) => d.plateJpeg.toString())).toEqual([h.detections[0]!.plateJpeg.toString(), h.detections[0]!.plateJpeg.toString()]);
    expect(h.detections[1]!.bestAt).toBe(h.detections[0]!.bestAt);
  });

  it('is off with a zero window', async () => {
    const h = harness({ config: { dedupe_window_s: 0 } });
    h.feed('front', [pass()], T0);
    await h.settle(T0 + 400 + 2000);
    h.feed('front', [pass()], T0 + 3000, 10, 100);
    await h.settle(T0 + 3400 + 2000);
    expect(ids(h.detections)).toHaveLength(2);
  });
});

describe('PlateTracker: long passes', () => {
  it('emits a parked car at max_track_s and continues the same detection afterwards', async () => {
    const h = harness({ config: { max_track_s: 5, dedupe_window_s: 10 } });
    const parked: PassSpec = { text: '7ABC123', frames: 80, box: { x: 120, y: 80, w: 50, h: 16 } };
    h.feed('front', [parked], T0, 10);
    await flush();
    expect(h.detections.length).toBeGreaterThanOrEqual(1);
    await h.settle(T0 + 7900 + 2000);

    expect(ids(h.detections)).toHaveLength(1);
    expect(h.detections.at(-1)!.frameCount).toBe(80);
    expect(h.status().counters.ended_max_duration).toBeGreaterThanOrEqual(1);
  });
});
