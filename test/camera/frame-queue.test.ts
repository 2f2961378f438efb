import { describe, expect, it } from 'vitest';
import { FramePump, FrameQueue } from '../../src/camera/frame-queue.js';

describe('FrameQueue', () => {
  it('drops the oldest item when full and counts each drop', () => {
    const q = new FrameQueue<number>(2);
    expect([q.push(1), q.push(2), q.push(3), q.push(4)]).toEqual([undefined, undefined, 1, 2]);
    expect(q.dropped).toBe(2);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([3, 4, undefined]);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new FrameQueue(0)).toThrow(RangeError);
  });
});

describe('FramePump', () => {
  it('hands items straight to a synchronous sink', () => {
    const got: number[] = [];
    const pump = new FramePump(new FrameQueue<number>(2), () => undefined);
    pump.setSink((n) => void got.push(n));
    for (const n of [1, 2, 3, 4]) pump.push(n);
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it('waits for an async sink and keeps only the newest items meanwhile', async () => {
    const q = new FrameQueue<number>(2);
    const got: number[] = [];
    const releases: (() => void)[] = [];
    const pump = new FramePump(q, () => undefined);
    pump.setSink((n) => {
      got.push(n);
      return new Promise<void>((r) => releases.push(r));
    });
    for (const n of [1, 2, 3, 4, 5]) pump.push(n);
    expect(got).toEqual([1]); // 1 in flight; 2 and 3 dropped for 4 and 5
    expect(q.dropped).toBe(2);
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([1, 4]);
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([1, 4, 5]);
  });

  it('keeps pumping after the sink throws or rejects', async () => {
    const errors: unknown[] = [];
    const got: number[] = [];
    const pump = new FramePump(new FrameQueue<number>(4), (e) => errors.push(e));
    pump.setSink((n) => {
      got.push(n);
      if (n === 1) throw new Error('sync boom');
      if (n === 2) return Promise.reject(new Error('async boom'));
      return undefined;
    });
    pump.push(1);
    pump.push(2);
    await new Promise((r) => setImmediate(r));
    pump.push(3);
    expect(got).toEqual([1, 2, 3]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['sync boom', 'async boom']);
  });

  it('holds items until a sink is set', () => {
    const got: number[] = [];
    const pump = new FramePump(new FrameQueue<number>(3), () => undefined);
    pump.push(1);
    pump.push(2);
    pump.setSink((n) => void got.push(n));
    expect(got).toEqual([1, 2]);
  });
});
