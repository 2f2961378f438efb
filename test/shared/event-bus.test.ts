import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/shared/event-bus.js';

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
