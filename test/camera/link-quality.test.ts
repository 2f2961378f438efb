import { describe, expect, it } from 'vitest';
import { linkQuality, type QualityInput } from '../../src/camera/link-quality.js';

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
