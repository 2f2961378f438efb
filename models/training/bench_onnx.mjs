// Checks the exported ONNX models with onnxruntime-node (the runtime's engine) and times them.
//   node models/training/bench_onnx.mjs [refDir]
// refDir (optional) holds reference inputs/outputs written by evaluate.py --write-ref: the
// maximum absolute difference against PyTorch is printed for each model.
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modelsDir = path.resolve(here, '..');
const require = createRequire(path.join(modelsDir, '..', 'package.json'));
const ort = require('onnxruntime-node');
const spec = JSON.parse(readFileSync(path.join(modelsDir, 'models.json'), 'utf8'));
const refDir = process.argv[2];

function readF32(file) {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

async function session(file, threads) {
  return ort.InferenceSession.create(path.join(modelsDir, file), {
    intraOpNumThreads: threads, interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

// Wall time depends on what else the machine runs; CPU time (user+system of this process per
// run) is also reported: with one thread it is close to the wall time on an idle core.
async function time(sess, feeds, n) {
  for (let i = 0; i < 3; i++) await sess.run(feeds);
  const ts = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await sess.run(feeds);
    ts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  ts.sort((a, b) => a - b);
  return { median_ms: +ts[Math.floor(n / 2)].toFixed(2), min_ms: +ts[0].toFixed(2),
           cpu_ms_per_run: +((cpu.user + cpu.system) / 1000 / n).toFixed(2) };
}

function maxDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const out = {};
const have = (f) => existsSync(path.join(modelsDir, f));
for (const threads of [1, 2]) {
  if (have(spec.detector.file)) {
  const det = await session(spec.detector.file, threads);
  for (const [w, h] of [[640, 384], [1280, 736]]) {
    const x = new ort.Tensor('float32', new Float32Array(w * h).fill(0.5), [1, 1, h, w]);
    out[`detector_${w}x${h}_${threads}t`] = await time(det, { [spec.detector.input]: x }, 20);
  }
  }
  const ocr = await session(spec.ocr.file, threads);
  const { input_height: H, input_width: W } = spec.ocr;
  for (const n of [1, 8]) {
    const x = new ort.Tensor('float32', new Float32Array(n * H * W).fill(0.5), [n, 1, H, W]);
    const r = await time(ocr, { [spec.ocr.input]: x }, 50);
    out[`ocr_batch${n}_${threads}t`] = { ...r, per_crop_ms: +(r.median_ms / n).toFixed(3) };
  }
}
if (refDir && existsSync(path.join(refDir, 'det_in.f32'))) {
  const det = await session(spec.detector.file, 2);
  const [h, w] = JSON.parse(readFileSync(path.join(refDir, 'det_shape.json'), 'utf8'));
  const r = await det.run({ image: new ort.Tensor('float32', readF32(path.join(refDir, 'det_in.f32')), [1, 1, h, w]) });
  out.detector_max_abs_diff_heatmap = maxDiff(r.heatmap.data, readF32(path.join(refDir, 'det_heat.f32')));
  out.detector_max_abs_diff_corners = maxDiff(r.corners.data, readF32(path.join(refDir, 'det_corners.f32')));
}
if (refDir && existsSync(path.join(refDir, 'ocr_in.f32'))) {
  const ocr = await session(spec.ocr.file, 2);
  const inp = readF32(path.join(refDir, 'ocr_in.f32'));
  const n = inp.length / (spec.ocr.input_height * spec.ocr.input_width);
  const r = await ocr.run({ image: new ort.Tensor('float32', inp, [n, 1, spec.ocr.input_height, spec.ocr.input_width]) });
  out.ocr_output_dims = r.logits.dims;
  out.ocr_max_abs_diff = maxDiff(r.logits.data, readF32(path.join(refDir, 'ocr_out.f32')));
}
console.log(JSON.stringify(out, null, 1));
