import { describe, expect, it } from 'vitest';
import type { Quad } from '../../src/recognizer/detect-decode.js';
import type { Point } from '../../src/recognizer/types.js';
import { applyHomography, cropPlate, cropPlateViews, expandQuad, homography, warpQuad, wholeImageQuad } from '../../src/recognizer/warp.js';

describe('homography', () => {
  const cases: { name: string; from: Point[]; to: Point[] }[] = [
    { name: 'scale', from: wholeImageQuad(128, 32), to: wholeImageQuad(256, 64) },
    {
      name: 'perspective',
      from: wholeImageQuad(128, 32),
      to: [
        [100, 200],
        [260, 180],
        [270, 240],
        [95, 250],
      ],
    },
  ];
  it.each(cases)('maps every corner onto its target ($name)', ({ from, to }) => {
    const H = homography(from, to);
    from.forEach((p, i) => {
      const [x, y] = applyHomography(H, p[0], p[1]);
      expect(x).toBeCloseTo(to[i]![0], 6);
      expect(y).toBeCloseTo(to[i]![1], 6);
    });
  });

  it.each(cases)('round-trips an inner point through the inverse ($name)', ({ from, to }) => {
    const H = homography(from, to);
    const back = homography(to, from);
    const [x, y] = applyHomography(H, 40.5, 11.25);
    const [bx, by] = applyHomography(back, x, y);
    expect(bx).toBeCloseTo(40.5, 6);
    expect(by).toBeCloseTo(11.25, 6);
  });

  it('rejects a degenerate quad', () => {
    expect(() =>
      homography(wholeImageQuad(10, 10), [
        [0, 0],
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    ).toThrow(/degenerate/);
  });
});

describe('expandQuad', () => {
  it('widens an axis-aligned quad by the margins of its width and height', () => {
    expect(expandQuad(wholeImageQuad(100, 50), 0.04, 0.08)).toEqual([
      [-4, -4],
      [104, -4],
      [104, 54],
      [-4, 54],
    ]);
  });

  it('widens a rotated quad along its own axes', () => {
    // A 100x50 plate rotated 90 degrees: its x-axis points down.
    const q: Quad = [
      [50, 0],
      [50, 100],
      [0, 100],
      [0, 0],
    ];
    const e = expandQuad(q, 0.1, 0.2);
    expect(e[0]).toEqual([60, -10]);
    expect(e[2]).toEqual([-10, 110]);
  });
});

describe('warpQuad', () => {
  const W = 256;
  const H = 64;
  const ramp = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) ramp[y * W + x] = x;
  const img = { width: W, height: H, format: 'gray' as const, data: ramp };

  it('samples the source at H(x, y) with no half-pixel shift (cv2.warpPerspective)', () => {
    const out = new Float32Array(32 * 128);
    warpQuad(img, wholeImageQuad(W, H), { tensor: out, offset: 0, width: 128, height: 32 });
    // Output column x samples source column 2x of a horizontal ramp.
    for (const x of [0, 1, 10, 100, 127]) expect(Math.round(out[5 * 128 + x]! * 255)).toBe(2 * x);
  });

  it('replicates the border for corners outside the frame', () => {
    const out = new Float32Array(32 * 128);
    const q: Quad = [
      [-64, 0],
      [64, 0],
      [64, 64],
      [-64, 64],
    ];
    warpQuad(img, q, { tensor: out, offset: 0, width: 128, height: 32 });
    expect(out[0]).toBe(0);
    expect(Math.round(out[127]! * 255)).toBe(63);
  });

  it('writes into its slot of the batch only', () => {
    const out = new Float32Array(3 * 32 * 128).fill(-1);
    warpQuad(img, wholeImageQuad(W, H), { tensor: out, offset: 32 * 128, width: 128, height: 32 });
    expect(out[32 * 128 - 1]).toBe(-1);
    expect(out[2 * 32 * 128]).toBe(-1);
    expect(out[32 * 128 + 1]).toBeGreaterThanOrEqual(0);
  });

  it('computes grey from rgb24 pixels per sample', () => {
    const rgb = new Uint8Array(4 * 4 * 3);
    for (let i = 0; i < 16; i++) rgb.set([0, 255, 0], i * 3);
    const out = new Float32Array(4);
    warpQuad({ width: 4, height: 4, format: 'rgb24', data: rgb }, wholeImageQuad(4, 4), { tensor: out, offset: 0, width: 2, height: 2 });
    expect(Array.from(out, (v) => Math.round(v * 255))).toEqual([150, 150, 150, 150]);
  });
});

describe('cropPlate', () => {
  // Vertical stripes one pixel wide: a bilinear warp that skips pixels aliases them, an area
  // shrink first averages them to mid-grey.
  const W = 640;
  const H = 160;
  const stripes = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) stripes[y * W + x] = x % 2 === 0 ? 0 : 200;
  const img = { width: W, height: H, format: 'gray' as const, data: stripes };

  it('area-shrinks a plate taller than 64 px before warping, as the OCR was trained', () => {
    const out = new Float32Array(32 * 128);
    cropPlate(img, wholeImageQuad(W, H), 0.04, 0.08, { tensor: out, offset: 0, width: 128, height: 32 });
    const centre = Array.from(out.slice(16 * 128 + 40, 16 * 128 + 90), (v) => v * 255);
    for (const v of centre) expect(Math.abs(v - 100)).toBeLessThanOrEqual(25);
    // A direct bilinear warp lands on single stripes and keeps their full contrast.
    const direct = new Float32Array(32 * 128);
    warpQuad(img, expandQuad(wholeImageQuad(W, H), 0.04, 0.08), { tensor: direct, offset: 0, width: 128, height: 32 });
    const row = Array.from(direct.slice(16 * 128 + 40, 16 * 128 + 90), (v) => v * 255);
    expect(Math.max(...row) - Math.min(...row)).toBeGreaterThan(150);
  });

  it('warps a small plate directly, the same as warpQuad on the widened quad', () => {
    const small = { width: 100, height: 30, format: 'gray' as const, data: stripes.slice(0, 3000) };
    const a = new Float32Array(32 * 128);
    const b = new Float32Array(32 * 128);
    cropPlate(small, wholeImageQuad(100, 30), 0.04, 0.08, { tensor: a, offset: 0, width: 128, height: 32 });
    warpQuad(small, expandQuad(wholeImageQuad(100, 30), 0.04, 0.08), { tensor: b, offset: 0, width: 128, height: 32 });
    expect(a).toEqual(b);
  });

  it('cuts the patch around a plate inside a larger frame', () => {
    const frame = new Uint8Array(1280 * 720).fill(30);
    for (let y = 300; y < 400; y++) frame.fill(220, y * 1280 + 500, y * 1280 + 800);
    const out = new Float32Array(32 * 128);
    const q: Quad = [
      [500, 300],
      [800, 300],
      [800, 400],
      [500, 400],
    ];
    cropPlate({ width: 1280, height: 720, format: 'gray', data: frame }, q, 0.04, 0.08, { tensor: out, offset: 0, width: 128, height: 32 });
    expect(Math.round(out[16 * 128 + 64]! * 255)).toBe(220);
    expect(Math.round(out[16 * 128]! * 255)).toBe(30);
    expect(Math.round(out[0]! * 255)).toBe(30);
  });
});

