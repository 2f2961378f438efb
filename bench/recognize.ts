/**
 * Recognizer benchmark: per-stage timings (decode, detector preprocess, detector, crop/warp,
 * OCR) for 640x360, 1280x720 and 1920x1080 JPEG frames at 1 and 2 intra-op threads, then pool
 * throughput with 1 and 2 workers, and the cost of copying a frame to a worker instead of
 * transferring it.
 *
 *   npm run bench:recognize [-- --frames N] [--models DIR]
 *
 * Frames are the two-plate fixture scene scaled to each size. Wall times suffer when other work
 * shares the cores; the "cpu ms" column (process CPU time per frame, decode included) does much
 * less, and at 1 thread it is the single-core cost. Prints tables, then one JSON line.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import sharp from 'sharp';
import type { Frame } from '../src/camera/frame.js';
import { RecognizerSection, type RecognizerConfig } from '../src/config/sections/recognizer.js';
import { BUNDLED_MODELS_DIR, loadModelContract } from '../src/recognizer/contract.js';
import { OnnxBackend } from '../src/recognizer/onnx-backend.js';
import { PlateReader } from '../src/recognizer/plate-reader.js';
import { RecognizerPool } from '../src/recognizer/pool.js';
import { readerOptions } from '../src/recognizer/reader-options.js';
import { systemClock } from '../src/shared/clock.js';
import { silentLogger } from '../src/shared/logger.js';
import { StatusRegistry } from '../src/status/registry.js';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '30' }, models: { type: 'string' } } });
const N = Number(values.frames);
const SIZES = [
  [640, 360],
  [1280, 720],
  [1920, 1080],
] as const;
const SCENE = join(import.meta.dirname, '..', 'fixtures', 'recognizer', 'scene-two-plates.jpg');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))] ?? 0;
const f1 = (v: number): string => v.toFixed(1);

function table(title: string, header: string[], rows: (string | number)[][]): void {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  for (const r of all) console.log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
}

const config: RecognizerConfig = Value.Default(RecognizerSection, {}) as RecognizerConfig;
const modelsDir = values.models ?? BUNDLED_MODELS_DIR;
const contract = loadModelContract(modelsDir);
const jpegs = new Map<string, Buffer>();
for (const [w, h] of SIZES) jpegs.set(`${w}x${h}`, await sharp(SCENE).resize(w, h).jpeg({ quality: 85 }).toBuffer());

async function decode(jpeg: Buffer): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

type StageRow = { size: string; threads: number; decode: number; pre: number; detect: number; warp: number; ocr: number; ocr_per_plate: number; plates: number; total: number; total_p90: number; cpu: number; fps: number };
const stageRows: StageRow[] = [];
for (const threads of [1, 2]) {
  const backend = await OnnxBackend.create(contract, { threads });
  const reader = new PlateReader(backend, contract, readerOptions(config, contract));
  for (const [w, h] of SIZES) {
    const jpeg = jpegs.get(`${w}x${h}`)!;
    const t: Record<string, number[]> = { decode: [], pre: [], detect: [], warp: [], ocr: [], total: [], plates: [], cpu: [] };
    for (let i = 0; i < N + 3; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const img = await decode(jpeg);
      const t1 = performance.now();
      const r = await reader.read({ ...img, format: 'rgb24' });
      const c = process.cpuUsage(c0);
      if (i < 3) continue; // warm-up
      t.cpu!.push((c.user + c.system) / 1000);
      t.decode!.push(t1 - t0);
      t.pre!.push(r.timings.preprocess_ms);
      t.detect!.push(r.timings.detect_ms);
      t.warp!.push(r.timings.warp_ms);
      t.ocr!.push(r.timings.ocr_ms);
      t.plates!.push(r.plates.length);
      t.total!.push(t1 - t0 + r.timings.total_ms);
    }
    const plates = median(t.plates!);
    stageRows.push({
      size: `${w}x${h}`,
      threads,
      decode: median(t.decode!),
      pre: median(t.pre!),
      detect: median(t.detect!),
      warp: median(t.warp!),
      ocr: median(t.ocr!),
      ocr_per_plate: plates > 0 ? median(t.ocr!) / plates : 0,
      plates,
      total: median(t.total!),
      total_p90: p90(t.total!),
      cpu: median(t.cpu!),
      fps: 1000 / median(t.total!),
    });
  }
  await backend.release();
}
table(
  `per-stage median ms, one process (${N} frames each; detector input ${readerOptions(config, contract).inputWidth}x${readerOptions(config, contract).inputHeight})`,
  ['frame', 'threads', 'decode', 'preproc', 'detect', 'warp', 'ocr', 'ocr/plate', 'plates', 'total', 'p90', 'cpu ms', 'frames/s'],
  stageRows.map((r) => [r.size, r.threads, f1(r.decode), f1(r.pre), f1(r.detect), f1(r.warp), f1(r.ocr), f1(r.ocr_per_plate), r.plates, f1(r.total), f1(r.total_p90), f1(r.cpu), f1(r.fps)]),
);

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
    config: { ...config, workers, threads_per_worker: threads, queue_size: 256, models_dir: modelsDir },
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
console.log(JSON.stringify({ stages: stageRows, pool: poolRows, copy_ms_1280x720: median(copies), cores: cpus().length, loadavg: loadavg()[0] }));
