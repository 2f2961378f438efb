/**
 * The demo clip (fixtures/demo/clip.mp4) as a live RTSP camera for tests of the real daemon: its
 * frames are extracted once into `dir`, then served looped at 10 fps as H.264 by GStreamer's
 * RTSP server (rtsp-peer.ts) on a free port. Not started: the caller starts it when it wants
 * the camera up (and may stop it to take the camera away).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.js';
import { RtspPeer } from './rtsp-peer.js';

const CLIP = resolve(import.meta.dirname, '..', '..', 'fixtures', 'demo', 'clip.mp4');

/** The RTSP path the camera is served at: `camera.url(DEMO_CAMERA_PATH)`. */
export const DEMO_CAMERA_PATH = '/cam';

export async function demoClipCamera(dir: string): Promise<RtspPeer> {
  const frames = join(dir, 'frames');
  mkdirSync(frames);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-i', CLIP, '-q:v', '2', '-start_number', '0', join(frames, 'f%05d.jpg')]);
  const camera = new RtspPeer({ mounts: [`${DEMO_CAMERA_PATH}=frames:${frames}/f*.jpg@10`] });
  camera.port = await freePort();
  return camera;
}
