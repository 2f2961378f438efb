import { describe, expect, it } from 'vitest';
import { areaSpans, detectorInputSize, letterbox, letterboxSize, lumaRgb, nativeInputSize, roundHalfEven, shrinkLetterbox, type RawImage } from '../../src/recognizer/letterbox.js';

const gray = (width: number, height: number, f: (x: number, y: number) => number) => {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, format: 'gray' as const, data };
};

describe('letterboxSize', () => {
  it.each([
    { w: 1280, h: 720, out: { w: 640, h: 360 } },
    { w: 1920, h: 1080, out: { w: 640, h: 360 } },
    { w: 640, h: 480, out: { w: 512, h: 384 } },
    { w: 720, h: 1280, out: { w: 216, h: 384 } },
    { w: 320, h: 180, out: { w: 640, h: 360 } },
    // 1000*0.64 = 640, 563*0.64 = 360.32
    { w: 1000, h: 563, out: { w: 640, h: 360 } },
  ])('$w x $h fits 640x384 as $out.w x $out.h', ({ w, h, out }) => {
    expect(letterboxSize(w, h, 640, 384)).toMatchObject(out);
  });

  it('rounds halves to even like the training code (Python round)', () => {
    expect([0.5, 1.5, 2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3]);
  });
});

describe('letterbox', () => {
  it('pads bottom and right with the pad value and scales the image into the top-left', () => {
    const r = letterbox(gray(64, 32, () => 255), 64, 64, 0.5);
    expect(r.scaledWidth).toBe(64);
    expect(r.scaledHeight).toBe(32);
    expect(r.tensor[0]).toBeCloseTo(1);
    expect(r.tensor[31 * 64 + 63]).toBeCloseTo(1);
    expect(r.tensor[32 * 64]).toBe(0.5);
    expect(r.tensor[63 * 64 + 63]).toBe(0.5);
  });

  it('shrinks by a whole factor to the mean of each block', () => {
    const img = gray(4, 2, (x, y) => [10, 20, 30, 40, 50, 60, 70, 80][y * 4 + x]!);
    const r = letterbox(img, 2, 1, 0);
    expect(r.tensor[0]! * 255).toBeCloseTo((10 + 20 + 50 + 60) / 4, 4);
    expect(r.tensor[1]! * 255).toBeCloseTo((30 + 40 + 70 + 80) / 4, 4);
  });

  it('shrinks by a fractional factor with area weights (cv2 INTER_AREA)', () => {
    // 3 -> 2 columns: each output cell covers 1.5 source pixels.
    const img = gray(3, 1, (x) => [30, 60, 90][x]!);
    const r = letterbox(img, 2, 1, 0);
    expect(r.tensor[0]! * 255).toBeCloseTo((30 + 0.5 * 60) / 1.5, 3);
    expect(r.tensor[1]! * 255).toBeCloseTo((0.5 * 60 + 90) / 1.5, 3);
  });

  it('enlarges with half-pixel-centred bilinear interpolation (cv2 INTER_LINEAR)', () => {
    const r = letterbox(gray(2, 1, (x) => (x === 0 ? 0 : 200)), 4, 2, 0);
    // source x = (d + 0.5) / 2 - 0.5 -> -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
    expect(Array.from(r.tensor.slice(0, 4), (v) => Math.round(v * 255))).toEqual([0, 50, 150, 200]);
  });

  it('converts rgb24 with the BT.601 luma a grey camera frame has', () => {
    const rgb = { width: 2, height: 2, format: 'rgb24' as const, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]) };
    const r = letterbox(rgb, 2, 2, 0);
    expect(Array.from(r.tensor, (v) => Math.round(v * 255))).toEqual([76, 150, 29, 255]);
    expect(lumaRgb(255, 0, 0)).toBe(76);
  });

  it('gives the same tensor for an rgb frame and its grey equivalent', () => {
    const w = 96;
    const h = 54;
    const rgb = new Uint8Array(w * h * 3);
    const g = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const v = (i * 37) % 256;
      rgb.set([v, v, v], i * 3);
      g[i] = v;
    }
    const a = letterbox({ width: w, height: h, format: 'rgb24', data: rgb }, 64, 64, 0.5);
    const b = letterbox({ width: w, height: h, format: 'gray', data: g }, 64, 64, 0.5);
    expect(a.tensor).toEqual(b.tensor);
  });

  it('reports the per-axis scale used to map detections back to the frame', () => {
    const r = letterbox(gray(1000, 563, () => 0), 640, 384, 0.5);
    expect(r.scaleX).toBeCloseTo(640 / 1000);
    expect(r.scaleY).toBeCloseTo(360 / 563);
  });

  it('rejects a buffer smaller than the frame size says', () => {
    expect(() => letterbox({ width: 10, height: 10, format: 'rgb24', data: new Uint8Array(100) }, 32, 32, 0.5)).toThrow(/expected 300/);
  });

  it('reuses the output buffer it is given', () => {
    const out = new Float32Array(32 * 32);
    expect(letterbox(gray(16, 16, () => 1), 32, 32, 0.5, out).tensor).toBe(out);
  });
});

