/**
 * Live view: what it costs to show a camera to the operator, two ways.
 *
 *   relay     an RTSP → MPEG-1/WebSocket relay in the style of node-rtsp-stream: one more ffmpeg
 *             per viewed camera, decoding the H.264 stream a second time and encoding MPEG-1
 *             (its usual arguments: -f mpegts -codec:v mpeg1video -b:v 1000k -bf 0 -r 30; MPEG-1 has no 15 fps). Measured
 *             with a standalone ffmpeg on a 720p/15 fps H.264 clip read in real time (-re),
 *             CPU from ffmpeg's own -benchmark report.
 *   snapshot  a JPEG of the frame the camera unit already decoded, encoded with sharp when the
 *             page asks (once a second while it is open).
 *
 *   npx tsx bench/live-view.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const SECONDS = 10;
const FPS = 15;
const dir = mkdtempSync(join(tmpdir(), 'alpr-live-bench-'));
const clip = join(dir, 'clip.mp4');

// A moving test pattern, so the encoder has real work (a still frame compresses to nothing).
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FPS}`, '-t', String(SECONDS), '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(FPS), '-pix_fmt', 'yuv420p', '-y', clip]);

interface Relay {
  label: string;
  cpuPct: number;
  maxRssMb: number;
  mbitPerS: number;
}

function relay(label: string, scale: string | null): Relay {
  const args = ['-hide_banner', '-nostats', '-benchmark', '-re', '-threads', '1', '-i', clip, '-an', '-f', 'mpegts', '-codec:v', 'mpeg1video', '-b:v', '1000k', '-bf', '0', '-r', '30', '-threads', '1'];
  if (scale) args.push('-s', scale);
  args.push('pipe:1');
  const r = spawnSync('ffmpeg', args, { maxBuffer: 256 * 1024 * 1024 });
  const err = r.stderr.toString();
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(err);
  const rss = /bench: maxrss=(\d+)(k|KiB)/.exec(err);
  if (!m) throw new Error(`ffmpeg gave no benchmark line:\n${err.slice(-800)}`);
  const cpu = Number(m[1]) + Number(m[2]);
  const rtime = Number(m[3]);
  return { label, cpuPct: (100 * cpu) / rtime, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN, mbitPerS: (r.stdout.length * 8) / rtime / 1e6 };
}

async function snapshot(label: string, width: number, height: number, channels: 1 | 3, resize: [number, number] | null): Promise<{ label: string; msPerSnapshot: number; cpuPctAt1Hz: number; kb: number }> {
  const raw = await sharp(clip.replace('.mp4', '.png')).removeAlpha().resize(width, height).raw().toBuffer();
  const frame = channels === 3 ? raw : Buffer.from(raw.filter((_, i) => i % 3 === 0));
  const encode = async (): Promise<Buffer> => {
    let s = sharp(frame, { raw: { width, height, channels } });
    if (resize) s = s.resize(resize[0], resize[1]);
    return s.jpeg({ quality: 75, mozjpeg: false }).toBuffer();
  };
  let out = await encode();
  const n = 40;
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < n; i++) out = await encode();
  const wall = (performance.now() - w0) / n;
  const cpu = process.cpuUsage(t0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / n;
  return { label, msPerSnapshot: Math.max(wall, 0), cpuPctAt1Hz: cpuMs / 10, kb: out.length / 1024 };
}

// A real frame for the snapshot: the clip's first frame as PNG.
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', clip, '-frames:v', '1', '-y', clip.replace('.mp4', '.png')]);

const relays = [relay('relay 720p → MPEG-1 720p', null), relay('relay 720p → MPEG-1 640x360', '640x360')];
const snaps = [
  await snapshot('snapshot rgb24 1280x720 → JPEG 1280x720', 1280, 720, 3, null),
  await snapshot('snapshot rgb24 1280x720 → JPEG 640x360', 1280, 720, 3, [640, 360]),
  await snapshot('snapshot gray 1280x720 → JPEG 1280x720', 1280, 720, 1, null),
];
rmSync(dir, { recursive: true, force: true });

console.log('live view cost per viewed camera (720p H.264 at 15 fps; 2-core machine, shared)');
console.log(`${'method'.padEnd(44)} ${'CPU % of one core'.padStart(18)} ${'memory MB'.padStart(10)} ${'stream/size'.padStart(14)}`);
for (const r of relays) console.log(`${r.label.padEnd(44)} ${r.cpuPct.toFixed(1).padStart(18)} ${r.maxRssMb.toFixed(0).padStart(10)} ${`${r.mbitPerS.toFixed(2)} Mbit/s`.padStart(14)}`);
for (const s of snaps) console.log(`${`${s.label} (1/s)`.padEnd(44)} ${s.cpuPctAt1Hz.toFixed(2).padStart(18)} ${'–'.padStart(10)} ${`${s.kb.toFixed(0)} KB each`.padStart(14)}   (${s.msPerSnapshot.toFixed(1)} ms per snapshot)`);
console.log(JSON.stringify({ bench: 'live-view', seconds: SECONDS, fps: FPS, relays, snapshots: snaps }));
