/**
 * Ingest benchmark: N simulated RTSP cameras at 10 fps through decode → recognizer pool →
 * tracker on this machine. Measures sustained frames per second per camera, CPU (this process
 * with its worker threads, plus the ffmpeg children), drops, RSS, and latency from frame capture
 * to recognizer result and to detection emitted (minus the tracker's leave wait).
 *
 *   npm run bench:ingest [-- --seconds 20 --warmup 5 --scenarios 4x720,2x1080 --workers 2 --decode-only]
 *
 * The cameras are GStreamer's RTSP server (test/peers/rtsp-server.py) serving the demo clip,
 * looped and scaled, without re-encoding: the server's own CPU is reported apart. Without the
 * ONNX models in models/ (or with --decode-only) the pipeline stops after decode.
 * Prints a table, then one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { CameraSource } from '../src/camera/camera-source.js';
import { Cameras } from '../src/camera/cameras.js';
import { ffmpegChildren } from '../src/camera/child-tracker.js';
import type { Frame } from '../src/camera/frame.js';
import { loadConfigObject } from '../src/config/load.js';
import { RecognizerSection, type RecognizerConfig } from '../src/config/sections/recognizer.js';
import { TrackerSection, type TrackerConfig } from '../src/config/sections/tracker.js';
import { BUNDLED_MODELS_DIR, loadModelContract } from '../src/recognizer/contract.js';
import { encodeEvidence, frameToJpeg } from '../src/recognizer/evidence.js';
import { RecognizerPool } from '../src/recognizer/pool.js';
import { PlateTracker } from '../src/reads/plate-tracker.js';
import { systemClock } from '../src/shared/clock.js';
import { silentLogger } from '../src/shared/logger.js';
import { StatusRegistry } from '../src/status/registry.js';
import { RtspPeer } from '../test/peers/rtsp-peer.js';
import { percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    scenarios: { type: 'string', default: '4x720,2x1080' },
    workers: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    'decode-only': { type: 'boolean', default: false },
    'rate-seconds': { type: 'string', default: '10' },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const FPS = 10;
const CLIP = join(import.meta.dirname, '..', 'fixtures', 'demo', 'clip.mp4');
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function modelsPresent(): boolean {
  try {
    const c = loadModelContract(BUNDLED_MODELS_DIR);
    return existsSync(join(c.dir, c.detector.file)) && existsSync(join(c.dir, c.ocr.file));
  } catch {
    return false;
  }
}
const withModels = !values['decode-only'] && modelsPresent();

/** An empty result-latency sample reads 0 in the report (the detection latency reads '-' instead). */
const pct = (xs: number[], q: number): number => (xs.length === 0 ? 0 : percentile(xs, q));
const r1 = (v: number): number => Math.round(v * 10) / 10;

/** utime+stime (s) and RSS (MiB) of a process, from /proc. */
function procUsage(pid: number): { cpuS: number; rssMiB: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuS, rssMiB: rss ? Number(rss[1]) / 1024 : 0 };
  } catch {
    return { cpuS: 0, rssMiB: 0 };
  }
}

/** The demo clip at a size and rate, looped to `loops` × 12 s, H.264 with a keyframe per second. */
function prepareMedia(dir: string, height: number, loops: number, rate = 10): string {
  const one = join(dir, `one-${height}-${rate}.mp4`);
  const long = join(dir, `loop-${height}-${rate}.mp4`);
  const width = Math.round((height * 16) / 9);
  const enc = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', CLIP, '-vf', `scale=${width}:${height},fps=${rate}`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-g', String(rate), '-keyint_min', String(rate), '-sc_threshold', '0', '-pix_fmt', 'yuv420p', one]);
  if (enc.status !== 0) throw new Error(`ffmpeg could not scale the clip: ${enc.stderr.toString()}`);
  const cat = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-stream_loop', String(loops - 1), '-i', one, '-c', 'copy', long]);
  if (cat.status !== 0) throw new Error(`ffmpeg could not loop the clip: ${cat.stderr.toString()}`);
  return long;
}

