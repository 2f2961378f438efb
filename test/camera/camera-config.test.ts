import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';

function errorsFor(camera: Record<string, unknown>): string[] {
  return loadConfigObject({ cameras: [camera] }, tmpdir()).errors;
}

describe('camera configuration checks', () => {
  const table: [string, Record<string, unknown>, string | null][] = [
    ['a valid RTSP camera', { id: 'front', kind: 'rtsp', url: 'rtsp://10.0.0.5/live' }, null],
    ['rtsp needs an rtsp URL', { id: 'front', kind: 'rtsp', url: 'http://10.0.0.5/live' }, 'cameras[0].url: must be an rtsp:// URL for kind rtsp'],
    ['credentials never in the URL', { id: 'front', kind: 'rtsp', url: 'rtsp://admin:pw@10.0.0.5/live' }, 'cameras[0].url: must not contain credentials; use username and password'],
    ['mjpeg needs http', { id: 'm', kind: 'mjpeg', url: 'rtsp://x/y' }, 'cameras[0].url: must be an http(s):// URL for kind mjpeg'],
    ['onvif takes host[:port]', { id: 'o', kind: 'onvif', url: 'http://10.0.0.9/onvif' }, 'cameras[0].url: must be the ONVIF device address host[:port] for kind onvif'],
    ['onvif host:port is fine', { id: 'o', kind: 'onvif', url: '10.0.0.9:8080' }, null],
    ['file needs a path', { id: 'f', kind: 'file' }, 'cameras[0].path: is required (the video file) for kind file'],
    ['file as path or url, not both', { id: 'f', kind: 'file', path: 'a.mp4', url: 'b.mp4' }, 'cameras[0]: give the file as path or url, not both'],
    ['width without height', { id: 'f', kind: 'file', url: 'a.mp4', width: 640 }, 'cameras[0]: width and height must be set together (or both 0)'],
    ['odd height', { id: 'f', kind: 'file', url: 'a.mp4', width: 640, height: 361 }, 'cameras[0].height: must be even'],
    ['retry max below initial', { id: 'f', kind: 'file', url: 'a.mp4', retry_initial_s: 5, retry_max_s: 2 }, 'cameras[0].retry_max_s: must be at least retry_initial_s'],
    ['zone of two points', { id: 'f', kind: 'file', url: 'a.mp4', zone: [[0, 0], [1, 1]] }, 'cameras[0].zone: a polygon needs at least 3 points'],
    ['speed table out of order', { id: 'f', kind: 'file', url: 'a.mp4', speed_rates: [{ min_mph: 0, fps: 5 }, { min_mph: 40, fps: 10 }, { min_mph: 30, fps: 15 }] }, 'cameras[0].speed_rates: min_mph must increase from row to row'],
    ['speed table not from 0', { id: 'f', kind: 'file', url: 'a.mp4', speed_rates: [{ min_mph: 10, fps: 5 }] }, 'cameras[0].speed_rates: the first row must start at min_mph 0'],
    ['unknown key', { id: 'f', kind: 'file', url: 'a.mp4', frame_rate: 5 }, 'cameras[0].frame_rate: unknown key'],
  ];
  for (const [name, camera, want] of table) {
    it(name, () => {
      const errors = errorsFor(camera);
      if (want === null) expect(errors).toEqual([]);
      else expect(errors).toContain(want);
    });
  }

  it('fills defaults: TCP, rgb24, the speed table, motion off', () => {
    const r = loadConfigObject({ cameras: [{ id: 'front', kind: 'rtsp', url: 'rtsp://cam/live' }] }, tmpdir());
    const c = r.config!.cameras[0]!;
    expect([c.transport, c.pixel_format, c.motion.enabled, c.queue_size, c.speed_rates.map((s) => s.fps)]).toEqual(['tcp', 'rgb24', false, 2, [5, 10, 15]]);
  });

  it('resolves a relative file path against the config folder', () => {
    const r = loadConfigObject({ cameras: [{ id: 'demo', kind: 'file', path: '../fixtures/demo/clip.mp4' }] }, '/opt/alpr-edge/config');
    expect(r.config!.cameras[0]!.path).toBe('/opt/alpr-edge/fixtures/demo/clip.mp4');
  });

  it('reports duplicate ids', () => {
    const r = loadConfigObject({ cameras: [{ id: 'a', kind: 'file', url: 'x.mp4' }, { id: 'a', kind: 'file', url: 'y.mp4' }] }, tmpdir());
    expect(r.errors).toContain('cameras[1].id: duplicate camera id "a"');
  });
});
