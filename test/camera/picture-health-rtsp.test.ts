/**
 * Picture health and outages through the real RTSP server and the real camera source (ffmpeg):
 * the fault clips (fixtures/camera-health, served frame by frame from our own fixture frames) are
 * raised on the camera's status entry with their since-time, in readiness and in the log; the
 * camera password never appears on ffmpeg's command line; cameras that never deliver a frame turn
 * red after down_after_s with the outage start kept. Times are shortened by configuration (the
 * fake-clock tests in picture-health.test.ts check the defaults); every wait is on a condition.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from '../../src/camera/camera-source.js';
import type { CameraConfig } from '../../src/config/sections/camera.js';
import { frameToJpeg } from '../../src/recognizer/evidence.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { RtspPeer } from '../peers/rtsp-peer.js';
import { CLIP_DIR, type ClipName } from './health-clips.js';
import { cameraConfig, capturedLogger } from './helpers.js';
import { waitFor } from '../helpers/wait-for.js';
import { tempDir } from '../helpers/temp-dir.js';

const USER = 'installer';
const PASSWORD = 'Gl@re:Cov3r#18';
const CLIPS: ClipName[] = ['normal', 'night', 'black', 'frozen', 'shifted', 'rotated', 'blur', 'glare'];

/** Our fixture clip as numbered JPEG frames, the form the RTSP server loops and encodes live. */
function extractFrames(clip: ClipName, dir: string): string {
  const out = join(dir, clip);
  mkdirSync(out, { recursive: true });
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-threads', '1', '-i', `${CLIP_DIR}${clip}.mp4`, '-q:v', '4', '-start_number', '0', join(out, 'f%05d.jpg')]);
  if (r.status !== 0) throw new Error(`cannot extract frames of ${clip}: ${r.stderr.toString()}`);
  return join(out, 'f*.jpg');
}

describe('picture health through the RTSP server and the camera source', () => {
  // Removed (with the cameras' data dirs made in it) after this block's afterAll below, registered
  // later so run first, has stopped the sources and the RTSP server.
  const work = tempDir('alpr-health-rtsp-');
  const mounts = CLIPS.map((c) => `/${c}=frames:${extractFrames(c, work)}@10`);
  const server = new RtspPeer({ mounts, user: USER, password: PASSWORD });
  const sources: CameraSource[] = [];

  beforeAll(async () => {
    await server.start(0);
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.stop()));
    await server.stop();
  });

  function camera(clip: ClipName, dataDir: string, health: (h: CameraConfig['health']) => void = () => undefined) {
    const registry = new StatusRegistry();
    const { logger, lines } = capturedLogger('info');
    const config = cameraConfig({ id: 'front', kind: 'rtsp', url: server.url(`/${clip}`), username: USER, password: PASSWORD, fps: 5, retry_initial_s: 0.3, retry_max_s: 1 });
    health(config.health);
    const source = new CameraSource({ config, logger, status: registry.reporter('camera:front', 'camera'), dataDir, jpeg: frameToJpeg });
    sources.push(source);
    source.onFrame(() => undefined);
    return { source, registry, lines, status: () => registry.get('camera:front')! };
  }

  type Fault = { kind: string; state: string; since: string | null };
  const fault = (details: Record<string, unknown>, kind: string): Fault | undefined => (details.picture as { faults: Fault[] } | undefined)?.faults.find((f) => f.kind === kind);

  it('keeps the RTSP password off ffmpeg\'s command line (/proc/<pid>/cmdline) and still streams', async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    const { source, status } = camera('normal', dataDir);
    await source.start();
    await waitFor(() => status().state === 'ok', 'frames flowing with the password from the input file', { timeoutMs: 25_000 });
    const pid = source.ffmpegPid!;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toEqual(expect.arrayContaining(['-f', 'concat']));
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'rtsp://']) expect(cmdline.join(' ')).not.toContain(secret);
    // The environment is the other place `ps e` shows: nothing there either.
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(PASSWORD);
    // The file that named the URL is gone once ffmpeg opened it; its folder is private.
    const inputDirs = readdirSync(dataDir).filter((n) => n.startsWith('camera-input-'));
    expect(inputDirs).toHaveLength(1);
    expect(readdirSync(join(dataDir, inputDirs[0]!))).toEqual([]);
    expect(source.ffmpegInput()).toContain("file 'rtsp://***:***@127.0.0.1");
    await source.stop();
    expect(existsSync(join(dataDir, inputDirs[0]!))).toBe(false);
  });

  it('a covered lens (black clip) turns the camera red with the since-time, in readiness and in the log', async () => {
    const { source, registry, lines, status } = camera('black', mkdtempSync(join(work, 'data-')), (h) => (h.covered.after_s = 3));
    await source.start();
    await waitFor(() => status().state === 'down' && status().message.includes('picture covered'), 'covered raised', { timeoutMs: 25_000 });
    const f = fault(status().details, 'covered')!;
    expect(f.state).toBe('raised');
    expect(status().message).toContain(`covered since ${f.since!.replace(/\.\d{3}Z$/, 'Z')}`);
    expect(registry.readiness().verdict).toBe('red');
    expect(registry.readiness().reasons.join('\n')).toMatch(/camera:front: down: picture covered since/);
    expect(status().details.picture_covered).toBe(1);
    expect(status().counters.picture_faults_total).toBe(1);
    const record = lines.map((l) => JSON.parse(l) as { msg: string; time: number | string; since: string; fault: string }).find((r) => r.fault === 'covered');
    expect(record?.msg).toMatch(/^camera picture covered since /);
    const loggedAt = typeof record!.time === 'number' ? record!.time : Date.parse(record!.time);
    const delayS = (loggedAt - Date.parse(record!.since)) / 1000;
    expect(delayS).toBeGreaterThanOrEqual(3);
    expect(delayS).toBeLessThanOrEqual(30);
    await source.stop();
  });

  it('a frozen picture (frames keep coming, the picture never changes) turns the camera red', async () => {
    const { source, status } = camera('frozen', mkdtempSync(join(work, 'data-')), (h) => (h.frozen.after_s = 3));
    await source.start();
    await waitFor(() => status().message.includes('picture frozen'), 'frozen raised', { timeoutMs: 25_000 });
    expect(status().state).toBe('down');
    expect(Number(status().details.fps)).toBeGreaterThan(0);
    await source.stop();
  });

  it('installed on the normal view, then re-started on each fault clip: moved (shifted, rotated), blur and glare are raised, nothing else; the night clip raises nothing', async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    const short = (h: CameraConfig['health']): void => {
      h.moved.reference_s = 5;
      h.moved.window_s = 4;
      h.moved.after_s = 2;
      h.blur.learn_s = 5;
      h.blur.after_s = 3;
      h.glare.after_s = 3;
    };
    const installed = camera('normal', dataDir, short);
    await installed.source.start();
    await waitFor(() => (installed.status().details.picture as { reference: { taken_at: string | null } } | undefined)?.reference.taken_at != null, 'reference view taken', { timeoutMs: 25_000 });
    await waitFor(() => existsSync(join(dataDir, 'cameras', 'front', 'reference.jpg')), 'reference picture stored', { timeoutMs: 10_000 });
    await waitFor(() => fault(installed.status().details, 'blur')?.state === 'ok', 'sharpness baseline learned', { timeoutMs: 25_000 });
    // The normal view raises nothing while its reference and baselines are taken.
    expect((installed.status().details.picture as { faults: Fault[] }).faults.filter((f) => f.state === 'raised')).toEqual([]);
    await installed.source.stop();
    const jpeg = installed.source.referenceImage()!;
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    for (const [clip, kind] of [['shifted', 'moved'], ['rotated', 'moved'], ['blur', 'blur'], ['glare', 'glare']] as const) {
      const cam = camera(clip, dataDir, short);
      await cam.source.start();
      await waitFor(() => cam.status().message.includes(`picture ${kind}`), `${kind} raised on the ${clip} clip`, { timeoutMs: 25_000 });
      expect(cam.status().state).toBe(kind === 'moved' ? 'down' : 'degraded');
      const raised = (cam.status().details.picture as { faults: Fault[] }).faults.filter((f) => f.state === 'raised').map((f) => f.kind);
      expect(raised, clip).toEqual([kind]);
      await cam.source.stop();
    }

    // Night on the same camera raises nothing: once it has judged a few hundred frames, with the
    // night's own sharpness learned and the view compared with the day's reference.
    const night = camera('night', dataDir, short);
    await night.source.start();
    await waitFor(() => Number(night.status().counters.frames ?? 0) >= 100 && fault(night.status().details, 'blur')?.state === 'ok' && night.status().details.picture_view_match !== undefined, 'the night clip judged', { timeoutMs: 40_000 });
    expect((night.status().details.picture as { faults: Fault[] }).faults.filter((f) => f.state === 'raised')).toEqual([]);
    expect(night.status().message).not.toContain('picture');
    await night.source.stop();
  }, 180_000);
});

