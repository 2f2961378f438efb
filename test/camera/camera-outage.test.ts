/** A camera's outage (camera-outage.ts): its start kept across retries, amber then red for a camera that never delivered. */
import { describe, expect, it } from 'vitest';
import { CameraOutage } from '../../src/camera/camera-outage.js';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

describe('CameraOutage', () => {
  it('a camera that never delivered: amber until down_after_s, then red, dated from its start through every retry', () => {
    const o = new CameraOutage(60_000);
    o.begin(T0);
    expect(o.view(T0 + 1000)).toEqual({ state: 'starting', message: 'connecting', since: T0, attempts: 0 });
    o.failed(T0 + 20_000, null, 'no first frame', 1000);
    expect(o.view(T0 + 20_000)).toMatchObject({ state: 'starting', since: T0, attempts: 1 });
    o.waited();
    o.failed(T0 + 61_000, null, 'no first frame', 2000);
    expect(o.view(T0 + 61_000)).toEqual({
      state: 'down',
      message: 'no frame since start 2026-12-07T10:00:00Z, 2 attempt(s): no first frame; retry in 2.0 s',
      since: T0,
      attempts: 2,
    });
  });

  it('says when a long wait would keep a never-delivering camera amber past down_after_s', () => {
    const o = new CameraOutage(60_000);
    o.begin(T0);
    expect(o.turnsRedWithin(T0 + 50_000, 30_000)).toBe(T0 + 60_000);
    expect(o.turnsRedWithin(T0 + 50_000, 5_000)).toBeNull();
    o.framesBack();
    o.failed(T0 + 70_000, T0 + 69_000, 'stalled', 30_000);
    // A camera that worked is red at once: no timer needed.
    expect(o.turnsRedWithin(T0 + 70_000, 30_000)).toBeNull();
    expect(o.view(T0 + 70_000)).toMatchObject({ state: 'down', since: T0 + 69_000 });
  });

  it('frames back end the outage once, with its start and attempts for the log', () => {
    const o = new CameraOutage(60_000);
    o.begin(T0);
    o.failed(T0 + 5000, null, 'refused', 1000);
    expect(o.framesBack()).toEqual({ since: T0, attempts: 1 });
    expect(o.active).toBe(false);
    expect(o.framesBack()).toBeNull();
  });
});
