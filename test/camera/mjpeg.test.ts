import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from '../../src/camera/camera-source.js';
import type { Frame } from '../../src/camera/frame.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { MjpegServer } from '../peers/mjpeg-server.js';
import { cameraConfig, capturedLogger } from './helpers.js';
import { waitFor } from '../helpers/wait-for.js';
import { tempDir } from '../helpers/temp-dir.js';

const CLIP = fileURLToPath(new URL('../../fixtures/demo/clip.mp4', import.meta.url));
const PASSWORD = 'mj-Secret!7';

describe('MJPEG over HTTP', () => {
  // Removed after this block's afterAll below (registered later, so run first) has stopped the server.
  const dir = tempDir('alpr-mjpeg-');
  let server: MjpegServer;

  beforeAll(async () => {
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', CLIP, '-vf', 'scale=320:180', '-frames:v', '10', '-q:v', '5', join(dir, 'f%02d.jpg')]);
    expect(r.status).toBe(0);
    const frames = readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
    server = new MjpegServer(frames, { fps: 10, user: 'viewer', password: PASSWORD });
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('reads frames with HTTP Basic credentials and never shows them', async () => {
    const registry = new StatusRegistry();
    const { logger, lines } = capturedLogger('debug');
    const config = cameraConfig({ id: 'gate', kind: 'mjpeg', url: server.url(), username: 'viewer', password: PASSWORD, fps: 5 });
    const source = new CameraSource({ config, logger, status: registry.reporter('camera:gate', 'camera') });
    const frames: Frame[] = [];
    source.onFrame((f) => void frames.push(f));
    try {
      await source.start();
      await waitFor(() => frames.length >= 3, 'three MJPEG frames', { timeoutMs: 15_000 });
      expect([frames[0]!.width, frames[0]!.height, frames[0]!.data.length]).toEqual([320, 180, 320 * 180 * 3]);
      expect(server.auth).toContain('ok');
      expect(registry.get('camera:gate')!.details.url).toBe(server.url());
    } finally {
      await source.stop();
    }
    expect(lines.join('') + JSON.stringify(registry.snapshot())).not.toContain(PASSWORD);
  });
});
