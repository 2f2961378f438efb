/**
 * The TypeScript runtime and the training contract (models/training/contract.py) pre-process the
 * same frame the same way: golden outputs written by fixtures/scripts/make-golden-preprocess.py
 * (OpenCV) against letterbox.ts and warp.ts. A model is only as good as this agreement: a shifted
 * pixel or another rounding at run time is an input the network never saw in training.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { letterbox, type RawImage } from '../../src/recognizer/letterbox.js';
import { cropPlate, expandQuad, warpQuad } from '../../src/recognizer/warp.js';

const DIR = new URL('../../fixtures/golden/preprocess/', import.meta.url);
const golden = JSON.parse(readFileSync(new URL('golden.json', DIR), 'utf8')) as {
  frame: { width: number; height: number; file: string };
  letterbox: { name: string; outW: number; outH: number; pad: number; scaledWidth: number; scaledHeight: number; file: string }[];
  warp: { quad: [number, number][]; marginX: number; marginY: number; width: number; height: number; file: string };
};
const bytes = (file: string): Uint8Array => new Uint8Array(readFileSync(new URL(file, DIR)));
const frame: RawImage = { width: golden.frame.width, height: golden.frame.height, format: 'rgb24', data: bytes(golden.frame.file) };

/** Largest and mean absolute difference in grey levels (0..255). */
function compare(ours: ArrayLike<number>, theirs: Uint8Array): { max: number; mean: number } {
  expect(ours.length).toBe(theirs.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < theirs.length; i++) {
    const d = Math.abs(ours[i]! - theirs[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / theirs.length };
}

describe('pre-processing agrees with the training contract on the same frame', () => {
  for (const c of golden.letterbox) {
    it(`letterbox (${c.name}: ${golden.frame.width}x${golden.frame.height} into ${c.outW}x${c.outH})`, () => {
      const lb = letterbox(frame, c.outW, c.outH, c.pad);
      expect([lb.scaledWidth, lb.scaledHeight]).toEqual([c.scaledWidth, c.scaledHeight]);
      const image: number[] = [];
      for (let y = 0; y < c.scaledHeight; y++) for (let x = 0; x < c.scaledWidth; x++) image.push(Math.round(lb.tensor[y * c.outW + x]! * 255));
      const d = compare(image, bytes(c.file));
      // OpenCV resizes bytes with fixed-point weights and rounds; the runtime keeps the exact
      // average. Measured: at most one grey level apart (0.1% of pixels shrinking, 11% enlarging).
      expect(d.max).toBeLessThanOrEqual(1);
      expect(d.mean).toBeLessThan(0.2);
      // Padding right and below, with the contract's value.
      expect(lb.tensor[c.outW * c.outH - 1]).toBe(c.pad);
    });
  }

  it(`OCR warp of a plate quad with its margins (${golden.warp.width}x${golden.warp.height})`, () => {
    const { quad, marginX, marginY, width, height } = golden.warp;
    const q = quad as Parameters<typeof expandQuad>[0];
    const theirs = bytes(golden.warp.file);
    const plain = new Float32Array(width * height);
    warpQuad(frame, expandQuad(q, marginX, marginY), { tensor: plain, offset: 0, width, height });
    // OpenCV's warp samples at 1/32-pixel positions with fixed-point weights; the runtime in
    // floating point. Measured: 79% of pixels equal, at most 3 grey levels apart on the
    // characters' edges, 0.26 on average.
    const d = compare(Array.from(plain, (v) => Math.round(v * 255)), theirs);
    expect(d.max).toBeLessThanOrEqual(3);
    expect(d.mean).toBeLessThan(0.35);
    // The comparison sees a shift: the same warp half a pixel to the right is far off.
    const shifted = new Float32Array(width * height);
    const moved = q.map(([x, y]) => [x + 0.5, y]) as typeof q;
    warpQuad(frame, expandQuad(moved, marginX, marginY), { tensor: shifted, offset: 0, width, height });
    expect(compare(Array.from(shifted, (v) => Math.round(v * 255)), theirs).max).toBeGreaterThan(20);
    // The runtime's crop (what the recognizer feeds the OCR) is the same warp for a plate this small.
    const crop = new Float32Array(width * height);
    cropPlate(frame, q, marginX, marginY, { tensor: crop, offset: 0, width, height });
    expect(compare(Array.from(crop, (v) => Math.round(v * 255)), theirs).max).toBeLessThanOrEqual(3);
  });
});
