import { describe, expect, it } from 'vitest';
import { boxIou, decodePeaks, mergeCoarse, quadBox, suppressOverlaps, toFramePixels, type Quad } from '../../src/recognizer/detect-decode.js';

const opts = { threshold: 0.3, kernel: 3, stride: 4, cornerScale: 32 };

function grid(w: number, h: number, peaks: { x: number; y: number; v: number; corners?: number[] }[]) {
  const heatmap = new Float32Array(w * h);
  const corners = new Float32Array(8 * w * h);
  for (const p of peaks) {
    heatmap[p.y * w + p.x] = p.v;
    (p.corners ?? []).forEach((c, i) => (corners[i * w * h + p.y * w + p.x] = c));
  }
  return { heatmap, corners, width: w, height: h };
}

describe('decodePeaks', () => {
  it('maps corners from the cell centre, scaled by corner_scale', () => {
    // cell (5, 3): centre (22, 14); TL offset (-1, -0.25) * 32 = (-32, -8)
    const g = grid(10, 8, [{ x: 5, y: 3, v: 0.9, corners: [-1, -0.25, 1, -0.25, 1, 0.25, -1, 0.25] }]);
    const [d] = decodePeaks(g, opts);
    expect(d!.score).toBeCloseTo(0.9);
    expect(d!.quad).toEqual([
      [-10, 6],
      [54, 6],
      [54, 22],
      [-10, 22],
    ]);
  });

  it('keeps only local maxima above the threshold, best first', () => {
    const g = grid(10, 10, [
      { x: 2, y: 2, v: 0.8 },
      { x: 3, y: 2, v: 0.7 }, // neighbour of a stronger peak
      { x: 7, y: 7, v: 0.9 },
      { x: 7, y: 1, v: 0.2 }, // below threshold
      { x: 0, y: 9, v: 0.31 }, // in a corner of the grid
    ]);
    expect(decodePeaks(g, opts).map((d) => d.score.toFixed(2))).toEqual(['0.90', '0.80', '0.31']);
  });

  it('keeps peaks two cells apart with a 3x3 window but merges them with a 5x5 window', () => {
    const g = grid(10, 10, [
      { x: 2, y: 2, v: 0.8 },
      { x: 4, y: 2, v: 0.7 },
    ]);
    expect(decodePeaks(g, opts)).toHaveLength(2);
    expect(decodePeaks(g, { ...opts, kernel: 5 })).toHaveLength(1);
  });

  it('refuses outputs smaller than the grid', () => {
    expect(() => decodePeaks({ heatmap: new Float32Array(4), corners: new Float32Array(8), width: 4, height: 4 }, opts)).toThrow(/too small/);
  });
});

describe('toFramePixels', () => {
  it('divides by the letterbox scale of each axis', () => {
    const q: Quad = [
      [64, 36],
      [128, 36],
      [128, 72],
      [64, 72],
    ];
    expect(toFramePixels({ score: 1, quad: q }, 0.5, 0.5).quad).toEqual([
      [128, 72],
      [256, 72],
      [256, 144],
      [128, 144],
    ]);
  });
});

describe('quadBox / boxIou', () => {
  const q: Quad = [
    [10, 20],
    [110, 25],
    [108, 60],
    [8, 55],
  ];
  it('bounds a tilted quad', () => {
    expect(quadBox(q)).toEqual({ x: 8, y: 20, w: 102, h: 40 });
  });
  it('clips the box to the frame', () => {
    expect(quadBox(q, 100, 50)).toEqual({ x: 8, y: 20, w: 92, h: 30 });
  });
  it.each([
    { a: { x: 0, y: 0, w: 10, h: 10 }, b: { x: 0, y: 0, w: 10, h: 10 }, iou: 1 },
    { a: { x: 0, y: 0, w: 10, h: 10 }, b: { x: 5, y: 0, w: 10, h: 10 }, iou: 50 / 150 },
    { a: { x: 0, y: 0, w: 10, h: 10 }, b: { x: 20, y: 20, w: 5, h: 5 }, iou: 0 },
    { a: { x: 0, y: 0, w: 0, h: 0 }, b: { x: 0, y: 0, w: 0, h: 0 }, iou: 0 },
  ])('IoU $iou', ({ a, b, iou }) => {
    expect(boxIou(a, b)).toBeCloseTo(iou);
  });
});

describe('suppressOverlaps', () => {
  const at = (x: number, y: number, w: number, h: number, score: number) => ({
    score,
    quad: [
      [x, y],
      [x + w, y],
      [x + w, y + h],
      [x, y + h],
    ] as Quad,
  });

  it('drops the weaker of two overlapping quads and keeps separate plates', () => {
    const kept = suppressOverlaps([at(0, 0, 100, 30, 0.6), at(5, 2, 100, 30, 0.9), at(300, 0, 100, 30, 0.5)], 0.3);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.5]);
  });

  it('drops a small duplicate lying inside a larger plate', () => {
    const kept = suppressOverlaps([at(0, 0, 100, 30, 0.9), at(10, 5, 30, 20, 0.8)], 0.3);
    expect(kept).toHaveLength(1);
  });

  it('keeps at most max plates', () => {
    const many = Array.from({ length: 10 }, (_, i) => at(i * 200, 0, 100, 30, 0.5 + i / 100));
    expect(suppressOverlaps(many, 0.3, 0.8, 4)).toHaveLength(4);
  });
});

describe('mergeCoarse', () => {
  const rect = (x: number, y: number, w: number, h: number, score: number) => ({
    score,
    quad: [
      [x, y],
      [x + w, y],
      [x + w, y + h],
      [x, y + h],
    ] as Quad,
  });
  // Main pass at scale 0.5 (1280x720 -> 640x360): 160 px of its input = 320 frame px.
  const truncated = rect(420, 300, 300, 100, 0.9); // the main pass lost the plate's right end
  const small = rect(100, 100, 120, 40, 0.8);

  it('lets a large coarse plate replace the main-pass detections it overlaps', () => {
    const whole = rect(400, 295, 420, 110, 0.7);
    const merged = mergeCoarse([truncated, small], [whole], 0.5, 160, 0.3);
    expect(merged).toEqual([small, whole]);
  });

  it('ignores coarse plates the main pass is trusted with', () => {
    const coarseSmall = rect(98, 98, 126, 44, 0.95);
    expect(mergeCoarse([small], [coarseSmall], 0.5, 160, 0.3)).toEqual([small]);
    // A large plate the main pass missed entirely is added.
    const missed = rect(600, 500, 400, 120, 0.6);
    expect(mergeCoarse([small], [coarseSmall, missed], 0.5, 160, 0.3)).toEqual([small, missed]);
  });
});
