import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSource } from '../../src/camera/camera-source.js';
import type { Frame } from '../../src/camera/frame.js';
import { resolveOnvifStream, type OnvifTarget } from '../../src/camera/onvif-resolver.js';
import { AlprError } from '../../src/shared/errors.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { OnvifSim } from '../peers/onvif-sim.js';
import { RtspPeer } from '../peers/rtsp-peer.js';
import { cameraConfig, capturedLogger } from './helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const USER = 'admin';
const PASSWORD = 'onvif-Pa55';

describe('ONVIF against the device simulator', () => {
  const rtspA = new RtspPeer({ mounts: ['/main=test:160x120@10', '/sub=test:160x120@10'] });
  const rtspB = new RtspPeer({ mounts: ['/moved=test:160x120@10'] });
  let sim: OnvifSim;

  beforeAll(async () => {
    await Promise.all([rtspA.start(0), rtspB.start(0)]);
    sim = new OnvifSim({
      username: USER,
      password: PASSWORD,
      profiles: [
        { token: 'Profile_main', name: 'MainStream', width: 2560, height: 1440, streamUri: rtspA.url('/main') },
        { token: 'Profile_sub', name: 'SubStream', width: 1280, height: 720, streamUri: rtspA.url('/sub') },
      ],
    });
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
    await Promise.all([rtspA.stop(), rtspB.stop()]);
  });

  const target = (over: Partial<OnvifTarget> = {}): OnvifTarget => ({
    address: sim.address,
    username: USER,
    password: PASSWORD,
    profile: '',
    maxWidth: 1920,
    maxHeight: 1080,
    timeoutMs: 3_000,
    ...over,
  });

  it('authenticates with UsernameToken and picks the highest profile within the limit', async () => {
    const r = await resolveOnvifStream(target());
    expect(r.profile).toMatchObject({ token: 'Profile_sub', width: 1280, height: 720 });
    expect(r.uri).toBe(rtspA.url('/sub'));
    const calls = sim.calls.slice(-4).map((c) => `${c.action}:${c.auth}`);
    expect(calls).toEqual(['GetSystemDateAndTime:none', 'GetServices:ok', 'GetProfiles:ok', 'GetStreamUri:ok']);
  });

  it('takes the configured profile by name', async () => {
    const r = await resolveOnvifStream(target({ profile: 'mainstream', maxWidth: 640, maxHeight: 480 }));
    expect(r.profile.token).toBe('Profile_main');
    expect(r.uri).toBe(rtspA.url('/main'));
  });

  it('names a wrong password as such', async () => {
    const err = await resolveOnvifStream(target({ password: 'nope' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlprError);
    expect((err as AlprError).code).toBe('CAMERA_ONVIF_AUTH');
    expect((err as AlprError).message).toBe(`ONVIF device ${sim.address} refused user "admin": wrong user name or password`);
    expect(sim.calls.at(-1)).toEqual({ action: 'GetServices', auth: 'rejected' });
  });

  it('reports a device that does not answer', async () => {
    const err = await resolveOnvifStream(target({ address: '127.0.0.1:1' })).catch((e: unknown) => e);
    expect((err as AlprError).code).toBe('CAMERA_ONVIF_UNREACHABLE');
  });

  it('lists the profiles when the configured one does not exist', async () => {
    const err = await resolveOnvifStream(target({ profile: 'Night' })).catch((e: unknown) => e);
    expect((err as AlprError).code).toBe('CAMERA_ONVIF_NO_PROFILE');
    expect((err as AlprError).message).toMatch(/Profile_main "MainStream" 2560x1440, Profile_sub "SubStream" 1280x720/);
  });

  it('the simulator refuses a replayed UsernameToken', async () => {
    // Capture one authenticated request as the client sends it, then send it again verbatim.
    const { Cam } = (await import('onvif')).default;
    const cam = new Cam({ hostname: '127.0.0.1', port: sim.port, username: USER, password: PASSWORD, autoconnect: false });
    const bodies: string[] = [];
    cam.on('rawRequest', (b: string) => bodies.push(b));
    await new Promise<void>((resolve, reject) => cam.connect((err) => (err ? reject(err) : resolve())));
    const signed = bodies.find((b) => b.includes('<GetServices'))!;
    const res = await fetch(sim.deviceUrl, { method: 'POST', headers: { 'Content-Type': 'application/soap+xml' }, body: signed });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('ter:NotAuthorized');
  });

  function onvifCamera(password: string) {
    const registry = new StatusRegistry();
    const { logger, lines } = capturedLogger('debug');
    const config = cameraConfig({ id: 'pole', kind: 'onvif', url: sim.address, username: USER, password, fps: 5, stall_timeout_s: 2, connect_timeout_s: 6, retry_initial_s: 0.3, retry_max_s: 1, onvif_timeout_s: 3, down_after_s: 1 });
    const source = new CameraSource({ config, logger, status: registry.reporter('camera:pole', 'camera') });
    const frames: Frame[] = [];
    source.onFrame((f) => void frames.push(f));
    return { source, registry, frames, lines };
  }

  it('a wrong password puts the camera down with a clear message and starts no ffmpeg', async () => {
    const { source, registry, lines } = onvifCamera('wrong-pass-1');
    try {
      await source.start();
      await waitFor(() => registry.get('camera:pole')!.state === 'down', 'state down', { timeoutMs: 8_000 });
      const s = registry.get('camera:pole')!;
      expect(s.message).toMatch(/attempt\(s\): ONVIF device 127\.0\.0\.1:\d+ refused user "admin": wrong user name or password; retry in/);
      expect(s.lastError?.message).toMatch(/wrong user name or password/);
      expect(source.ffmpegPid).toBeUndefined();
    } finally {
      await source.stop();
    }
    expect(lines.join('')).not.toContain('wrong-pass-1');
  });

  it('streams the chosen profile and resolves the URI again after a reconnect', async () => {
    const { source, registry, frames, lines } = onvifCamera(PASSWORD);
    try {
      await source.start();
      await waitFor(() => frames.length >= 2, 'frames from the first URI', { timeoutMs: 15_000 });
      expect(registry.get('camera:pole')!.details.url).toBe(rtspA.url('/sub'));
      expect(registry.get('camera:pole')!.details.onvif_profile).toMatchObject({ token: 'Profile_sub' });

      // The camera moved its stream (new port after a reboot): the old server dies, ONVIF says where.
      sim.setStreamUri('Profile_sub', rtspB.url('/moved'));
      await rtspA.stop('SIGKILL');
      const before = frames.length;
      await waitFor(() => frames.length >= before + 2 && registry.get('camera:pole')!.details.url === rtspB.url('/moved'), 'frames from the new URI', { timeoutMs: 12_000 });
      expect(sim.calls.filter((c) => c.action === 'GetStreamUri' && c.auth === 'ok').length).toBeGreaterThanOrEqual(2);
    } finally {
      await source.stop();
    }
    const log = lines.join('');
    expect(log).toContain('ONVIF stream URI changed');
    expect(log).not.toContain(PASSWORD);
  });
});
