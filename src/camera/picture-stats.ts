/**
 * Pixel measures for picture health, on frames the camera already decoded: a small grey grid
 * sampled from the frame (never a full-frame pass: a 1280x720 RGB frame is 2.7 MB, the grid is
 * 160x90), luminance statistics, a gain-invariant sharpness ratio read along a few full-resolution
 * lines, a frame difference and an edge map. Pure and allocation-free per frame once set up.
 */
import type { PixelFormat } from './frame.js';

/** A small grey image, row-major, one byte per pixel. */
export interface GreyGrid {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface LumaStats {
  /** Mean luminance 0..255. */
  mean: number;
  /** Standard deviation of luminance (the spread). */
  spread: number;
  /** Share of grid pixels at or above 250, percent. */
  saturatedPct: number;
}

/** Level at or above which a pixel counts as saturated (sensor clipped). */
export const SATURATED_LEVEL = 250;

/**
 * Samples a frame onto a fixed grey grid: each cell averages 4 taps (2x2 at the cell's quarter
 * points), which keeps sensor noise and aliasing down at a 20th of the cost of a box filter.
 * Tap offsets are computed once per frame size.
 */
export class GridSampler {
  readonly grid: GreyGrid;
  private key = '';
  private taps = new Int32Array(0);

  constructor(width: number, height: number) {
    this.grid = { width, height, data: new Uint8Array(width * height) };
  }

  sample(src: Buffer, srcW: number, srcH: number, format: PixelFormat): GreyGrid {
    const bpp = format === 'rgb24' ? 3 : 1;
    const key = `${srcW}x${srcH}x${bpp}`;
    if (key !== this.key) this.prepare(srcW, srcH, bpp, key);
    const out = this.grid.data;
    const taps = this.taps;
    const n = out.length;
    if (bpp === 1) {
      for (let i = 0, t = 0; i < n; i++, t += 4) out[i] = (src[taps[t]!]! + src[taps[t + 1]!]! + src[taps[t + 2]!]! + src[taps[t + 3]!]! + 2) >> 2;
    } else {
      for (let i = 0, t = 0; i < n; i++, t += 4) {
        let s = 0;
        for (let k = 0; k < 4; k++) {
          const o = taps[t + k]!;
          // Luma ≈ (R + 2G + B) / 4: close to BT.601 weights, integer only.
          s += src[o]! + 2 * src[o + 1]! + src[o + 2]!;
        }
        out[i] = (s + 8) >> 4;
      }
    }
    return this.grid;
  }

  private prepare(srcW: number, srcH: number, bpp: number, key: string): void {
    const { width, height } = this.grid;
    const taps = new Int32Array(width * height * 4);
    let t = 0;
    for (let y = 0; y < height; y++) {
      const y0 = Math.min(srcH - 1, Math.floor(((y + 0.25) * srcH) / height));
      const y1 = Math.min(srcH - 1, Math.floor(((y + 0.75) * srcH) / height));
      for (let x = 0; x < width; x++) {
        const x0 = Math.min(srcW - 1, Math.floor(((x + 0.25) * srcW) / width));
        const x1 = Math.min(srcW - 1, Math.floor(((x + 0.75) * srcW) / width));
        taps[t++] = (y0 * srcW + x0) * bpp;
        taps[t++] = (y0 * srcW + x1) * bpp;
        taps[t++] = (y1 * srcW + x0) * bpp;
        taps[t++] = (y1 * srcW + x1) * bpp;
      }
    }
    this.taps = taps;
    this.key = key;
  }
}

export function lumaStats(g: GreyGrid): LumaStats {
  const d = g.data;
  let sum = 0;
  let sq = 0;
  let sat = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    sum += v;
    sq += v * v;
    if (v >= SATURATED_LEVEL) sat++;
  }
  const n = d.length || 1;
  const mean = sum / n;
  return { mean, spread: Math.sqrt(Math.max(0, sq / n - mean * mean)), saturatedPct: (100 * sat) / n };
}

/** Lag (pixels) of the coarse difference in the sharpness ratio. */
const SHARP_LAG = 6;

/**
 * Sharpness as the ratio of fine-scale to coarse-scale gradient energy, read along `lines`
 * full-resolution rows and as many columns: at each position where the lag-6 difference
 * I[x+6]−I[x] is at least `minStep` levels, the mean squared lag-1 difference over those six steps
 * divided by the squared lag-6 difference. A step edge gives 1/6, an edge blurred wider than 6 px
 * tends to 1/36: defocus lowers the ratio. A gain change scales both alike, so day/night exposure
 * does not move it, and flat noisy areas (below `minStep`) do not count. Returns null when the
 * picture has too little structure to judge.
 */
export function sharpnessRatio(src: Buffer, w: number, h: number, format: PixelFormat, lines = 12, minStep = 10): number | null {
  const bpp = format === 'rgb24' ? 3 : 1;
  // The green channel stands for luma here: it carries most of it and costs one read.
  const ch = format === 'rgb24' ? 1 : 0;
  const L = SHARP_LAG;
  const ring = new Float64Array(L);
  let fine = 0;
  let coarse = 0;
  let used = 0;
  const line = (base: number, step: number, count: number): void => {
    let win = 0;
    ring.fill(0);
    for (let i = 0; i + 1 < count; i++) {
      const o = base + i * step;
      const d1 = src[o + step]! - src[o]!;
      const sq = d1 * d1;
      win += sq - ring[i % L]!;
      ring[i % L] = sq;
      if (i < L - 1) continue;
      // The window now holds the lag-1 steps from x = i-L+1 to i: the lag-L difference spans them.
      const dL = src[o + step]! - src[o - (L - 1) * step]!;
      if (dL < minStep && dL > -minStep) continue;
      fine += win / L;
      coarse += dL * dL;
      used++;
    }
  };
  for (let k = 0; k < lines; k++) {
    const y = Math.floor(((k + 0.5) * h) / lines);
    line(y * w * bpp + ch, bpp, w);
    const x = Math.floor(((k + 0.5) * w) / lines);
    line(x * bpp + ch, w * bpp, h);
  }
  if (used < 30 || coarse === 0) return null;
  return fine / coarse;
}

/** Mean absolute difference of two grids of the same size, 0..255. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d < 0 ? -d : d;
  }
  return s / (a.length || 1);
}

/**
 * Edge map of a grid: 1 where the gradient magnitude (|gx| + |gy|, central differences) is among
 * the strongest `topPct` percent of the frame and at least `minMagnitude`. The threshold follows
 * the frame's own gradient distribution, so a gain change (night, backlight) keeps the same edges.
 */
export function edgeMap(g: GreyGrid, out: Uint8Array, mag: Uint16Array, hist: Uint32Array, topPct: number, minMagnitude: number): number {
  const { width: w, height: h, data: d } = g;
  hist.fill(0);
  out.fill(0);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = d[i + 1]! - d[i - 1]!;
      const gy = d[i + w]! - d[i - w]!;
      const m = (gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy);
      mag[i] = m;
      hist[m]!++;
    }
  }
  const inner = (w - 2) * (h - 2);
  const want = Math.max(1, Math.floor((inner * topPct) / 100));
  let acc = 0;
  let t = hist.length - 1;
  for (; t > 0; t--) {
    acc += hist[t]!;
    if (acc >= want) break;
  }
  const threshold = Math.max(t, minMagnitude);
  let count = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (mag[i]! >= threshold) {
        out[i] = 1;
        count++;
      }
    }
  }
  return count;
}
