import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { StatusRegistry } from '../../src/status/registry.js';

describe('StatusRegistry', () => {
  it('tracks state, since, last error and counters per unit', () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 8, 0, 0));
    const reg = new StatusRegistry(clock);
    const cam = reg.reporter('camera:front', 'camera');
    cam.set('ok', 'streaming');
    clock.advance(5000);
    cam.set('ok', 'streaming'); // same state: since unchanged
    cam.count('frames', 10);
    cam.count('frames');
    cam.gauge('fps', 9.5);
    cam.error(new Error('timeout'));
    const s = reg.get('camera:front')!;
    expect(s.since).toBe('2026-11-25T08:00:00.000Z');
    expect(s.counters).toEqual({ frames: 11, fps: 9.5 });
    expect(s.lastError).toEqual({ message: 'timeout', at: '2026-11-25T08:00:05.000Z' });
  });

  it('readiness is green only when every readiness unit is green, with reasons', () => {
    const reg = new StatusRegistry(new ManualClock());
    const cam = reg.reporter('camera:front', 'camera');
    const gps = reg.reporter('gps', 'gps');
    reg.reporter('tracker', 'tracker', { readiness: false }).set('down', 'ignored');
    cam.set('ok');
    gps.set('ok');
    expect(reg.readiness()).toEqual({ verdict: 'green', reasons: [] });
    gps.set('degraded', 'no fix');
    expect(reg.readiness()).toEqual({ verdict: 'amber', reasons: ['gps: degraded: no fix'] });
    cam.set('down', 'no frame for 12 s');
    expect(reg.readiness().verdict).toBe('red');
    expect(reg.readiness().reasons).toContain('camera:front: down: no frame for 12 s');
  });

  it('a throwing change listener does not break the reporter', () => {
    const reg = new StatusRegistry(new ManualClock());
    reg.onChange(() => {
      throw new Error('listener bug');
    });
    const r = reg.reporter('x', 'x');
    expect(() => r.set('ok')).not.toThrow();
  });
});