describe('areaSpans', () => {
  it('covers every source pixel with total weight 1 per output cell', () => {
    const s = areaSpans(1000, 640);
    for (let d = 0; d < 640; d++) {
      const total = (s.b[d]! - s.a[d]!) * s.inner[d]! + (s.l[d]! >= 0 ? s.wl[d]! : 0) + (s.r[d]! >= 0 ? s.wr[d]! : 0);
      expect(total).toBeCloseTo(1, 5);
    }
  });
});

describe('detectorInputSize', () => {
  it.each([
    { w: 1280, h: 720, out: { w: 640, h: 384 } },
    { w: 1920, h: 1080, out: { w: 640, h: 384 } },
    { w: 1280, h: 1280, out: { w: 480, h: 480 } },
    { w: 720, h: 1280, out: { w: 384, h: 640 } },
  ])('fits $w x $h into a 640x384 pixel budget as $out.w x $out.h', ({ w, h, out }) => {
    const size = detectorInputSize(w, h, 640, 384, 'area');
    expect(size).toEqual(out);
    expect(size.w * size.h).toBeLessThanOrEqual(640 * 384);
  });

  it('keeps the configured size when fixed', () => {
    expect(detectorInputSize(1280, 1280, 640, 384, 'fixed')).toEqual({ w: 640, h: 384 });
  });
});

describe('nativeInputSize', () => {
  it('reads a frame the fixed input would shrink at its own size when it is within the slack', () => {
    expect(nativeInputSize(640, 480, 640, 384, 'fixed', 1.25)).toEqual({ w: 640, h: 480 });
    expect(nativeInputSize(480, 640, 640, 384, 'fixed', 1.25)).toEqual({ w: 480, h: 640 });
    expect(nativeInputSize(630, 470, 640, 384, 'fixed', 1.25)).toEqual({ w: 640, h: 480 });
  });

  it('keeps the configured size for large frames, frames that fit, and slack 0', () => {
    expect(nativeInputSize(1280, 720, 640, 384, 'fixed', 1.25)).toEqual({ w: 640, h: 384 });
    expect(nativeInputSize(320, 240, 640, 384, 'fixed', 1.25)).toEqual({ w: 640, h: 384 });
    expect(nativeInputSize(640, 480, 640, 384, 'fixed', 0)).toEqual({ w: 640, h: 384 });
    expect(nativeInputSize(896, 592, 640, 384, 'fixed', 1.25)).toEqual({ w: 640, h: 384 });
  });
});

/** A pseudo-random rgb24 frame (a fixed linear congruential sequence), its bytes `offset` into their buffer. */
function noiseRgb(width: number, height: number, offset = 0): RawImage {
  const buf = new Uint8Array(offset + width * height * 3);
  let v = 12345;
  for (let i = offset; i < buf.length; i++) {
    v = (v * 1103515245 + 12345) >>> 0;
    buf[i] = v >>> 24;
  }
  return { width, height, format: 'rgb24', data: buf.subarray(offset) };
}

describe('letterbox, 2x2 rgb24 shrink (the 720p camera case)', () => {
  it('gives each cell the mean of its 2x2 block of per-pixel lumas, aligned (32-bit words) or not (bytes)', () => {
    for (const offset of [0, 1]) {
      const img = noiseRgb(16, 8, offset);
      const r = letterbox(img, 8, 4, 0);
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 8; x++) {
          let sum = 0;
          for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
            const o = ((2 * y + dy) * 16 + 2 * x + dx) * 3;
            sum += lumaRgb(img.data[o]!, img.data[o + 1]!, img.data[o + 2]!);
          }
          expect(r.tensor[y * 8 + x]! * 255).toBeCloseTo(sum / 4, 4);
        }
      }
    }
  });
});

describe('shrinkLetterbox', () => {
  it('derives the coarse pass input from the main one with the values letterboxing the frame gives', () => {
    const img = noiseRgb(128, 72);
    const main = letterbox(img, 64, 40, 0.5);
    const derived = shrinkLetterbox(main, 64, 128, 72, 32, 24, 0.5);
    const direct = letterbox(img, 32, 24, 0.5);
    expect(derived).not.toBeNull();
    expect([derived!.scaledWidth, derived!.scaledHeight, derived!.scaleX, derived!.scaleY]).toEqual([direct.scaledWidth, direct.scaledHeight, direct.scaleX, direct.scaleY]);
    for (let i = 0; i < direct.tensor.length; i++) expect(derived!.tensor[i]).toBeCloseTo(direct.tensor[i]!, 6);
  });

  it('derives non-2x factors too (1920x1080 shape: main /3, coarse /6)', () => {
    const img = noiseRgb(192, 108);
    const main = letterbox(img, 64, 40, 0);
    const derived = shrinkLetterbox(main, 64, 192, 108, 32, 24, 0)!;
    const direct = letterbox(img, 32, 24, 0);
    for (let i = 0; i < direct.tensor.length; i++) expect(derived.tensor[i]).toBeCloseTo(direct.tensor[i]!, 6);
  });

  it('declines sizes that do not nest (a fractional shrink of the frame)', () => {
    const img = noiseRgb(100, 60);
    const main = letterbox(img, 64, 40, 0);
    expect(shrinkLetterbox(main, 64, 100, 60, 32, 24, 0)).toBeNull();
  });
});
