/**
 * Detector post-processing: heatmap peaks → plate quads in frame pixels → non-maximum
 * suppression between overlapping quads.
 *
 * The detector is CenterNet-style: `heatmap` [1,1,h,w] (already sigmoid) marks plate centres
 * on a stride-`s` grid, and `corners` [1,8,h,w] holds TL,TR,BR,BL as offsets from the cell
 * centre (col*s + s/2, row*s + s/2), divided by `corner_scale`.
 */
import type { Box, Point } from './types.js';

export type Quad = [Point, Point, Point, Point];

export interface QuadDetection {
  score: number;
  quad: Quad;
}

export interface HeatmapGrid {
  heatmap: Float32Array;
  corners: Float32Array;
  /** Grid size (input size / stride). */
  width: number;
  height: number;
}

export interface PeakOptions {
  threshold: number;
  /** Side of the max-pool window; odd. */
  kernel: number;
  stride: number;
  cornerScale: number;
}

/**
 * Cells that are the maximum of their k x k neighbourhood (ties keep both, as a max-pool
 * comparison does) and score above the threshold, best first. Corners in detector input pixels.
 */
export function decodePeaks(grid: HeatmapGrid, opts: PeakOptions): QuadDetection[] {
  const { heatmap, corners, width: w, height: h } = grid;
  if (heatmap.length < w * h || corners.length < 8 * w * h) {
    throw new Error(`detector output too small: heatmap ${heatmap.length}, corners ${corners.length} for a ${w}x${h} grid`);
  }
  const r = opts.kernel >> 1;
  const plane = w * h;
  const out: QuadDetection[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = heatmap[y * w + x]!;
      if (!(v > opts.threshold)) continue;
      let peak = true;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r) && peak; yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          if (heatmap[yy * w + xx]! > v) {
            peak = false;
            break;
          }
        }
      }
      if (!peak) continue;
      const cx = x * opts.stride + opts.stride / 2;
      const cy = y * opts.stride + opts.stride / 2;
      const at = (c: number): number => corners[c * plane + y * w + x]! * opts.cornerScale;
      out.push({
        score: v,
        quad: [
          [cx + at(0), cy + at(1)],
          [cx + at(2), cy + at(3)],
          [cx + at(4), cy + at(5)],
          [cx + at(6), cy + at(7)],
        ],
      });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}

/** Detector input pixels → frame pixels (the letterbox only scaled; padding is bottom/right). */
export function toFramePixels(d: QuadDetection, scaleX: number, scaleY: number): QuadDetection {
  return { score: d.score, quad: d.quad.map(([x, y]) => [x / scaleX, y / scaleY]) as Quad };
}

/** Axis-aligned bounds of a quad, clipped to the frame when a size is given. */
export function quadBox(q: Quad, frameW = Infinity, frameH = Infinity): Box {
  const xs = q.map((p) => p[0]);
  const ys = q.map((p) => p[1]);
  const x0 = Math.max(0, Math.min(...xs));
  const y0 = Math.max(0, Math.min(...ys));
  const x1 = Math.min(frameW, Math.max(...xs));
  const y1 = Math.min(frameH, Math.max(...ys));
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

export function boxIou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = iw * ih;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Intersection over the smaller box: catches a small duplicate inside a larger plate box. */
export function boxContainment(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const small = Math.min(a.w * a.h, b.w * b.h);
  return small > 0 ? (iw * ih) / small : 0;
}

/**
 * Greedy NMS, best score first: a quad is dropped when its box overlaps a kept one by more
 * than `iou`, or lies mostly (`containment`) inside it. Peaks of one plate are usually already
 * merged by the max-pool; this removes the neighbours that survive on long or tilted plates.
 */
export function suppressOverlaps(dets: QuadDetection[], iou: number, containment = 0.8, max = Infinity): QuadDetection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: { d: QuadDetection; box: Box }[] = [];
  for (const d of sorted) {
    if (kept.length >= max) break;
    const box = quadBox(d.quad);
    if (kept.some((k) => boxIou(k.box, box) > iou || boxContainment(k.box, box) > containment)) continue;
    kept.push({ d, box });
  }
  return kept.map((k) => k.d);
}

/**
 * Merges a coarse detector pass (the whole frame at a low input size) into the main pass by
 * plate size: the main pass is trusted for plates up to `largePx` wide at its own input scale,
 * the coarse pass above it (the detector, trained on 256x256 crops, truncates plates much wider
 * than ~200 px of its input: first or last character lost). A large coarse plate replaces the
 * main-pass detections it overlaps; coarse plates smaller than that are dropped. Frame pixels in,
 * frame pixels out; the result still goes through `suppressOverlaps`.
 */
export function mergeCoarse(main: QuadDetection[], coarse: QuadDetection[], mainScale: number, largePx: number, iou: number): QuadDetection[] {
  const large = coarse.filter((d) => quadBox(d.quad).w * mainScale > largePx);
  if (large.length === 0) return main;
  const boxes = large.map((d) => quadBox(d.quad));
  const kept = main.filter((d) => {
    const b = quadBox(d.quad);
    return !boxes.some((l) => boxIou(l, b) > iou || boxContainment(l, b) > 0.8);
  });
  return [...kept, ...large];
}
