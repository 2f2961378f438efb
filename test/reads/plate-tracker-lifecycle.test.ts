import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Frame } from '../../src/camera/frame.js';
import { systemClock } from '../../src/shared/clock.js';
import { frameReads, makeFrame, makeRead, type PassSpec } from './synthetic-passes.js';
import { T0, evidenceOf, flush, harness } from './tracker-harness.js';

const box = (x: number, y: number) => ({ x, y, w: 40, h: 14 });

describe('PlateTracker: bounded memory', () => {
  it('caps open tracks per camera, ending the least recently seen first and counting it', async () => {
    const h = harness({ config: { max_tracks_per_camera: 3 } });
    const texts = ['1AAA111', '2BBB222', '3CCC333', '4DDD444', '5EEE555', '6FFF666'];
    // Six plates spread over the frame, each seen twice: far more than three tracks' worth.
    for (let round = 0; round < 2; round++) {
      texts.forEach((t, i) => {
        h.frame('front', round * 10 + i, T0 + round * 600 + i * 100, [makeRead(t, box(10 + i * 50, 20 + i * 35), { charConf: 0.99 })]);
        expect(h.status().counters.open_tracks).toBeLessThanOrEqual(3);
        expect(h.status().counters.retained_frames).toBeLessThanOrEqual(3);
      });
    }
    expect(h.status().counters.tracks_dropped).toBe(9);
    expect(h.status().counters.ended_evicted).toBe(9);
    await h.tracker.stop();
    // Every single confident read qualifies, so the evicted tracks were emitted, not lost.
    expect(h.detections).toHaveLength(12);
  });

  it('ends a one-read tentative track before an older track of a vehicle seen many times', async () => {
    const h = harness({ config: { max_tracks_per_camera: 2 } });
    const car = (i: number) => makeRead('7ABC123', box(100, 100 + i * 2), { charConf: 0.9 });
    h.frame('front', 0, T0, [car(0)]);
    h.frame('front', 1, T0 + 100, [car(1)]);
    // The car is missed in the next two frames while the detector fires on clutter.
    h.frame('front', 2, T0 + 200, [makeRead('K4T', box(300, 20), { charConf: 0.5 })]);
    h.frame('front', 3, T0 + 300, [makeRead('ZZ19W', box(500, 20), { charConf: 0.5 })]);
    h.frame('front', 4, T0 + 400, [car(4)]);
    expect(h.status().counters.tracks_dropped).toBe(1);
    await h.tracker.stop();
    // The car's track, the least recently seen when room was needed, was never cut.
    expect(h.detections.map((d) => [d.text, d.frameCount])).toEqual([['7ABC123', 3]]);
  });

  it('keeps at most one frame per open track, whatever the number of frames seen', () => {
    const h = harness();
    const spec: PassSpec = { text: '7ABC123', frames: 50, box: { x: 100, y: 80, w: 50, h: 16 }, dx: 1 };
    h.feed('front', [spec, { ...spec, text: '4KQW981', box: { x: 10, y: 150, w: 50, h: 16 } }], T0);
    const c = h.status().counters;
    expect(c.open_tracks).toBe(2);
    expect(c.retained_frames).toBe(2);
    expect(c.retained_bytes).toBeLessThanOrEqual(2 * 320 * 240);
  });
});