interface Row {
  scenario: string;
  cameras: number;
  resolution: string;
  pipeline: string;
  fps_per_camera_min: number;
  fps_per_camera_mean: number;
  recognized_fps: number;
  cpu_pct_daemon: number;
  cpu_pct_ffmpeg: number;
  cpu_pct_total: number;
  cpu_pct_rtsp_server: number;
  dropped_camera_queue: number;
  dropped_recognizer: number;
  rss_mib_daemon: number;
  rss_mib_ffmpeg: number;
  latency_capture_to_result_p50_ms: number | null;
  latency_capture_to_result_p95_ms: number | null;
  latency_capture_to_detection_p95_ms: number | null;
  detections: number;
}

async function scenario(server: RtspPeer, n: number, height: number): Promise<Row> {
  const registry = new StatusRegistry();
  const logger = silentLogger();
  const loaded = loadConfigObject(
    {
      cameras: Array.from({ length: n }, (_, i) => ({ id: `cam${i + 1}`, kind: 'rtsp', url: server.url(`/c${height}`), fps: FPS, stall_timeout_s: 10 })),
    },
    tmpdir(),
  );
  if (!loaded.config) throw new Error(loaded.errors.join('; '));
  const dataDir = mkdtempSync(join(tmpdir(), 'alpr-bench-'));
  const cameras = new Cameras({ configs: loaded.config.cameras, logger, registry, dataDir, jpeg: frameToJpeg });

  const resultLatency: number[] = [];
  const detectionLatency: number[] = [];
  let detections = 0;
  let recognized = 0;
  let measuring = false;
  const trackerCfg = Value.Default(TrackerSection, {}) as TrackerConfig;
  const tracker = withModels
    ? new PlateTracker({
        config: trackerCfg,
        logger,
        status: registry.reporter('tracker', 'tracker'),
        clock: systemClock,
        encode: encodeEvidence,
        onDetection: (d) => {
          if (!measuring) return;
          detections++;
          detectionLatency.push(Date.now() - d.lastSeen - trackerCfg.leave_timeout_s * 1000);
        },
      })
    : null;
  const recCfg = { ...(Value.Default(RecognizerSection, {}) as RecognizerConfig), workers: Number(values.workers), threads_per_worker: Number(values.threads) };
  const pool = withModels
    ? new RecognizerPool({
        config: recCfg,
        logger,
        status: registry.reporter('recognizer', 'recognizer'),
        clock: systemClock,
        cameras: loaded.config.cameras,
        cameraStatus: (id) => registry.reporter(`camera:${id}`, 'camera'),
        onResult: (reads, frame) => {
          if (measuring) {
            recognized++;
            resultLatency.push(Date.now() - frame.capturedAt);
          }
          tracker!.push(reads, frame);
        },
      })
    : null;
  cameras.onFrame(pool ? (f: Frame) => pool.submit(f) : () => undefined);

  await tracker?.start();
  await pool?.start();
  await cameras.start();
  await sleep(WARMUP * 1000);

  const delivered = (): number[] => cameras.sources.map((s) => registry.get(s.name)!.counters.delivered ?? 0);
  const ffmpegCpu = (): number => ffmpegChildren.list().reduce((a, c) => a + procUsage(c.pid).cpuS, 0);
  const d0 = delivered();
  const c0 = process.cpuUsage();
  const f0 = ffmpegCpu();
  const s0 = procUsage(server.pid!).cpuS;
  const t0 = performance.now();
  measuring = true;
  let rssDaemon = 0;
  let rssFfmpeg = 0;
  for (let s = 0; s < SECONDS; s++) {
    await sleep(1000);
    rssDaemon = Math.max(rssDaemon, process.memoryUsage().rss / 2 ** 20);
    rssFfmpeg = Math.max(rssFfmpeg, ffmpegChildren.list().reduce((a, c) => a + procUsage(c.pid).rssMiB, 0));
  }
  measuring = false;
  const wall = (performance.now() - t0) / 1000;
  const d1 = delivered();
  const c1 = process.cpuUsage(c0);
  const f1 = ffmpegCpu();
  const s1 = procUsage(server.pid!).cpuS;
  const perCamera = d1.map((v, i) => (v - d0[i]!) / wall);
  const queueDrops = cameras.sources.reduce((a, s) => a + (registry.get(s.name)!.counters.dropped ?? 0), 0);
  const recDrops = registry.get('recognizer')?.counters.frames_dropped ?? 0;

  await cameras.stop();
  await pool?.stop();
  await tracker?.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const daemonPct = ((c1.user + c1.system) / 1e6 / wall) * 100;
  const ffmpegPct = ((f1 - f0) / wall) * 100;
  return {
    scenario: `${n}x${height}p`,
    cameras: n,
    resolution: `${Math.round((height * 16) / 9)}x${height}`,
    pipeline: withModels ? `decode → recognizer (${recCfg.workers}×${recCfg.threads_per_worker} threads) → tracker` : 'decode only',
    fps_per_camera_min: r1(Math.min(...perCamera)),
    fps_per_camera_mean: r1(perCamera.reduce((a, b) => a + b, 0) / n),
    recognized_fps: r1(recognized / wall),
    cpu_pct_daemon: r1(daemonPct),
    cpu_pct_ffmpeg: r1(ffmpegPct),
    cpu_pct_total: r1(daemonPct + ffmpegPct),
    cpu_pct_rtsp_server: r1(((s1 - s0) / wall) * 100),
    dropped_camera_queue: queueDrops,
    dropped_recognizer: recDrops,
    rss_mib_daemon: Math.round(rssDaemon),
    rss_mib_ffmpeg: Math.round(rssFfmpeg),
    latency_capture_to_result_p50_ms: withModels ? Math.round(pct(resultLatency, 0.5)) : null,
    latency_capture_to_result_p95_ms: withModels ? Math.round(pct(resultLatency, 0.95)) : null,
    latency_capture_to_detection_p95_ms: withModels && detectionLatency.length > 0 ? Math.round(pct(detectionLatency, 0.95)) : null,
    detections,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface RateRow {
  mode: string;
  decode_fps: number;
  delivered_fps: number;
  cpu_pct_node: number;
  cpu_pct_ffmpeg: number;
  first_frame_ms: number;
}

/**
 * The sampling-rate decision: a 30 fps 720p camera sampled at 5 fps, either decoded at the speed
 * table's top rate (15) and thinned in process (what CameraSource does), or decoded at 5 directly
 * (what a restart per speed band would give). The time to the first frame is what each restart
 * would cost.
 */
async function rateCheck(server: RtspPeer, seconds: number): Promise<RateRow[]> {
  const rows: RateRow[] = [];
  const modes = [
    { mode: 'decode 15, thin to 5 in process', rates: undefined, speed: () => 0 },
    { mode: 'decode 5 (restart per band)', rates: [] as { min_mph: number; fps: number }[], speed: undefined },
  ];
  for (const m of modes) {
    const registry = new StatusRegistry();
    const loaded = loadConfigObject({ cameras: [{ id: 'rate', kind: 'rtsp', url: server.url('/c720r30'), fps: 5, ...(m.rates ? { speed_rates: m.rates } : {}) }] }, tmpdir());
    if (!loaded.config) throw new Error(loaded.errors.join('; '));
    const source = new CameraSource({ config: loaded.config.cameras[0]!, logger: silentLogger(), status: registry.reporter('camera:rate', 'camera'), ...(m.speed ? { speed: m.speed } : {}) });
    let firstAt = 0;
    let delivered = 0;
    source.onFrame(() => {
      firstAt ||= performance.now();
      delivered++;
    });
    const started = performance.now();
    await source.start();
    while (firstAt === 0) await sleep(50);
    await sleep(2000);
    const n0 = delivered;
    const c0 = process.cpuUsage();
    const pid = source.ffmpegPid!;
    const f0 = procUsage(pid).cpuS;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const wall = (performance.now() - t0) / 1000;
    const c1 = process.cpuUsage(c0);
    const f1 = procUsage(pid).cpuS;
    rows.push({
      mode: m.mode,
      decode_fps: Number(registry.get('camera:rate')!.details.expected_fps),
      delivered_fps: r1((delivered - n0) / wall),
      cpu_pct_node: r1(((c1.user + c1.system) / 1e6 / wall) * 100),
      cpu_pct_ffmpeg: r1(((f1 - f0) / wall) * 100),
      first_frame_ms: Math.round(firstAt - started),
    });
    await source.stop();
    await sleep(1000);
  }
  return rows;
}

const scenarios = values.scenarios.split(',').map((s) => {
  const m = /^(\d+)x(720|1080)$/.exec(s.trim());
  if (!m) throw new Error(`scenario "${s}" must look like 4x720 or 2x1080`);
  return { n: Number(m[1]), height: Number(m[2]) };
});
const dir = mkdtempSync(join(tmpdir(), 'alpr-ingest-'));
// Each scenario reconnects, and the shared media then starts from the top: one pass must outlast it.
const loops = Math.ceil((WARMUP + SECONDS + 10) / 12);
const heights = [...new Set(scenarios.map((s) => s.height))];
const RATE_SECONDS = Number(values['rate-seconds']);
const mounts = heights.map((h) => `/c${h}=file:${prepareMedia(dir, h, loops)}`);
if (RATE_SECONDS > 0) mounts.push(`/c720r30=file:${prepareMedia(dir, 720, Math.ceil((2 * RATE_SECONDS + 10) / 12), 30)}`);
const server = new RtspPeer({ mounts });
await server.start(0);
const rows: Row[] = [];
let rateRows: RateRow[] = [];
try {
  for (const s of scenarios) {
    rows.push(await scenario(server, s.n, s.height));
    await sleep(1500); // let the server tear the shared media down
  }
  if (RATE_SECONDS > 0) rateRows = await rateCheck(server, RATE_SECONDS);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\ningest benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${SECONDS} s measured after ${WARMUP} s warm-up, ${FPS} fps per camera`);
console.log(withModels ? 'pipeline: decode → recognizer pool → tracker' : 'pipeline: decode only (recognizer models not present or --decode-only)');
const header = ['scenario', 'fps/cam min', 'fps/cam mean', 'recog fps', 'CPU% node', 'CPU% ffmpeg', 'CPU% total', 'CPU% server', 'drops cam', 'drops recog', 'RSS node MiB', 'RSS ffmpeg MiB', 'p50 result ms', 'p95 result ms', 'p95 detect ms'];
const cells = rows.map((r) => [r.scenario, r.fps_per_camera_min, r.fps_per_camera_mean, r.recognized_fps, r.cpu_pct_daemon, r.cpu_pct_ffmpeg, r.cpu_pct_total, r.cpu_pct_rtsp_server, r.dropped_camera_queue, r.dropped_recognizer, r.rss_mib_daemon, r.rss_mib_ffmpeg, r.latency_capture_to_result_p50_ms ?? '-', r.latency_capture_to_result_p95_ms ?? '-', r.latency_capture_to_detection_p95_ms ?? '-'].map(String));
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
for (const line of [header, ...cells]) console.log(line.map((c, i) => c.padStart(widths[i]!)).join('  '));
if (rateRows.length > 0) {
  console.log('\nsampling 5 fps from a 30 fps 720p camera:');
  const rh = ['mode', 'decode fps', 'delivered fps', 'CPU% node', 'CPU% ffmpeg', 'first frame ms'];
  const rc = rateRows.map((r) => [r.mode, r.decode_fps, r.delivered_fps, r.cpu_pct_node, r.cpu_pct_ffmpeg, r.first_frame_ms].map(String));
  const rw = rh.map((h, i) => Math.max(h.length, ...rc.map((c) => c[i]!.length)));
  for (const line of [rh, ...rc]) console.log(line.map((c, i) => (i === 0 ? c.padEnd(rw[i]!) : c.padStart(rw[i]!))).join('  '));
}
console.log(JSON.stringify({ bench: 'ingest', cores: cpus().length, load: loadavg()[0], seconds: SECONDS, fps: FPS, models: withModels, rows, rate: rateRows }));
