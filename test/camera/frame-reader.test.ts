import { describe, expect, it } from 'vitest';
import { FrameReader } from '../../src/camera/frame-reader.js';

function bytes(from: number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (from + i) % 256));
}

describe('FrameReader', () => {
  it('cuts chunks that straddle frame boundaries into whole frames', () => {
    const frames: Buffer[] = [];
    const r = new FrameReader(4, (f) => frames.push(f));
    for (const chunk of [bytes(0, 3), bytes(3, 6), bytes(9, 1), bytes(10, 2)]) r.push(chunk);
    expect(frames.map((f) => [...f])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(r.pendingBytes).toBe(0);
  });

  it('holds back an incomplete frame', () => {
    const frames: Buffer[] = [];
    const r = new FrameReader(6, (f) => frames.push(f));
    r.push(bytes(0, 8));
    expect(frames).toHaveLength(1);
    expect(r.pendingBytes).toBe(2);
  });

  it('emits several frames from one large chunk, each its own buffer', () => {
    const frames: Buffer[] = [];
    const r = new FrameReader(2, (f) => frames.push(f));
    r.push(bytes(0, 6));
    expect(frames.map((f) => [...f])).toEqual([[0, 1], [2, 3], [4, 5]]);
    frames[0]![0] = 99;
    expect(frames[1]![0]).toBe(2);
  });

  it('skips unwanted frames without emitting them and counts them', () => {
    const frames: Buffer[] = [];
    let n = 0;
    const r = new FrameReader(2, (f) => frames.push(f), () => n++ % 2 === 0);
    r.push(bytes(0, 8));
    expect(frames.map((f) => [...f])).toEqual([[0, 1], [4, 5]]);
    expect(r.skipped).toBe(2);
  });

  it('refuses a frame size that is not a positive integer', () => {
    expect(() => new FrameReader(0, () => undefined)).toThrow(RangeError);
  });
});
