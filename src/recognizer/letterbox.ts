/**
 * Detector input: a raw frame (rgb24 or gray) straight to the letterboxed float tensor
 * [1,1,H,W] = grey/255, scaled to fit with the aspect kept and padded bottom/right.
 *
 * Greyscale conversion is fused with the resize and runs one source row at a time, so no
 * full-size grey copy is ever made (a `.greyscale()` pass in sharp costs ~20 ms on a 720p
 * frame). The arithmetic mirrors the training contract (models/training/contract.py): BT.601
 * luma in OpenCV's fixed point, area averaging when shrinking (cv2 INTER_AREA), bilinear with
 * half-pixel centres when enlarging (cv2 INTER_LINEAR).
 */
import type { PixelFormat } from '../camera/frame.js';

/** The pixels of a frame; `Frame` satisfies it. */
export interface RawImage {
  width: number;
  height: number;
  format: PixelFormat;
  data: Uint8Array;
}

export interface Letterboxed {
  /** out_h*out_w floats, row-major. */
  tensor: Float32Array;
  /** Size of the scaled image inside the tensor (the rest is padding). */
  scaledWidth: number;
  scaledHeight: number;
  /** tensor pixels per frame pixel, per axis (scaledWidth / frame width ...). */
  scaleX: number;
  scaleY: number;
}

/** Size of the scaled image inside an out_w x out_h letterbox (Python `round`, at least 1). */
export function letterboxSize(width: number, height: number, outW: number, outH: number): { w: number; h: number; scale: number } {
  const scale = Math.min(outW / width, outH / height);
  return { w: Math.max(1, roundHalfEven(width * scale)), h: Math.max(1, roundHalfEven(height * scale)), scale };
}

/**
 * Detector input size for a frame. `fixed` keeps the configured size. `area` keeps its pixel
 * budget but follows the frame's aspect (sides multiples of 32, the largest scale that fits the
 * budget): a square 1280x1280 photo gets 480x480 of real pixels instead of 384x384 inside a
 * 640x384 box that is 40% padding. 16:9 frames get the configured 640x384 either way.
 */
export function detectorInputSize(width: number, height: number, baseW: number, baseH: number, fit: 'fixed' | 'area'): { w: number; h: number } {
  if (fit === 'fixed') return { w: baseW, h: baseH };
  const budget = baseW * baseH;
  const up32 = (v: number): number => Math.max(32, Math.ceil(v / 32) * 32);
  let best = Math.min(baseW / width, baseH / height);
  // The scale is limited by one side reaching a multiple of 32: try each such side.
  for (let side = 32; side <= 4096; side += 32) {
    for (const s of [side / width, side / height]) {
      if (s > best && up32(width * s - 1e-9) * up32(height * s - 1e-9) <= budget) best = s;
    }
  }
  return { w: up32(width * best - 1e-9), h: up32(height * best - 1e-9) };
}

/**
 * The frame's own size (sides rounded up to multiples of 32) when `fixed` would shrink a frame
 * whose pixel count is within `slack` times the budget: a 640x480 frame is read at 640x480
 * instead of 512x384 (+25% detector time on such frames). Other frames keep `detectorInputSize`.
 */
export function nativeInputSize(width: number, height: number, baseW: number, baseH: number, fit: 'fixed' | 'area', slack: number): { w: number; h: number } {
  const up32 = (v: number): number => Math.max(32, Math.ceil(v / 32) * 32);
  const shrinks = Math.min(baseW / width, baseH / height) < 1;
  if (slack > 0 && shrinks && up32(width) * up32(height) <= baseW * baseH * slack) return { w: up32(width), h: up32(height) };
  return detectorInputSize(width, height, baseW, baseH, fit);
}

export function letterbox(img: RawImage, outW: number, outH: number, padValue: number, out?: Float32Array): Letterboxed {
  const { width: W, height: H } = img;
  const expected = W * H * (img.format === 'rgb24' ? 3 : 1);
  if (img.data.length < expected) throw new Error(`frame data is ${img.data.length} bytes, expected ${expected}`);
  const { w: nw, h: nh } = letterboxSize(W, H, outW, outH);
  const tensor = out && out.length === outW * outH ? out : new Float32Array(outW * outH);
  tensor.fill(padValue);
  resizeInto(img, nw, nh, tensor, outW);
  return { tensor, scaledWidth: nw, scaledHeight: nh, scaleX: nw / W, scaleY: nh / H };
}

