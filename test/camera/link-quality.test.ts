import { describe, expect, it } from 'vitest';
import { cameraState, linkQuality, type QualityInput } from '../../src/camera/link-quality.js';

const ok: QualityInput = { streaming: true, fps: 10, expectedFps: 10, sinceLastFrameMs: 50, stallMs: 10_000, reconnectsLastHour: 0 };

describe('linkQuality', () => {
  const table: [string, Partial<QualityInput>, string, RegExp][] = [
    ['full rate', {}, 'good', /10\.0 fps/],
    ['not streaming', { streaming: false }, 'down', /no frames/],
    ['no frame yet', { sinceLastFrameMs: null }, 'down', /no frames/],
    ['stalled past the stall timeout', { sinceLastFrameMs: 12_000 }, 'down', /no frame for 12 s/],
    ['short gap', { sinceLastFrameMs: 2_500 }, 'degraded', /no frame for 2\.5 s/],
    ['slow for a low-rate camera is not a gap', { expectedFps: 1, fps: 1, sinceLastFrameMs: 2_500 }, 'good', /fps/],
    ['under 70% of the expected rate', { fps: 6 }, 'degraded', /6\.0 of 10 fps/],
    ['at 70% of the expected rate', { fps: 7 }, 'good', /fps/],
    ['three reconnects in the hour', { reconnectsLastHour: 3 }, 'degraded', /3 reconnects in the last hour/],
    ['two reconnects in the hour', { reconnectsLastHour: 2 }, 'good', /fps/],
  ];
  for (const [name, input, quality, reason] of table) {
    it(`${name} → ${quality}`, () => {
      const r = linkQuality({ ...ok, ...input });
      expect(r.quality).toBe(quality);
      expect(r.reason).toMatch(reason);
    });
  }
});

describe('cameraState', () => {
  const good = { quality: 'good' as const, reason: '10.0 fps' };
  const slow = { quality: 'degraded' as const, reason: '5.0 fps of 10' };
  const down = { quality: 'down' as const, reason: 'no frame for 12 s' };
  const fine = { level: 'ok' as const, message: '' };
  const amber = { level: 'amber' as const, message: 'blur since 01:02' };
  const red = { level: 'red' as const, message: 'covered since 01:02' };
  it.each([
    ['a good link and a fine picture', good, fine, 'ok', '10.0 fps'],
    ['a slow link and a fine picture', slow, fine, 'degraded', '5.0 fps of 10'],
    ['a red picture takes a good link down, the fault first', good, red, 'down', 'covered since 01:02; 10.0 fps'],
    ['a red picture takes a slow link down', slow, red, 'down', 'covered since 01:02; 5.0 fps of 10'],
    ['an amber picture degrades a good link, the fault first', good, amber, 'degraded', 'blur since 01:02; 10.0 fps'],
    ['an amber picture on a slow link: the link first', slow, amber, 'degraded', '5.0 fps of 10; blur since 01:02'],
    ['a link that is down stays down, the link first', down, red, 'down', 'no frame for 12 s; covered since 01:02'],
  ] as const)('%s', (_name, link, picture, state, message) => {
    expect(cameraState(link, picture)).toEqual({ state, message });
  });
});
