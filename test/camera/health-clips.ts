/**
 * The picture-health clips (fixtures/camera-health, made by fixtures/scripts/make-health-clips.py)
 * decoded once per test file into raw frames with ffmpeg, and a driver that plays them into a
 * PictureHealth on a fake clock: minutes of camera time in well under a second of CPU.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PixelFormat } from '../../src/camera/frame.js';
import type { PictureHealth } from '../../src/camera/picture-health.js';

export const CLIP_DIR = fileURLToPath(new URL('../../fixtures/camera-health/', import.meta.url));
export type ClipName = 'normal' | 'night' | 'black' | 'blur' | 'glare' | 'frozen' | 'shifted' | 'rotated';

export interface Clip {
  name: ClipName;
  width: number;
  height: number;
  format: PixelFormat;
  fps: number;
  frames: Buffer[];
}

const cache = new Map<string, Clip>();

/** Decodes a clip to raw frames (rgb24 like the pipeline's default, or gray). */
export function loadClip(name: ClipName, format: PixelFormat = 'rgb24'): Clip {
  const key = `${name}:${format}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const meta = JSON.parse(readFileSync(`${CLIP_DIR}clips.json`, 'utf8')) as { width: number; height: number; fps: number };
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-threads', '1', '-i', `${CLIP_DIR}${name}.mp4`, '-f', 'rawvideo', '-pix_fmt', format, 'pipe:1'], {
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`ffmpeg could not decode ${name}.mp4: ${r.stderr.toString()}`);
  const size = meta.width * meta.height * (format === 'rgb24' ? 3 : 1);
  const frames: Buffer[] = [];
  for (let o = 0; o + size <= r.stdout.length; o += size) frames.push(r.stdout.subarray(o, o + size));
  const clip = { name, width: meta.width, height: meta.height, format, fps: meta.fps, frames };
  cache.set(key, clip);
  return clip;
}

/** Multiplies every pixel by `gain` (camera gain / exposure change), clamped to 0..255. */
export function withGain(frame: Buffer, gain: number): Buffer {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.round(v * gain));
  const out = Buffer.allocUnsafe(frame.length);
  for (let i = 0; i < frame.length; i++) out[i] = lut[frame[i]!]!;
  return out;
}

export interface PlayOptions {
  /** Camera seconds to play (the clip loops). */
  seconds: number;
  /** Gain per moment (ms since the start of this play), default 1. */
  gain?: (tMs: number) => number;
  /** Called after each frame with the camera time; return true to stop early. */
  until?: (now: number) => boolean;
}

/**
 * Plays a clip into the health monitor at the clip's rate, as the camera would deliver it:
 * `due()` decides which frames are looked at. Returns the camera time at the end.
 */
export function play(health: PictureHealth, clip: Clip, start: number, o: PlayOptions): number {
  const step = 1000 / clip.fps;
  const n = Math.round(o.seconds * clip.fps);
  let now = start;
  for (let i = 0; i < n; i++) {
    now = start + Math.round(i * step);
    if (health.due(now)) {
      const frame = clip.frames[i % clip.frames.length]!;
      const g = o.gain?.(now - start) ?? 1;
      health.analyze(g === 1 ? frame : withGain(frame, g), clip.width, clip.height, clip.format, now);
    }
    if (i % clip.fps === 0) health.tick(now, null);
    if (o.until?.(now)) break;
  }
  return now;
}