/**
 * A smaller letterbox of the same frame (the detector's coarse pass) computed from one already
 * made (`from`, a tensor `fromWidth` wide) by block means, when both are whole-number shrinks of
 * the frame and the blocks nest (1280x720: 640x360 and 320x180). The values are those
 * `letterbox` gives (a mean of means of equal blocks, up to float rounding) for 1/16 of the
 * reading: 0.1 ms instead of ~8 ms of JavaScript over the full frame. Null when the sizes do not
 * nest; then `letterbox` the frame.
 */
export function shrinkLetterbox(from: Letterboxed, fromWidth: number, frameW: number, frameH: number, outW: number, outH: number, padValue: number, out?: Float32Array): Letterboxed | null {
  const { scaledWidth: fw, scaledHeight: fh } = from;
  const { w: nw, h: nh } = letterboxSize(frameW, frameH, outW, outH);
  const whole = (a: number, b: number): boolean => a % b === 0;
  if (!whole(frameW, fw) || !whole(frameH, fh) || !whole(fw, nw) || !whole(fh, nh)) return null;
  const kx = fw / nw;
  const ky = fh / nh;
  const tensor = out && out.length === outW * outH ? out : new Float32Array(outW * outH);
  tensor.fill(padValue);
  const src = from.tensor;
  const norm = 1 / (kx * ky);
  // 2x2 (720p, 1080p): the common case, unrolled; the loop below takes 2-3x as long for it.
  if (kx === 2 && ky === 2) {
    for (let dy = 0; dy < nh; dy++) {
      const a = dy * 2 * fromWidth;
      const b = a + fromWidth;
      const o = dy * outW;
      for (let dx = 0; dx < nw; dx++) tensor[o + dx] = (src[a + 2 * dx]! + src[a + 2 * dx + 1]! + src[b + 2 * dx]! + src[b + 2 * dx + 1]!) * 0.25;
    }
    return { tensor, scaledWidth: nw, scaledHeight: nh, scaleX: nw / frameW, scaleY: nh / frameH };
  }
  for (let dy = 0; dy < nh; dy++) {
    for (let dx = 0; dx < nw; dx++) {
      let sum = 0;
      for (let sy = dy * ky; sy < (dy + 1) * ky; sy++) {
        const o = sy * fromWidth + dx * kx;
        for (let j = 0; j < kx; j++) sum += src[o + j]!;
      }
      tensor[dy * outW + dx] = sum * norm;
    }
  }
  return { tensor, scaledWidth: nw, scaledHeight: nh, scaleX: nw / frameW, scaleY: nh / frameH };
}

/** Resizes to nw x nh grey values /255 into the top-left of a row-major tensor `outW` wide. */
function resizeInto(img: RawImage, nw: number, nh: number, tensor: Float32Array, outW: number): void {
  const { width: W, height: H } = img;
  if (W % nw === 0 && H % nh === 0) shrinkInteger(img, W / nw, H / nh, tensor, outW);
  else if (nw <= W && nh <= H) shrinkArea(img, nw, nh, tensor, outW);
  else enlargeLinear(img, nw, nh, tensor, outW);
}

/** A grey byte image of nw x nh (cv2.resize INTER_AREA/INTER_LINEAR of the grey image, rounded). */
export function resizeGrey(img: RawImage, nw: number, nh: number): RawImage {
  const t = new Float32Array(nw * nh);
  resizeInto(img, nw, nh, t, nw);
  const data = new Uint8Array(nw * nh);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(t[i]! * 255);
  return { width: nw, height: nh, format: 'gray', data };
}

/** The pixels of a rectangle of an image (same format), copied row by row. */
export function subImage(img: RawImage, x: number, y: number, w: number, h: number): RawImage {
  const bpp = img.format === 'rgb24' ? 3 : 1;
  const data = new Uint8Array(w * h * bpp);
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * img.width + x) * bpp;
    data.set(img.data.subarray(src, src + w * bpp), r * w * bpp);
  }
  return { width: w, height: h, format: img.format, data };
}

