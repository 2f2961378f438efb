/**
 * OCR input: the detected quad, widened by the contract's margins, perspective-warped onto the
 * whole Hocr x Wocr rectangle straight from the raw frame (grey computed per sample, so no
 * grey copy of the frame is made and a plate costs ~4k bilinear samples).
 *
 * Same arithmetic as models/training/contract.py `warp_plate` (cv2.warpPerspective): output
 * pixel (x, y) samples the source at H·(x, y, 1) with no half-pixel shift, bilinear, borders
 * replicated, and the value rounded to a byte before /255.
 */
import type { Quad } from './detect-decode.js';
import { lumaRgb, resizeGrey, subImage, type RawImage } from './letterbox.js';
import type { Point } from './types.js';

/** 3x3 row-major homography. */
export type Homography = Float64Array;

/**
 * Moves each side of TL,TR,BR,BL outwards by mx of the plate's width and my of its height,
 * measured along the quad's own axes so a tilted plate keeps its shape.
 */
export function expandQuad(q: Quad, mx: number, my: number): Quad {
  const [tl, tr, br, bl] = q;
  const ux: Point = [(tr[0] - tl[0] + (br[0] - bl[0])) / 2, (tr[1] - tl[1] + (br[1] - bl[1])) / 2];
  const uy: Point = [(bl[0] - tl[0] + (br[0] - tr[0])) / 2, (bl[1] - tl[1] + (br[1] - tr[1])) / 2];
  const dx: Point = [ux[0] * mx, ux[1] * mx];
  const dy: Point = [uy[0] * my, uy[1] * my];
  return [
    [tl[0] - dx[0] - dy[0], tl[1] - dx[1] - dy[1]],
    [tr[0] + dx[0] - dy[0], tr[1] + dx[1] - dy[1]],
    [br[0] + dx[0] + dy[0], br[1] + dx[1] + dy[1]],
    [bl[0] - dx[0] + dy[0], bl[1] - dx[1] + dy[1]],
  ];
}

/** The homography taking each `from` point to the matching `to` point (4 pairs, DLT with h33 = 1). */
export function homography(from: readonly Point[], to: readonly Point[]): Homography {
  const A: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  const h = solve8(A);
  return Float64Array.from([h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1]);
}

/** Gaussian elimination with partial pivoting on an 8x9 augmented matrix. */
function solve8(A: number[][]): number[] {
  const n = 8;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    if (Math.abs(A[p]![c]!) < 1e-12) throw new Error('degenerate quad: three corners are collinear');
    [A[c], A[p]] = [A[p]!, A[c]!];
    const row = A[c]!;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const other = A[r]!;
      const f = other[c]! / row[c]!;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) other[k]! -= f * row[k]!;
    }
  }
  return A.map((row, i) => row[n]! / row[i]!);
}

export function applyHomography(H: Homography, x: number, y: number): Point {
  const w = H[6]! * x + H[7]! * y + H[8]!;
  return [(H[0]! * x + H[1]! * y + H[2]!) / w, (H[3]! * x + H[4]! * y + H[5]!) / w];
}

export interface WarpTarget {
  /** Batch tensor [N,1,height,width]. */
  tensor: Float32Array;
  /** Float offset of this plate's slot (index * height * width). */
  offset: number;
  width: number;
  height: number;
}

/**
 * Warps `quad` (already expanded) of `img` onto the target slot. Degenerate quads (collinear
 * corners) throw; the caller skips that plate.
 */
export function warpQuad(img: RawImage, quad: Quad, target: WarpTarget): void {
  const { width: ow, height: oh, tensor, offset } = target;
  const rect: Point[] = [
    [0, 0],
    [ow, 0],
    [ow, oh],
    [0, oh],
  ];
  const H = homography(rect, quad);
  const W = img.width;
  const Hh = img.height;
  const d = img.data;
  const rgb = img.format === 'rgb24';
  const grey = (x: number, y: number): number => {
    const xi = x < 0 ? 0 : x >= W ? W - 1 : x;
    const yi = y < 0 ? 0 : y >= Hh ? Hh - 1 : y;
    if (!rgb) return d[yi * W + xi]!;
    const o = (yi * W + xi) * 3;
    return lumaRgb(d[o]!, d[o + 1]!, d[o + 2]!);
  };
  // The coefficients in locals: the same arithmetic, without a typed-array load per use.
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = [H[0]!, H[1]!, H[2]!, H[3]!, H[4]!, H[5]!, H[6]!, H[7]!, H[8]!];
  for (let y = 0; y < oh; y++) {
    const row = offset + y * ow;
    for (let x = 0; x < ow; x++) {
      const w = h6 * x + h7 * y + h8;
      const sx = (h0 * x + h1 * y + h2) / w;
      const sy = (h3 * x + h4 * y + h5) / w;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let g00: number, g01: number, g10: number, g11: number;
      // Inside the image (nearly every sample): the four neighbours directly, no clamping.
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < Hh) {
        if (rgb) {
          const o = (y0 * W + x0) * 3;
          const p = o + W * 3;
          g00 = lumaRgb(d[o]!, d[o + 1]!, d[o + 2]!);
          g01 = lumaRgb(d[o + 3]!, d[o + 4]!, d[o + 5]!);
          g10 = lumaRgb(d[p]!, d[p + 1]!, d[p + 2]!);
          g11 = lumaRgb(d[p + 3]!, d[p + 4]!, d[p + 5]!);
        } else {
          const o = y0 * W + x0;
          g00 = d[o]!;
          g01 = d[o + 1]!;
          g10 = d[o + W]!;
          g11 = d[o + W + 1]!;
        }
      } else {
        g00 = grey(x0, y0);
        g01 = grey(x0 + 1, y0);
        g10 = grey(x0, y0 + 1);
        g11 = grey(x0 + 1, y0 + 1);
      }
      const top = g00 * (1 - fx) + g01 * fx;
      const bottom = g10 * (1 - fx) + g11 * fx;
      tensor[row + x] = Math.round(top * (1 - fy) + bottom * fy) / 255;
    }
  }
}

