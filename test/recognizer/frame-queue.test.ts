import { describe, expect, it } from 'vitest';
import { FrameQueue } from '../../src/recognizer/frame-queue.js';

describe('FrameQueue', () => {
  it('drops the oldest item when full and counts each drop', () => {
    const q = new FrameQueue<number>(2);
    expect([q.push(1), q.push(2), q.push(3), q.push(4)]).toEqual([undefined, undefined, 1, 2]);
    expect(q.dropped).toBe(2);
    expect(q.length).toBe(2);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([3, 4, undefined]);
  });

  it('empties at once and says how many it held', () => {
    const q = new FrameQueue<number>(3);
    q.push(1);
    q.push(2);
    expect(q.clear()).toBe(2);
    expect(q.length).toBe(0);
    expect(q.dropped).toBe(0);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new FrameQueue(0)).toThrow(RangeError);
    expect(() => new FrameQueue(1.5)).toThrow(/positive integer/);
  });
});