describe('PlateTracker: shutdown', () => {
  it('stop() flushes the open tracks as detections', async () => {
    const h = harness();
    h.feed('front', [{ text: '7ABC123', frames: 6, box: { x: 100, y: 80, w: 50, h: 16 } }], T0);
    expect(h.detections).toEqual([]);
    await h.tracker.stop();
    expect(h.detections.map((d) => [d.text, d.frameCount])).toEqual([['7ABC123', 6]]);
    expect(h.status().state).toBe('stopped');
    expect(h.status().counters.ended_shutdown).toBe(1);
  });

  it('stop() waits for evidence still being encoded', async () => {
    let release: (() => void) | undefined;
    const h = harness({
      encode: (frame) =>
        new Promise((resolve) => {
          release = () => resolve(evidenceOf(frame));
        }),
    });
    h.feed('front', [{ text: '7ABC123', frames: 3, box: { x: 100, y: 80, w: 50, h: 16 } }], T0);
    let stopped = false;
    const stopping = h.tracker.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    release!();
    await stopping;
    expect(h.detections).toHaveLength(1);
  });

  it('stop() is idempotent, and reads pushed after it are counted and ignored', async () => {
    const h = harness();
    await h.tracker.start();
    await h.tracker.stop();
    await h.tracker.stop();
    h.frame('front', 0, T0, [makeRead('7ABC123', box(10, 10), { charConf: 0.99 })]);
    await h.tracker.stop();
    expect(h.detections).toEqual([]);
    expect(h.status().counters.reads_after_stop).toBe(1);
  });
});

describe('PlateTracker: leave timeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits within leave_timeout_s after the last read, driven by its own interval', async () => {
    vi.useFakeTimers({ now: T0 });
    const h = harness({ clock: systemClock, config: { leave_timeout_s: 2 } });
    await h.tracker.start();
    for (let i = 0; i < 5; i++) {
      h.frame('front', i, Date.now(), [makeRead('7ABC123', box(100, 80 + i * 3))]);
      await vi.advanceTimersByTimeAsync(100);
    }
    const lastRead = Date.now() - 100;
    const tick = h.tracker.tickMs;
    // Not before leave − tick: the plate may still be in view.
    await vi.advanceTimersByTimeAsync(2000 - tick - 100 - 1);
    expect(h.detections).toEqual([]);
    // At the latest leave_timeout_s after the last read.
    await vi.advanceTimersByTimeAsync(tick + 1);
    expect(h.detections).toHaveLength(1);
    expect(Date.now() - lastRead).toBeLessThanOrEqual(2000);
    expect(h.status().counters.last_latency_ms).toBeLessThanOrEqual(2000);
    await h.tracker.stop();
  });

  it('ends passes earlier by the encoding time, so slow encoding still delivers within leave_timeout_s', async () => {
    vi.useFakeTimers({ now: T0 });
    const slowEncode = (frame: Frame) => new Promise<ReturnType<typeof evidenceOf>>((resolve) => setTimeout(() => resolve(evidenceOf(frame)), 300));
    const h = harness({ clock: systemClock, config: { leave_timeout_s: 2 }, encode: slowEncode });
    await h.tracker.start();
    const delays: number[] = [];
    for (let pass = 0; pass < 3; pass++) {
      for (let i = 0; i < 3; i++) {
        h.frame('front', pass * 10 + i, Date.now(), [makeRead(`${pass}ABC123`, box(100, 80 + i * 3), { charConf: 0.99 })]);
        await vi.advanceTimersByTimeAsync(100);
      }
      const lastRead = Date.now() - 100;
      const before = h.detections.length;
      while (h.detections.length === before) await vi.advanceTimersByTimeAsync(10);
      delays.push(Date.now() - lastRead);
      await vi.advanceTimersByTimeAsync(5000);
    }
    // The first pass has no measurement yet; later ones are delivered in time.
    expect(delays[0]).toBeGreaterThan(2000);
    expect(delays.slice(1).every((d) => d <= 2000)).toBe(true);
    expect(h.status().counters.encode_budget_ms).toBe(300);
    await h.tracker.stop();
  });

  it('keeps a track open while its plate keeps arriving', async () => {
    vi.useFakeTimers({ now: T0 });
    const h = harness({ clock: systemClock, config: { leave_timeout_s: 1 } });
    await h.tracker.start();
    for (let i = 0; i < 30; i++) {
      h.frame('front', i, Date.now(), [makeRead('7ABC123', box(100, 80))]);
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(h.detections).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.detections.map((d) => d.frameCount)).toEqual([30]);
    await h.tracker.stop();
  });
});

