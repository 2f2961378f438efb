import { describe, expect, it } from 'vitest';
import { MotionGate, type GateInput } from '../../src/camera/motion-gate.js';
import { seededRandom } from '../helpers/random.js';

const W = 320;
const H = 180;
const opts = { pixelDelta: 24, thresholdPct: 0.5, holdMs: 1_000, sampleWidth: 64 };

/** A grey scene with noise, optionally a bright "car" rectangle at x. */
function scene(carX: number | null, seed: number, format: 'rgb24' | 'gray' = 'rgb24'): GateInput {
  const bpp = format === 'rgb24' ? 3 : 1;
  const data = Buffer.alloc(W * H * bpp);
  const random = seededRandom(seed);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const noise = Math.floor(random() * 11) - 5; // sensor noise ±5: well under pixelDelta
      const inCar = carX !== null && x >= carX && x < carX + 60 && y >= 80 && y < 130;
      const v = (inCar ? 220 : 90) + noise;
      for (let c = 0; c < bpp; c++) data[(y * W + x) * bpp + c] = v;
    }
  }
  return { data, width: W, height: H, format };
}

describe('MotionGate', () => {
  it('lets the first frame through, then blocks a still scene with sensor noise', () => {
    const g = new MotionGate(opts);
    expect(g.check(scene(null, 1), 0)).toBe(true);
    // still inside the hold time after the first frame
    expect(g.check(scene(null, 2), 500)).toBe(true);
    expect(g.check(scene(null, 3), 1_500)).toBe(false);
    expect(g.check(scene(null, 4), 1_600)).toBe(false);
    expect(g.lastChangedPct).toBe(0);
  });

  it('opens when a car moves and holds for hold time after it stops', () => {
    const g = new MotionGate(opts);
    g.check(scene(null, 1), 0);
    expect(g.check(scene(null, 2), 2_000)).toBe(false);
    expect(g.check(scene(40, 3), 2_100)).toBe(true);
    expect(g.check(scene(60, 4), 2_200)).toBe(true);
    // the car stopped: no change from here on, passes until hold (1 s) runs out
    expect(g.check(scene(60, 5), 2_900)).toBe(true);
    expect(g.check(scene(60, 6), 3_300)).toBe(false);
  });

  it('works on gray frames too', () => {
    const g = new MotionGate(opts);
    g.check(scene(null, 1, 'gray'), 0);
    expect(g.check(scene(null, 2, 'gray'), 5_000)).toBe(false);
    expect(g.check(scene(100, 3, 'gray'), 5_100)).toBe(true);
  });

  it('ignores motion outside the zone', () => {
    // zone: the left quarter of the frame; the car moves in the right half
    const g = new MotionGate(opts, [[0, 0], [0.25, 0], [0.25, 1], [0, 1]]);
    g.check(scene(null, 1), 0);
    expect(g.check(scene(200, 2), 5_000)).toBe(false);
    expect(g.check(scene(240, 3), 5_100)).toBe(false);
    expect(g.check(scene(20, 4), 5_200)).toBe(true);
  });

  it('treats a resolution change as a first frame', () => {
    const g = new MotionGate(opts);
    g.check(scene(null, 1), 0);
    const small: GateInput = { data: Buffer.alloc(160 * 90 * 3, 90), width: 160, height: 90, format: 'rgb24' };
    expect(g.check(small, 10_000)).toBe(true);
  });
});