/** OpenCV's fixed-point BT.601 luma (R*0.299 + G*0.587 + B*0.114, rounded). */
export function lumaRgb(r: number, g: number, b: number): number {
  return (r * 4899 + g * 9617 + b * 1868 + 8192) >> 14;
}

/** Grey values of one source row into `row`. */
export function greyRow(img: RawImage, y: number, row: Uint8Array | Float32Array): void {
  const W = img.width;
  const d = img.data;
  if (img.format === 'gray') {
    const o = y * W;
    for (let x = 0; x < W; x++) row[x] = d[o + x]!;
    return;
  }
  let o = y * W * 3;
  for (let x = 0; x < W; x++, o += 3) row[x] = lumaRgb(d[o]!, d[o + 1]!, d[o + 2]!);
}

/**
 * Per output column: the whole source pixels [a, b) it covers (weight `inner` each) and the
 * partly covered pixels at its left (l, wl) and right (r, wr) edges (index -1 when none).
 */
interface Spans {
  a: Int32Array;
  b: Int32Array;
  inner: Float32Array;
  l: Int32Array;
  wl: Float32Array;
  r: Int32Array;
  wr: Float32Array;
}

export function areaSpans(src: number, dst: number): Spans {
  const scale = src / dst;
  const sp: Spans = {
    a: new Int32Array(dst),
    b: new Int32Array(dst),
    inner: new Float32Array(dst),
    l: new Int32Array(dst).fill(-1),
    wl: new Float32Array(dst),
    r: new Int32Array(dst).fill(-1),
    wr: new Float32Array(dst),
  };
  for (let d = 0; d < dst; d++) {
    const f1 = d * scale;
    const f2 = f1 + scale;
    const s2 = Math.min(Math.floor(f2), src - 1);
    const s1 = Math.min(Math.ceil(f1), s2);
    const cell = Math.min(scale, src - f1);
    if (s1 - f1 > 1e-3) {
      sp.l[d] = s1 - 1;
      sp.wl[d] = (s1 - f1) / cell;
    }
    sp.a[d] = s1;
    sp.b[d] = s2;
    sp.inner[d] = 1 / cell;
    if (f2 - s2 > 1e-3) {
      sp.r[d] = s2;
      sp.wr[d] = Math.min(Math.min(f2 - s2, 1), cell) / cell;
    }
  }
  return sp;
}

/**
 * Whole-number shrink factors (1280x720 and 1920x1080 to 640x360, the usual camera case): plain
 * block means, the same values INTER_AREA gives, at about a third of the general path's cost.
 */
function shrinkInteger(img: RawImage, kx: number, ky: number, tensor: Float32Array, outW: number): void {
  if (kx === 2 && ky === 2 && img.format === 'rgb24') {
    shrinkHalfRgb(img, tensor, outW);
    return;
  }
  const W = img.width;
  const nw = W / kx;
  const nh = img.height / ky;
  const d = img.data;
  const acc = new Int32Array(nw);
  const norm = 1 / (kx * ky * 255);
  const rgb = img.format === 'rgb24';
  for (let dy = 0; dy < nh; dy++) {
    acc.fill(0);
    for (let sy = dy * ky; sy < (dy + 1) * ky; sy++) {
      if (rgb) {
        let o = sy * W * 3;
        for (let dx = 0; dx < nw; dx++) {
          let sum = 0;
          for (let j = 0; j < kx; j++, o += 3) sum += lumaRgb(d[o]!, d[o + 1]!, d[o + 2]!);
          acc[dx]! += sum;
        }
      } else {
        let o = sy * W;
        for (let dx = 0; dx < nw; dx++) {
          let sum = 0;
          for (let j = 0; j < kx; j++, o++) sum += d[o]!;
          acc[dx]! += sum;
        }
      }
    }
    const o = dy * outW;
    for (let dx = 0; dx < nw; dx++) tensor[o + dx] = acc[dx]! * norm;
  }
}