describe('cameras that never deliver a frame', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });

  async function listen(onConnection: (s: Socket) => void): Promise<number> {
    const server = createServer((s) => {
      sockets.push(s);
      s.on('error', () => undefined); // ffmpeg hangs up on the garbage: expected
      onConnection(s);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  for (const [name, behaviour] of [
    ['a silent server', (): void => undefined],
    ['a server answering garbage', (s: Socket): void => void s.write(Buffer.from('HTTP/9.9 ???\r\n\r\n\x00\xff garbage \x01\x02'.repeat(20), 'latin1'))],
  ] as const) {
    it(`${name}: amber while connecting, red after down_after_s, since kept at the outage start across retries`, async () => {
      const port = await listen(behaviour);
      const registry = new StatusRegistry();
      const { logger } = capturedLogger('info');
      const config = cameraConfig({ id: 'dead', kind: 'rtsp', url: `rtsp://127.0.0.1:${port}/live`, connect_timeout_s: 1, stall_timeout_s: 1, retry_initial_s: 0.2, retry_max_s: 0.4, down_after_s: 3 });
      const source = new CameraSource({ config, logger, status: registry.reporter('camera:dead', 'camera') });
      const status = () => registry.get('camera:dead')!;
      await source.start();
      const startedSince = status().since;
      try {
        await waitFor(() => Number(status().details.connect_attempts ?? 0) >= 1, 'a first failed attempt', { timeoutMs: 20_000 });
        if (Date.now() - Date.parse(startedSince) < 2_500) expect(status().state).toBe('starting');
        await waitFor(() => status().state === 'down', 'red after down_after_s', { timeoutMs: 20_000 });
        expect(status().since).toBe(startedSince);
        const attempts = Number(status().details.connect_attempts);
        await waitFor(() => Number(status().details.connect_attempts) >= attempts + 2, 'two more retries', { timeoutMs: 20_000 });
        expect(status().state).toBe('down');
        expect(status().since).toBe(startedSince);
        expect(status().details.outage_since).toBe(startedSince);
        expect(status().message).toMatch(/^no frame since start .*attempt\(s\)/);
        expect(registry.readiness().verdict).toBe('red');
      } finally {
        await source.stop();
      }
    });
  }
});