describe('PlateTracker: evidence failures', () => {
  const feedOne = (h: ReturnType<typeof harness>): void => {
    h.feed('front', [{ text: '7ABC123', frames: 4, box: { x: 100, y: 80, w: 50, h: 16 } }], T0);
  };

  it('retries a failed encoding once and emits with the images', async () => {
    let calls = 0;
    const h = harness({
      encode: (frame) => (++calls === 1 ? Promise.reject(new Error('vips: out of memory')) : Promise.resolve(evidenceOf(frame))),
    });
    feedOne(h);
    await h.tracker.stop();
    expect(calls).toBe(2);
    expect(h.detections).toHaveLength(1);
    expect(h.detections[0]!.plateJpeg.length).toBeGreaterThan(0);
    expect(h.status().counters.encode_errors).toBe(1);
    expect(h.status().lastError?.message).toMatch(/evidence encoding failed for detection .* on camera front \(attempt 1\): vips: out of memory/);
  });

  it('emits without images after the retries when configured to, and says so in the status', async () => {
    const h = harness({ encode: () => Promise.reject(new Error('corrupt frame')) });
    feedOne(h);
    await h.settle(T0 + 3000);
    expect(h.detections).toHaveLength(1);
    expect(h.detections[0]!.text).toBe('7ABC123');
    expect(h.detections[0]!.plateJpeg.length).toBe(0);
    expect(h.detections[0]!.overviewJpeg.length).toBe(0);
    expect(h.status().counters.encode_errors).toBe(2);
    expect(h.status().counters.detections_without_images).toBe(1);
    expect(h.status().state).toBe('degraded');
  });

  it('drops the detection with an error when emitting without images is off', async () => {
    const h = harness({ config: { emit_without_images: false, encode_retries: 0 }, encode: () => Promise.reject(new Error('corrupt frame')) });
    feedOne(h);
    await h.tracker.stop();
    expect(h.detections).toEqual([]);
    expect(h.status().counters.detections_lost).toBe(1);
    expect(h.status().counters.encode_errors).toBe(1);
    expect(h.status().lastError?.message).toMatch(/dropped: evidence encoding failed/);
  });

  it('goes back to ok once an encoding succeeds again', async () => {
    let fail = true;
    const h = harness({ config: { encode_retries: 0 }, encode: (frame) => (fail ? Promise.reject(new Error('x')) : Promise.resolve(evidenceOf(frame))) });
    await h.tracker.start();
    feedOne(h);
    await h.settle(T0 + 3000);
    expect(h.status().state).toBe('degraded');
    fail = false;
    h.feed('front', [{ text: '4KQW981', frames: 4, box: { x: 100, y: 80, w: 50, h: 16 } }], T0 + 20_000, 10, 100);
    await h.settle(T0 + 23_000);
    expect(h.status().state).toBe('ok');
    await h.tracker.stop();
  });
});

describe('PlateTracker: robustness', () => {
  it('keeps running when the detection listener throws', async () => {
    const seen: string[] = [];
    const h = harness({
      onDetection: (d) => {
        seen.push(d.text);
        if (seen.length === 1) throw new Error('store is full');
      },
    });
    h.feed('front', [{ text: '7ABC123', frames: 3, box: { x: 100, y: 80, w: 50, h: 16 } }], T0);
    await h.settle(T0 + 3000);
    h.feed('front', [{ text: '4KQW981', frames: 3, box: { x: 100, y: 80, w: 50, h: 16 } }], T0 + 20_000, 10, 100);
    await h.settle(T0 + 23_000);
    expect(seen).toEqual(['7ABC123', '4KQW981']);
    expect(h.status().counters.listener_errors).toBe(1);
    expect(h.status().lastError?.message).toMatch(/listener failed.*store is full/);
  });

  it('drops reads paired with a frame of another camera or sequence', () => {
    const h = harness();
    const frame = makeFrame('front', 7, T0);
    h.tracker.push(frameReads(makeFrame('rear', 7, T0), [makeRead('7ABC123', box(10, 10))]), frame);
    expect(h.status().counters.frame_mismatch).toBe(1);
    expect(h.status().counters.open_tracks).toBeUndefined();
  });
});
