import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/shared/event-bus.js';
import { scrubSecrets } from '../../src/shared/redact.js';
import { uuidv7 } from '../../src/shared/uuid.js';

describe('scrubSecrets', () => {
  it.each([
    ['rtsp://admin:hunter2@10.0.0.5:554/stream1', 'rtsp://***:***@10.0.0.5:554/stream1'],
    ['Connection to tcp://10.0.0.5:554?timeout=0 failed', 'Connection to tcp://10.0.0.5:554?timeout=0 failed'],
    ['http://cam/snap.jpg?user=a&password=p4ss&x=1', 'http://cam/snap.jpg?user=a&password=***&x=1'],
    ['rtsp://user@cam/x', 'rtsp://***:***@cam/x'],
  ])('scrubs %s', (input, out) => {
    expect(scrubSecrets(input)).toBe(out);
  });
});

describe('uuidv7', () => {
  it('is a v7 UUID that sorts by time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(a.replace(/-/g, '').slice(0, 12)).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
  });
});

describe('EventBus', () => {
  it('a listener that throws does not stop the others', () => {
    const errors: unknown[] = [];
    const bus = new EventBus<number>((e) => errors.push(e));
    const got: number[] = [];
    bus.subscribe(() => {
      throw new Error('bad listener');
    });
    const off = bus.subscribe((n) => got.push(n));
    bus.emit(1);
    off();
    bus.emit(2);
    expect(got).toEqual([1]);
    expect(errors).toHaveLength(2);
  });
});