/** Quad of a whole image (for `--ocr-only`: the file is the plate crop). */
export function wholeImageQuad(width: number, height: number): Quad {
  return [
    [0, 0],
    [width, 0],
    [width, height],
    [0, height],
  ];
}

/**
 * Plates taller than this (source pixels) are first area-shrunk to it, then warped. The OCR was
 * trained that way on real crops (models/training/ocr_data.py `real_crop`: crops above 64 px are
 * resized to 64 px with INTER_AREA before the warp); a direct bilinear warp of a 150 px plate
 * down to 32 px aliases, and cost 5 points of exact reads on ocr/val.
 */
export const PREFILTER_HEIGHT = 64;

/**
 * The OCR crop of one plate: `quad` (as detected, not yet widened) widened by the margins and
 * warped into the target slot, through an area-shrunk patch when the plate is tall.
 */
export function cropPlate(img: RawImage, quad: Quad, marginX: number, marginY: number, target: WarpTarget): void {
  cropPlateViews(img, [quad], marginX, marginY, [target]);
}

/**
 * Several crops of one plate (the reader's views: the quad as detected and widened or narrowed
 * along its own x axis), each widened by the margins and warped into its target. The views of a
 * plate share its height, so a tall plate is area-shrunk once, as one patch under all of them,
 * and every view is warped from that patch (one shrink per plate instead of one per view: ~0.3 ms
 * per view of a 720p plate). Views that differ in height are cropped one by one.
 */
export function cropPlateViews(img: RawImage, views: readonly Quad[], marginX: number, marginY: number, targets: readonly WarpTarget[]): void {
  if (views.length === 0) return;
  const heights = views.map(plateHeight);
  if (heights.some((h) => Math.abs(h - heights[0]!) > 1e-6 * Math.max(1, heights[0]!))) {
    views.forEach((q, i) => cropPlateViews(img, [q], marginX, marginY, [targets[i]!]));
    return;
  }
  const wides = views.map((q) => expandQuad(q, marginX, marginY));
  const f = PREFILTER_HEIGHT / heights[0]!;
  if (!(f < 1)) {
    wides.forEach((w, i) => warpQuad(img, w, targets[i]!));
    return;
  }
  // The patch under every widened quad (plus a pixel for bilinear), inside the image.
  const xs = wides.flatMap((w) => w.map((p) => p[0]));
  const ys = wides.flatMap((w) => w.map((p) => p[1]));
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - 1);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)) - 1);
  const x1 = Math.min(img.width, Math.ceil(Math.max(...xs)) + 1);
  const y1 = Math.min(img.height, Math.ceil(Math.max(...ys)) + 1);
  if (x1 - x0 < 2 || y1 - y0 < 2) {
    wides.forEach((w, i) => warpQuad(img, w, targets[i]!));
    return;
  }
  const patch = x0 === 0 && y0 === 0 && x1 === img.width && y1 === img.height ? img : subImage(img, x0, y0, x1 - x0, y1 - y0);
  const nw = Math.max(1, Math.round(patch.width * f));
  const nh = Math.max(1, Math.round(patch.height * f));
  const small = resizeGrey(patch, nw, nh);
  const sx = nw / patch.width;
  const sy = nh / patch.height;
  wides.forEach((w, i) => warpQuad(small, w.map(([x, y]) => [(x - x0) * sx, (y - y0) * sy]) as Quad, targets[i]!));
}

/** A quad's height: the mean length of its left and right sides. */
function plateHeight(q: Quad): number {
  const [tl, tr, br, bl] = q;
  return (Math.hypot(bl[0] - tl[0], bl[1] - tl[1]) + Math.hypot(br[0] - tr[0], br[1] - tr[1])) / 2;
}
