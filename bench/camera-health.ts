/**
 * Picture-health cost and detection delays.
 *
 * 1. CPU per frame per camera: frames of the demo clip at the pipeline's sizes (rgb24 as decoded
 *    for recognition, and gray) delivered at 10 fps on a fake clock to one CameraHealth per camera
 *    (the daemon's path: analysis at `analysis_fps`, status details once a second). Reports CPU
 *    per analysed frame, per delivered frame, and the share of one core per camera at 10 fps
 *    (target ≤ 1 %), with the default 2 looks a second and with every frame looked at.
 * 2. Detection delays with the default settings: the normal clip until baselines and reference
 *    view are learned, then each fault clip from fixtures/camera-health; time from the fault's
 *    start to its raise, and whether the normal and night clips raised anything.
 *
 *   npm run bench:camera-health [-- --seconds 60 --cameras 4]
 *
 * Prints tables, then one JSON line with every figure.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CameraHealth } from '../src/camera/camera-health.js';
import type { PixelFormat } from '../src/camera/frame.js';
import { PictureHealth, type HealthEvent, type PictureFault } from '../src/camera/picture-health.js';
import type { CameraHealthConfig } from '../src/config/sections/camera-health.js';
import { loadConfigObject } from '../src/config/load.js';
import { silentLogger } from '../src/shared/logger.js';
import { StatusRegistry } from '../src/status/registry.js';
import { loadClip, play, type ClipName } from '../test/camera/health-clips.js';

const { values } = parseArgs({ args: process.argv.slice(2).filter((a) => a !== '--'), options: { seconds: { type: 'string', default: '60' }, cameras: { type: 'string', default: '4' } } });
const SECONDS = Number(values.seconds);
const CAMERAS = Number(values.cameras);
const FPS = 10;
const DEMO = fileURLToPath(new URL('../fixtures/demo/clip.mp4', import.meta.url));

function defaults(): CameraHealthConfig {
  const r = loadConfigObject({ cameras: [{ id: 'bench', kind: 'file', path: DEMO }] }, process.cwd());
  if (!r.config) throw new Error(r.errors.join('; '));
  return r.config.cameras[0]!.health;
}

function decodeDemo(width: number, height: number, format: PixelFormat, frames: number): Buffer[] {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-threads', '1', '-i', DEMO, '-vf', `scale=${width}:${height}`, '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', format, 'pipe:1'], {
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr.toString()}`);
  const size = width * height * (format === 'rgb24' ? 3 : 1);
  const out: Buffer[] = [];
  for (let o = 0; o + size <= r.stdout.length; o += size) out.push(r.stdout.subarray(o, o + size));
  return out;
}

// ── 1. CPU per frame ─────────────────────────────────────────────────────────────────────────
interface CostRow {
  frame: string;
  analysis_fps: number;
  cameras: number;
  analysed: number;
  delivered: number;
  us_per_analysed: number;
  us_per_delivered: number;
  core_pct_per_camera_at_10fps: number;
}

function cost(width: number, height: number, format: PixelFormat, analysisFps: number): CostRow {
  const frames = decodeDemo(width, height, format, 60);
  const cfg = { ...defaults(), analysis_fps: analysisFps };
  const registry = new StatusRegistry();
  const cams = Array.from({ length: CAMERAS }, (_, i) => new CameraHealth({ config: cfg, status: registry.reporter(`camera:c${i}`, 'camera'), logger: silentLogger(), store: null, speedMph: () => null }));
  const t0 = Date.UTC(2026, 0, 1);
  // Warm-up: JIT, the reference view and baselines (learning costs what judging costs).
  const run = (start: number, seconds: number): { analysed: number; delivered: number } => {
    let delivered = 0;
    for (let i = 0; i < seconds * FPS; i++) {
      const now = start + (i * 1000) / FPS;
      for (const c of cams) {
        c.frame(frames[i % frames.length]!, width, height, format, now);
        delivered++;
      }
      if (i % FPS === 0) for (const c of cams) c.tick(now);
    }
    // due() looks when 90 % of the look interval has passed: at 10 fps that is exactly min(10, analysis_fps) a second.
    return { analysed: seconds * Math.min(FPS, analysisFps) * cams.length, delivered };
  };
  run(t0, 40);
  const before = process.cpuUsage();
  const { analysed, delivered } = run(t0 + 100_000, SECONDS);
  const used = process.cpuUsage(before);
  const us = used.user + used.system;
  const perCameraSecond = us / (SECONDS * cams.length);
  return {
    frame: `${width}x${height} ${format}`,
    analysis_fps: analysisFps,
    cameras: cams.length,
    analysed,
    delivered,
    us_per_analysed: Math.round(us / analysed),
    us_per_delivered: Math.round(us / delivered),
    core_pct_per_camera_at_10fps: Math.round((perCameraSecond / 1e6) * 100 * 1000) / 1000,
  };
}

// ── 2. Detection delays ──────────────────────────────────────────────────────────────────────
interface DelayRow {
  clip: ClipName;
  fault: PictureFault | 'none';
  configured_s: number | null;
  delay_s: number | null;
  raised: string[];
}

function delays(): DelayRow[] {
  const cfg = defaults();
  const learnedMemory = (() => {
    const h = new PictureHealth(cfg);
    play(h, loadClip('normal'), Date.UTC(2026, 0, 1), { seconds: 90 });
    return h.memory();
  })();
  const cases: [ClipName, PictureFault | 'none', number | null][] = [
    ['normal', 'none', null],
    ['night', 'none', null],
    ['black', 'covered', cfg.covered.after_s],
    ['blur', 'blur', cfg.blur.after_s],
    ['glare', 'glare', cfg.glare.after_s],
    ['frozen', 'frozen', cfg.frozen.after_s],
    ['shifted', 'moved', cfg.moved.after_s],
    ['rotated', 'moved', cfg.moved.after_s],
  ];
  return cases.map(([clip, fault, configured]) => {
    const h = new PictureHealth(cfg, structuredClone(learnedMemory));
    const warm = play(h, loadClip('normal'), Date.UTC(2026, 0, 2), { seconds: 20 });
    h.drainEvents();
    const start = warm + 100;
    const events: HealthEvent[] = [];
    let at: number | null = null;
    play(h, loadClip(clip), start, {
      seconds: fault === 'none' ? 300 : 60,
      until: (now) => {
        events.push(...h.drainEvents());
        if (fault !== 'none' && at === null && events.some((e) => e.kind === fault && e.change === 'raised')) at = now;
        return at !== null;
      },
    });
    return { clip, fault, configured_s: configured, delay_s: at === null ? null : Math.round((at - start) / 100) / 10, raised: events.filter((e) => e.change === 'raised').map((e) => e.kind) };
  });
}

const costs: CostRow[] = [];
for (const [w, h, f] of [
  [1280, 720, 'rgb24'],
  [1920, 1080, 'rgb24'],
  [640, 360, 'rgb24'],
  [1280, 720, 'gray'],
] as const) {
  costs.push(cost(w, h, f, defaults().analysis_fps));
}
costs.push(cost(1280, 720, 'rgb24', FPS));

console.log(`\nPicture health CPU (${CAMERAS} cameras, ${SECONDS} s of 10 fps each, one core)`);
console.log('frame              looks/s  µs/look  µs/frame  % of a core per camera at 10 fps');
for (const r of costs) {
  console.log(`${r.frame.padEnd(18)} ${String(r.analysis_fps).padStart(7)} ${String(r.us_per_analysed).padStart(8)} ${String(r.us_per_delivered).padStart(9)}  ${r.core_pct_per_camera_at_10fps.toFixed(3)} %`);
}

const delayRows = delays();
console.log('\nDetection delay with default settings (fake clock; fault clip after 90 s of the normal scene)');
console.log('clip      fault     after_s  delay_s  raised');
for (const r of delayRows) {
  console.log(`${r.clip.padEnd(9)} ${r.fault.padEnd(9)} ${String(r.configured_s ?? '-').padStart(7)}  ${String(r.delay_s ?? '-').padStart(7)}  ${r.raised.join(', ') || 'nothing'}`);
}
console.log(JSON.stringify({ bench: 'camera-health', seconds: SECONDS, cameras: CAMERAS, cost: costs, delays: delayRows }));
