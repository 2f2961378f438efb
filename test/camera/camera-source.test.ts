import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from '../../src/camera/camera-source.js';
import type { Frame } from '../../src/camera/frame.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { RtspPeer } from '../peers/rtsp-peer.js';
import { cameraConfig, capturedLogger, processAlive } from './helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const USER = 'operator';
const PASSWORD = 'Pl@te:S3cret#42';

describe('CameraSource against a real RTSP server', () => {
  const server = new RtspPeer({ mounts: ['/live=test:320x240@10', '/hevc=h265test:320x240@10'], user: USER, password: PASSWORD });

  beforeAll(async () => {
    await server.start(0);
  });
  afterAll(async () => {
    await server.stop();
  });

  function camera(overrides: { password?: string; fps?: number; path?: string; transport?: 'tcp' | 'udp'; codec?: 'auto' | 'h265' } = {}) {
    const registry = new StatusRegistry();
    const { logger, lines } = capturedLogger('debug');
    const config = cameraConfig({
      id: 'front',
      kind: 'rtsp',
      url: server.url(overrides.path ?? '/live'),
      username: USER,
      password: overrides.password ?? PASSWORD,
      fps: overrides.fps ?? 5,
      transport: overrides.transport ?? 'tcp',
      codec: overrides.codec ?? 'auto',
      stall_timeout_s: 2,
      connect_timeout_s: 6,
      retry_initial_s: 0.3,
      retry_max_s: 1,
      down_after_s: 1,
    });
    const source = new CameraSource({ config, logger, status: registry.reporter('camera:front', 'camera') });
    const frames: Frame[] = [];
    source.onFrame((f) => void frames.push(f));
    return { source, registry, lines, frames };
  }

  it('delivers fixed-size rgb24 frames and reports the camera ok with a scrubbed URL', async () => {
    const { source, registry, lines, frames } = camera();
    try {
      await source.start();
      await waitFor(() => frames.length >= 4, 'four frames', { timeoutMs: 15_000 });
      const f = frames[0]!;
      expect([f.cameraId, f.width, f.height, f.format, f.data.length]).toEqual(['front', 320, 240, 'rgb24', 320 * 240 * 3]);
      expect(frames.map((x) => x.seq).slice(0, 4)).toEqual([0, 1, 2, 3]);
      expect(source.latestFrame()).not.toBeNull();
      await waitFor(() => registry.get('camera:front')!.state === 'ok', 'state ok', { timeoutMs: 15_000 });
      const status = registry.get('camera:front')!;
      expect(status.details.url).toBe(server.url('/live'));
      expect(status.details.resolution).toBe('320x240');
    } finally {
      await source.stop();
    }
    const everything = lines.join('') + JSON.stringify(registry.snapshot());
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(encodeURIComponent(PASSWORD));
  });

  it('streams H.265 over UDP when configured so', async () => {
    const { source, registry, frames } = camera({ path: '/hevc', transport: 'udp', codec: 'h265' });
    try {
      await source.start();
      await waitFor(() => frames.length >= 3, 'three H.265 frames over UDP', { timeoutMs: 15_000 });
      expect(frames[0]!.data.length).toBe(320 * 240 * 3);
      expect(registry.get('camera:front')!.details.codec).toBe('hevc');
      expect(source.ffmpegArgv()).toEqual(expect.arrayContaining(['-c:v', 'hevc', '-f', 'concat']));
      expect(source.ffmpegInput()).toContain('option rtsp_transport udp');
    } finally {
      await source.stop();
    }
  });

  it('goes down with a clear message when the password is wrong, without logging either password', async () => {
    const wrong = 'WrongPass!99';
    const { source, registry, lines, frames } = camera({ password: wrong });
    try {
      await source.start();
      await waitFor(() => registry.get('camera:front')!.state === 'down' && Number(registry.get('camera:front')!.details.connect_attempts) >= 1, 'state down after a refused attempt', { timeoutMs: 10_000 });
      const status = registry.get('camera:front')!;
      expect(status.message).toMatch(/ffmpeg exited \(code \d+\); (retry in|connecting)/);
      const lastExit = status.details.last_exit as { stderr: string[] };
      expect(lastExit.stderr.join('\n')).toMatch(/401 Unauthorized/);
      expect(frames).toHaveLength(0);
    } finally {
      await source.stop();
    }
    const everything = lines.join('') + JSON.stringify(registry.snapshot());
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(encodeURIComponent(wrong));
    expect(everything).not.toContain(PASSWORD);
  });

  it('goes down when the server dies and streams again once it is back', async () => {
    const { source, registry, frames } = camera();
    const port = server.port;
    try {
      await source.start();
      await waitFor(() => frames.length >= 2, 'first frames', { timeoutMs: 15_000 });
      // Under load the first frame can come after down_after_s: wait until the status has seen the
      // frames, so the 'down' below is the server's death and not the slow start.
      await waitFor(() => ['ok', 'degraded'].includes(registry.get('camera:front')!.state), 'camera streaming', { timeoutMs: 15_000 });
      const firstPid = source.ffmpegPid!;
      await server.stop('SIGKILL');
      await waitFor(
        () => registry.get('camera:front')!.state === 'down' && Number(registry.get('camera:front')!.details.connect_attempts) >= 1,
        'state down after server death',
        { timeoutMs: 10_000 },
      );
      expect(registry.get('camera:front')!.message).toMatch(/^no frames since .*(retry in|connecting)/);
      expect(processAlive(firstPid)).toBe(false);
      const before = frames.length;
      await server.start(port);
      // retry_max_s is 1 s: the next attempt comes within it, plus ffmpeg's connect (~1 s).
      await waitFor(() => frames.length >= before + 2, 'frames after the server came back', { timeoutMs: 10_000 });
      expect(frames.at(-1)!.seq).toBeLessThan(before + 2); // seq restarts at each connect
      expect(registry.get('camera:front')!.counters.reconnects).toBeGreaterThanOrEqual(1);
      expect(registry.get('camera:front')!.details.reconnects_per_h).toBeGreaterThanOrEqual(1);
    } finally {
      await source.stop();
    }
    expect(registry.get('camera:front')!.state).toBe('stopped');
  });
});