/**
 * 2x2 blocks of an rgb24 frame (1280x720 to 640x360, the common camera case), both source rows
 * in one pass straight into the tensor: the same per-pixel luma and block sums as the general
 * path, without its row accumulator. When the rows are 4-byte aligned (width a multiple of 4,
 * aligned buffer, little-endian host), 4 pixels are read as three 32-bit words instead of 12
 * bytes. CPU per 720p frame on one core: 8.4 ms general path, 4.9 ms bytes, 3.1 ms words.
 */
function shrinkHalfRgb(img: RawImage, tensor: Float32Array, outW: number): void {
  const W = img.width;
  const d = img.data;
  if (LITTLE_ENDIAN && W % 4 === 0 && d.byteOffset % 4 === 0) {
    shrinkHalfRgbWords(new Uint32Array(d.buffer, d.byteOffset, (W * img.height * 3) >> 2), W, img.height, tensor, outW);
    return;
  }
  const nw = W >> 1;
  const nh = img.height >> 1;
  const norm = 1 / (4 * 255);
  const stride = W * 3;
  for (let dy = 0; dy < nh; dy++) {
    let a = dy * 2 * stride;
    let b = a + stride;
    const o = dy * outW;
    for (let dx = 0; dx < nw; dx++, a += 6, b += 6) {
      const sum = lumaRgb(d[a]!, d[a + 1]!, d[a + 2]!) + lumaRgb(d[a + 3]!, d[a + 4]!, d[a + 5]!) + lumaRgb(d[b]!, d[b + 1]!, d[b + 2]!) + lumaRgb(d[b + 3]!, d[b + 4]!, d[b + 5]!);
      tensor[o + dx] = sum * norm;
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `shrinkHalfRgb` over 32-bit words (little-endian: a word's low byte comes first): the words
 * [R0 G0 B0 R1] [G1 B1 R2 G2] [B2 R3 G3 B3] hold pixels 0-3 of a row, i.e. two output columns.
 */
function shrinkHalfRgbWords(u: Uint32Array, W: number, H: number, tensor: Float32Array, outW: number): void {
  const nw = W >> 1;
  const nh = H >> 1;
  const norm = 1 / (4 * 255);
  const words = (W * 3) >> 2;
  for (let dy = 0; dy < nh; dy++) {
    let a = dy * 2 * words;
    let b = a + words;
    const o = dy * outW;
    for (let dx = 0; dx < nw; dx += 2, a += 3, b += 3) {
      const a0 = u[a]!;
      const a1 = u[a + 1]!;
      const a2 = u[a + 2]!;
      const b0 = u[b]!;
      const b1 = u[b + 1]!;
      const b2 = u[b + 2]!;
      const left =
        lumaRgb(a0 & 255, (a0 >>> 8) & 255, (a0 >>> 16) & 255) +
        lumaRgb(a0 >>> 24, a1 & 255, (a1 >>> 8) & 255) +
        lumaRgb(b0 & 255, (b0 >>> 8) & 255, (b0 >>> 16) & 255) +
        lumaRgb(b0 >>> 24, b1 & 255, (b1 >>> 8) & 255);
      const right =
        lumaRgb((a1 >>> 16) & 255, a1 >>> 24, a2 & 255) +
        lumaRgb((a2 >>> 8) & 255, (a2 >>> 16) & 255, a2 >>> 24) +
        lumaRgb((b1 >>> 16) & 255, b1 >>> 24, b2 & 255) +
        lumaRgb((b2 >>> 8) & 255, (b2 >>> 16) & 255, b2 >>> 24);
      tensor[o + dx] = left * norm;
      tensor[o + dx + 1] = right * norm;
    }
  }
}

function shrinkArea(img: RawImage, nw: number, nh: number, tensor: Float32Array, outW: number): void {
  const W = img.width;
  const H = img.height;
  const { a: xa, b: xb, inner: xin, l: xl, wl: xwl, r: xr, wr: xwr } = areaSpans(W, nw);
  const ys = areaSpans(H, nh);
  // Each source row is converted to grey and resampled horizontally once; its (at most two)
  // output rows take it with their vertical weights.
  const weightsOf = new Float32Array(H * 2);
  const rowsOf = new Int32Array(H * 2).fill(-1);
  const link = (sy: number, dy: number, w: number): void => {
    const k = rowsOf[sy * 2] === -1 ? 0 : 1;
    rowsOf[sy * 2 + k] = dy;
    weightsOf[sy * 2 + k] = w / 255;
  };
  for (let dy = 0; dy < nh; dy++) {
    if (ys.l[dy]! >= 0) link(ys.l[dy]!, dy, ys.wl[dy]!);
    for (let sy = ys.a[dy]!; sy < ys.b[dy]!; sy++) link(sy, dy, ys.inner[dy]!);
    if (ys.r[dy]! >= 0) link(ys.r[dy]!, dy, ys.wr[dy]!);
    tensor.fill(0, dy * outW, dy * outW + nw);
  }
  const grey = new Int32Array(W);
  const hrow = new Float32Array(nw);
  for (let sy = 0; sy < H; sy++) {
    if (rowsOf[sy * 2] === -1) continue;
    greyRowInt(img, sy, grey);
    for (let dx = 0; dx < nw; dx++) {
      let sum = 0;
      const end = xb[dx]!;
      for (let x = xa[dx]!; x < end; x++) sum += grey[x]!;
      let acc = sum * xin[dx]!;
      const l = xl[dx]!;
      if (l >= 0) acc += grey[l]! * xwl[dx]!;
      const r = xr[dx]!;
      if (r >= 0) acc += grey[r]! * xwr[dx]!;
      hrow[dx] = acc;
    }
    for (let k = 0; k < 2; k++) {
      const dy = rowsOf[sy * 2 + k]!;
      if (dy < 0) break;
      const w = weightsOf[sy * 2 + k]!;
      const o = dy * outW;
      for (let dx = 0; dx < nw; dx++) tensor[o + dx]! += hrow[dx]! * w;
    }
  }
}

function greyRowInt(img: RawImage, y: number, row: Int32Array): void {
  const W = img.width;
  const d = img.data;
  if (img.format === 'gray') {
    const o = y * W;
    for (let x = 0; x < W; x++) row[x] = d[o + x]!;
    return;
  }
  let o = y * W * 3;
  for (let x = 0; x < W; x++, o += 3) row[x] = lumaRgb(d[o]!, d[o + 1]!, d[o + 2]!);
}

/** cv2 INTER_LINEAR coordinates: half-pixel centres, clamped at the borders. */
export function linearTable(src: number, dst: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const scale = src / dst;
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const f = new Float32Array(dst);
  for (let d = 0; d < dst; d++) {
    const s = (d + 0.5) * scale - 0.5;
    let k = Math.floor(s);
    let fr = s - k;
    if (k < 0) {
      k = 0;
      fr = 0;
    }
    if (k >= src - 1) {
      k = src - 1;
      fr = 0;
    }
    i0[d] = k;
    i1[d] = Math.min(k + 1, src - 1);
    f[d] = fr;
  }
  return { i0, i1, f };
}

function enlargeLinear(img: RawImage, nw: number, nh: number, tensor: Float32Array, outW: number): void {
  const W = img.width;
  const H = img.height;
  const xt = linearTable(W, nw);
  const yt = linearTable(H, nh);
  // Horizontally resampled source rows, computed once each (an enlarged image has few rows).
  const rows: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(H);
  const grey = new Float32Array(W);
  const rowAt = (sy: number): Float32Array => {
    let r = rows[sy];
    if (!r) {
      greyRow(img, sy, grey);
      r = new Float32Array(nw);
      for (let dx = 0; dx < nw; dx++) {
        const a = grey[xt.i0[dx]!]!;
        r[dx] = a + (grey[xt.i1[dx]!]! - a) * xt.f[dx]!;
      }
      rows[sy] = r;
    }
    return r;
  };
  for (let dy = 0; dy < nh; dy++) {
    const r0 = rowAt(yt.i0[dy]!);
    const r1 = rowAt(yt.i1[dy]!);
    const fy = yt.f[dy]!;
    const o = dy * outW;
    for (let dx = 0; dx < nw; dx++) tensor[o + dx] = (r0[dx]! + (r1[dx]! - r0[dx]!) * fy) / 255;
  }
}

/** Python 3's round(): halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