describe('cropPlateViews', () => {
  // A textured frame (8 px stripes like character strokes over a vertical ramp), so a shifted sampling grid shows.
  const W = 1280;
  const H = 720;
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = 40 + ((x >> 3) % 2) * 90 + (y % 64);
  const frame = { width: W, height: H, format: 'gray' as const, data };
  const slot = 32 * 128;
  const target = (t: Float32Array, k: number) => ({ tensor: t, offset: k * slot, width: 128, height: 32 });
  const views = (q: Quad): Quad[] => [q, expandQuad(q, 0.03, 0), expandQuad(q, -0.02, 0)];

  it('crops a small plate the same as cropPlate on each view', () => {
    const q: Quad = [
      [400, 300],
      [520, 306],
      [519, 340],
      [399, 334],
    ];
    const a = new Float32Array(3 * slot);
    const b = new Float32Array(3 * slot);
    cropPlateViews(frame, views(q), 0.04, 0.08, [0, 1, 2].map((k) => target(a, k)));
    views(q).forEach((v, k) => cropPlate(frame, v, 0.04, 0.08, target(b, k)));
    expect(a).toEqual(b);
  });

  it('shrinks a tall plate once for all its views: each view within a few grey levels of its own crop', () => {
    const q: Quad = [
      [300, 200],
      [700, 220],
      [698, 380],
      [298, 360],
    ];
    const a = new Float32Array(3 * slot);
    const b = new Float32Array(3 * slot);
    cropPlateViews(frame, views(q), 0.04, 0.08, [0, 1, 2].map((k) => target(a, k)));
    views(q).forEach((v, k) => cropPlate(frame, v, 0.04, 0.08, target(b, k)));
    // The widest view's patch is the shared one: that view is cropped exactly as before.
    expect(a.slice(slot, 2 * slot)).toEqual(b.slice(slot, 2 * slot));
    // The others sample the same plate from a patch whose area grid starts a few pixels further left.
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!) * 255;
      worst = Math.max(worst, d);
      sum += d;
    }
    expect(sum / a.length).toBeLessThan(4);
    expect(worst).toBeLessThan(40);
  });

  it('crops views of different heights one by one', () => {
    const q: Quad = [
      [300, 200],
      [700, 220],
      [698, 380],
      [298, 360],
    ];
    const taller = expandQuad(q, 0, 0.1);
    const a = new Float32Array(2 * slot);
    const b = new Float32Array(2 * slot);
    cropPlateViews(frame, [q, taller], 0.04, 0.08, [target(a, 0), target(a, 1)]);
    cropPlate(frame, q, 0.04, 0.08, target(b, 0));
    cropPlate(frame, taller, 0.04, 0.08, target(b, 1));
    expect(a).toEqual(b);
  });
});
