import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CameraSource } from '../../src/camera/camera-source.js';
import type { Frame } from '../../src/camera/frame.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { cameraConfig, capturedLogger } from './helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const CLIP = fileURLToPath(new URL('../../fixtures/demo/clip.mp4', import.meta.url));
const MPH = 0.44704; // m/s

function fileCamera(over: Parameters<typeof cameraConfig>[0], speed?: () => number | null) {
  const registry = new StatusRegistry();
  const { logger, lines } = capturedLogger('info');
  const config = cameraConfig({ width: 320, height: 180, ...over });
  const source = new CameraSource({ config, logger, status: registry.reporter(`camera:${config.id}`, 'camera'), ...(speed ? { speed } : {}) });
  const frames: Frame[] = [];
  source.onFrame((f) => void frames.push(f));
  const counters = (): Record<string, number> => registry.get(`camera:${config.id}`)!.counters;
  return { source, registry, frames, lines, counters };
}

describe('frame scheduling on the demo clip', () => {
  it('follows the speed table by thinning in process, without restarting ffmpeg', async () => {
    let mph = 0;
    const { source, frames, lines, counters } = fileCamera({ id: 'patrol', kind: 'file', path: CLIP }, () => mph * MPH);
    try {
      await source.start();
      // The table's top rate (15 fps) is above the clip's 10 fps: one restart at the clip's rate.
      await waitFor(() => (counters().frames ?? 0) >= 2, 'first frames', { timeoutMs: 15_000 });
      expect(lines.join('')).toContain('decoding at its own rate');
      expect(source.ffmpegArgv()).toContain('fps=10,scale=320:180:flags=bilinear');
      const pid = source.ffmpegPid;
      const start = { decoded: counters().frames!, delivered: frames.length };
      await waitFor(() => counters().frames! >= start.decoded + 20, '20 decoded frames at 0 mph', { timeoutMs: 10_000 });
      const slow = { decoded: counters().frames!, delivered: frames.length };
      // 5 of 10 fps; the frame being read when the counters were taken may be counted but not yet delivered.
      expect(slow.delivered - start.delivered).toBeGreaterThanOrEqual(Math.floor((slow.decoded - start.decoded) / 2) - 1);
      expect(slow.delivered - start.delivered).toBeLessThanOrEqual(Math.ceil((slow.decoded - start.decoded) / 2) + 1);

      mph = 30; // 10 fps band: every frame of a 10 fps camera
      await waitFor(() => counters().frames! >= slow.decoded + 20, '20 more frames at 30 mph', { timeoutMs: 10_000 });
      const fast = { decoded: counters().frames! - slow.decoded, delivered: frames.length - slow.delivered };
      expect(fast.delivered).toBeGreaterThanOrEqual(fast.decoded - 1);
      expect(source.ffmpegPid).toBe(pid);
      expect(counters().reconnects ?? 0).toBe(0);
    } finally {
      await source.stop();
    }
  });

  it('gates still frames of a fixed camera and passes the moving cars', async () => {
    const { source, counters } = fileCamera({
      id: 'pole',
      kind: 'file',
      url: CLIP,
      fps: 10,
      loop: false,
      realtime: false,
      motion: { enabled: true, hold_s: 0, threshold_pct: 0.5, pixel_delta: 24, sample_width: 64 },
    });
    try {
      await source.start();
      await waitFor(() => (counters().frames ?? 0) >= 120, 'the whole clip', { timeoutMs: 20_000 });
      const { gated = 0, delivered = 0 } = counters();
      // 4 × 4 frames of empty road: the first of each differs from the car before it, the rest are still.
      expect(gated).toBeGreaterThanOrEqual(8);
      expect(delivered).toBeGreaterThanOrEqual(90);
      expect(source.latestFrame()).not.toBeNull();
    } finally {
      await source.stop();
    }
  });

  it('hands the detection zone with every frame, in frame pixels', async () => {
    const { source, frames } = fileCamera({ id: 'zoned', kind: 'file', path: CLIP, realtime: false, loop: false, zone: [[0.1, 0.5], [0.9, 0.5], [0.9, 1], [0.1, 1]] });
    try {
      await source.start();
      await waitFor(() => frames.length >= 3, 'three frames', { timeoutMs: 15_000 });
      expect(frames[0]!.zone).toEqual([[32, 90], [288, 90], [288, 180], [32, 180]]);
    } finally {
      await source.stop();
    }
  });
});
