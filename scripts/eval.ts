/**
 * Scores the recognizer against a labelled dataset folder, in its own label format:
 *
 *   npm run eval -- /work/shared/datasets/detect --split val   plates found (IoU > 0.4), false positives
 *   npm run eval -- /work/shared/datasets/ocr --split val      exact top-1, top-10, CER (each crop read with --ocr-only logic)
 *
 * Options: --split S (default val), --region us|eu|br (hint for every image; OCR sets are also
 * scored with each crop's own region from the labels), --limit N, --threads N, --models DIR,
 * --input WxH, --fit area|fixed, --threshold T and --min-confidence C (detector input size and
 * fit, score threshold, the plate confidence below which reads are dropped: to compare settings).
 * --regions LIST: the installation's regions that `auto` chooses among (default us,eu,br).
 * --second-reader on|off, --sr-threshold T, --sr-weight W, --sr-candidates N: the second reader
 * (PP-OCRv4 re-scoring unsure plates; default as configured); its share of plates and CPU are printed.
 * --coarse on|off, --native R: the detector's coarse second pass and native-size reading of small frames.
 * --zoom F (detect sets): each single-plate image cropped around its plate so the plate spans F of
 * the width (16:9, inside the image), scaled to 1280x720: large plates, as phone photos have them.
 * --loose F (OCR sets): read each crop through a box F larger on every side (F of the crop's
 * width/height; the warp replicates the edge pixels), like a loose detector box.
 * Prints tables per source, per plate-height bucket and per plate tone (median grey of the
 * plate's middle: dark < 90, light >= 150, mid between; dark plates are mostly light characters
 * on a dark background), then one JSON line with every figure.
 * Timings exclude file decode (reported separately), as the `recognize` command does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Value } from '@sinclair/typebox/value';
import { RecognizerSection, type RecognizerConfig } from '../src/config/sections/recognizer.js';
import { BUNDLED_MODELS_DIR, loadModelContract } from '../src/recognizer/contract.js';
import { boxIou } from '../src/recognizer/detect-decode.js';
import type { RawImage } from '../src/recognizer/letterbox.js';
import { decodeImageFile } from '../src/recognizer/image-file.js';
import { OnnxBackend } from '../src/recognizer/onnx-backend.js';
import type { Region } from '../src/recognizer/plate-format.js';
import { PlateReader } from '../src/recognizer/plate-reader.js';
import { readerOptions } from '../src/recognizer/reader-options.js';
import { expandQuad, wholeImageQuad } from '../src/recognizer/warp.js';
import type { Box } from '../src/recognizer/types.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    split: { type: 'string', default: 'val' },
    region: { type: 'string' },
    limit: { type: 'string' },
    threads: { type: 'string', default: '1' },
    models: { type: 'string' },
    fit: { type: 'string' },
    threshold: { type: 'string' },
    'min-confidence': { type: 'string' },
    input: { type: 'string' },
    regions: { type: 'string' },
    loose: { type: 'string' },
    'second-reader': { type: 'string' },
    coarse: { type: 'string' },
    native: { type: 'string' },
    zoom: { type: 'string' },
    'sr-threshold': { type: 'string' },
    'sr-weight': { type: 'string' },
    'sr-candidates': { type: 'string' },
  },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npm run eval -- DIR [--split val] [--region us|eu|br] [--limit N] [--threads N] [--models DIR] [--input WxH] [--fit area|fixed] [--threshold T] [--min-confidence C]');
  process.exit(2);
}
const hint = (values.region ?? null) as Region | null;
const limit = values.limit ? Number(values.limit) : Infinity;
const loose = values.loose ? Number(values.loose) : 0;

/** Median grey of the middle half of a box: the plate's background tone, mostly. */
function toneOf(img: RawImage, b: Box): string {
  const x0 = Math.max(0, Math.floor(b.x + b.w / 4));
  const x1 = Math.min(img.width, Math.ceil(b.x + (3 * b.w) / 4));
  const y0 = Math.max(0, Math.floor(b.y + b.h / 4));
  const y1 = Math.min(img.height, Math.ceil(b.y + (3 * b.h) / 4));
  const ch = img.format === 'gray' ? 1 : 3;
  const vals: number[] = [];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * ch;
      vals.push(ch === 1 ? img.data[i]! : 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!);
    }
  }
  const m = quantile(vals, 0.5);
  return m < 90 ? 'dark' : m >= 150 ? 'light' : 'mid';
}

type Row = Record<string, string>;

/**
 * The image cropped to a 16:9 window around its one plate so the plate spans `frac` of the
 * window's width, scaled to 1280x720; null when the window does not fit inside the image.
 */
async function zoomed(file: string, img: RawImage & { decode_ms: number }, row: Row, frac: number): Promise<{ img: RawImage & { decode_ms: number }; row: Row } | null> {
  const [x, y, w, h] = [+row.x!, +row.y!, +row.w!, +row.h!];
  let ww = Math.round(w / frac);
  let wh = Math.round((ww * 9) / 16);
  if (wh < h * 1.2) return null;
  if (ww > img.width || wh > img.height) {
    const f = Math.min(img.width / ww, img.height / wh);
    ww = Math.floor(ww * f);
    wh = Math.floor(wh * f);
    if (ww < w * 1.1 || wh < h * 1.2) return null;
  }
  const left = Math.max(0, Math.min(img.width - ww, Math.round(x + w / 2 - ww / 2)));
  const top = Math.max(0, Math.min(img.height - wh, Math.round(y + h / 2 - wh / 2)));
  const { data, info } = await sharp(file).rotate().extract({ left, top, width: ww, height: wh }).resize(1280, 720, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const sx = 1280 / ww;
  const sy = 720 / wh;
  return {
    img: { width: info.width, height: info.height, format: 'rgb24', data, decode_ms: 0 },
    row: { ...row, x: String((x - left) * sx), y: String((y - top) * sy), w: String(w * sx), h: String(h * sy) },
  };
}
function readCsv(file: string): Row[] {
  const [head, ...rest] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return rest.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

const BUCKETS = [16, 32, 64, 128, Infinity];
const bucketOf = (h: number): string => {
  const i = BUCKETS.findIndex((b) => h < b);
  const lo = i === 0 ? 0 : BUCKETS[i - 1]!;
  return BUCKETS[i] === Infinity ? `>=${lo}px` : `${lo}-${BUCKETS[i]}px`;
};

function pct(a: number, b: number): string {
  return b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`;
}
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = d[j]!;
      d[j] = cur;
    }
  }
  return d[b.length]!;
}
/** Height buckets by their lower bound, then the tone rows. */
function byBucket(a: [string, unknown], b: [string, unknown]): number {
  const ka = a[0].startsWith('tone') || a[0].includes(' tone') ? 1e9 : parseInt(a[0].replace('>=', ''));
  const kb = b[0].startsWith('tone') || b[0].includes(' tone') ? 1e9 : parseInt(b[0].replace('>=', ''));
  return ka - kb || a[0].localeCompare(b[0]);
}
function table(title: string, header: string[], rows: (string | number)[][]): void {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  for (const r of all) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

const config = Value.Default(RecognizerSection, {}) as RecognizerConfig;
if (values.fit === 'fixed' || values.fit === 'area') config.detector_input_fit = values.fit;
if (values.threshold) config.score_threshold = Number(values.threshold);
if (values['min-confidence']) config.min_plate_confidence = Number(values['min-confidence']);
if (values.input) [config.detector_input_width, config.detector_input_height] = values.input.split('x').map(Number) as [number, number];
if (values.regions) config.regions = values.regions.split(',') as Region[];
if (values.coarse) config.detector_coarse_pass = values.coarse === 'on';
if (values.native) config.detector_native_max_ratio = Number(values.native);
if (values['second-reader']) config.second_reader.enabled = values['second-reader'] === 'on';
if (values['sr-threshold']) config.second_reader.threshold = Number(values['sr-threshold']);
if (values['sr-weight']) config.second_reader.weight = Number(values['sr-weight']);
if (values['sr-candidates']) config.second_reader.candidates = Number(values['sr-candidates']);
const contract = loadModelContract(values.models ?? BUNDLED_MODELS_DIR);
const labels = readCsv(join(dir, 'labels.csv')).filter((r) => r.split === values.split);
const kind = 'x' in (labels[0] ?? {}) ? 'detect' : 'ocr';
const options = { ...readerOptions(config, contract), region: hint };
const backend = await OnnxBackend.create(contract, { threads: Number(values.threads), detector: kind === 'detect', secondReader: options.secondReader?.files });
const reader = new PlateReader(backend, contract, options);
await reader.readCrop({ width: 128, height: 32, format: 'gray', data: new Uint8Array(128 * 32) }); // warm-up
const decodeMs: number[] = [];
const procMs: number[] = [];
/** Second reader: plates read, plates it ran on, its wall ms; process CPU ms of the reads scored. */
const second = { plates: 0, runs: 0, ms: 0 };
let readCpuMs = 0;
const cpuOf = async <T>(f: () => Promise<T>): Promise<T> => {
  const c0 = process.cpuUsage();
  const v = await f();
  const c = process.cpuUsage(c0);
  readCpuMs += (c.user + c.system) / 1000;
  return v;
};
const noteSecond = (r: { plates: unknown[]; secondReads: number; timings: { second_ms: number } }): void => {
  second.plates += r.plates.length;
  second.runs += r.secondReads;
  second.ms += r.timings.second_ms;
};
let result: Record<string, unknown>;

if (kind === 'detect') {
  const byFile = new Map<string, Row[]>();
  for (const r of labels) byFile.set(r.file!, [...(byFile.get(r.file!) ?? []), r]);
  const files = [...byFile.keys()].slice(0, limit);
  const groups = new Map<string, { images: number; plates: number; found: number; tight: number; fp: number }>();
  const buckets = new Map<string, { plates: number; found: number }>();
  const add = <T>(m: Map<string, T>, k: string, init: T): T => m.get(k) ?? (m.set(k, init), init);
  const zoom = values.zoom ? Number(values.zoom) : 0;
  for (const file of files) {
    let rows = byFile.get(file)!;
    let img = await decodeImageFile(join(dir, 'images', file));
    if (zoom > 0) {
      if (rows.length !== 1) continue;
      const z = await zoomed(join(dir, 'images', file), img, rows[0]!, zoom);
      if (!z) continue;
      img = z.img;
      rows = [z.row];
    }
    const r = await cpuOf(() => reader.read(img));
    noteSecond(r);
    decodeMs.push(img.decode_ms);
    procMs.push(r.timings.total_ms);
    const truth: Box[] = rows.map((x) => ({ x: +x.x!, y: +x.y!, w: +x.w!, h: +x.h! }));
    // One-to-one matching, best IoU first.
    const pairs = truth.flatMap((t, i) => r.plates.map((p, j) => ({ i, j, iou: boxIou(t, p.box) }))).filter((p) => p.iou > 0.4);
    pairs.sort((a, b) => b.iou - a.iou);
    const usedT = new Set<number>();
    const usedP = new Set<number>();
    let tight = 0;
    for (const p of pairs) {
      if (usedT.has(p.i) || usedP.has(p.j)) continue;
      usedT.add(p.i);
      usedP.add(p.j);
      if (p.iou > 0.7) tight++;
    }
    for (const key of ['all', rows[0]!.source!]) {
      const g = add(groups, key, { images: 0, plates: 0, found: 0, tight: 0, fp: 0 });
      g.images++;
      g.plates += truth.length;
      g.found += usedT.size;
      g.tight += tight;
      g.fp += r.plates.length - usedP.size;
    }
    truth.forEach((t, i) => {
      for (const k of [bucketOf(t.h), `tone ${toneOf(img, t)}`]) {
        const b = add(buckets, k, { plates: 0, found: 0 });
        b.plates++;
        if (usedT.has(i)) b.found++;
      }
    });
  }
  table(
    `detect/${values.split}: plates found (IoU > 0.4)`,
    ['source', 'images', 'plates', 'found', 'IoU > 0.7', 'FP/image'],
    [...groups].map(([k, g]) => [k, g.images, g.plates, pct(g.found, g.plates), pct(g.tight, g.plates), (g.fp / g.images).toFixed(3)]),
  );
  const sortedBuckets = [...buckets].sort(byBucket);
  table('by plate height (box h) and tone', ['height', 'plates', 'found'], sortedBuckets.map(([k, b]) => [k, b.plates, pct(b.found, b.plates)]));
  result = {
    dataset: 'detect',
    split: values.split,
    sources: Object.fromEntries([...groups].map(([k, g]) => [k, { images: g.images, plates: g.plates, found: g.found / g.plates, found_iou07: g.tight / g.plates, fp_per_image: g.fp / g.images }])),
    by_height: Object.fromEntries(sortedBuckets.map(([k, b]) => [k, { plates: b.plates, found: b.found / b.plates }])),
  };
} else {
  const rows = labels.slice(0, limit);
  type Acc = { n: number; top1: number; top10: number; edits: number; chars: number; top1Hint: number };
  const groups = new Map<string, Acc>();
  const buckets = new Map<string, Acc>();
  const acc = (m: Map<string, Acc>, k: string): Acc => {
    let a = m.get(k);
    if (!a) m.set(k, (a = { n: 0, top1: 0, top10: 0, edits: 0, chars: 0, top1Hint: 0 }));
    return a;
  };
  const misses: string[] = [];
  for (const row of rows) {
    const img = await decodeImageFile(join(dir, 'images', row.file!));
    const crop = loose > 0 ? expandQuad(wholeImageQuad(img.width, img.height), loose, loose) : null;
    const read = (o: { topN: number; region?: Region }) => (crop ? reader.readQuad(img, crop, o) : reader.readCrop(img, o));
    const r = await cpuOf(() => read({ topN: 10 }));
    noteSecond(r);
    decodeMs.push(img.decode_ms);
    procMs.push(r.timings.total_ms);
    // Each crop is also read with its own region as the hint (US state codes -> us).
    const own: Region = row.region === 'br' ? 'br' : row.region === 'eu' ? 'eu' : 'us';
    const hinted = hint ? r : await read({ topN: 10, region: own });
    const p = r.plates[0];
    const text = p?.text ?? '';
    const gt = row.text!;
    if (text !== gt && misses.length < 20) misses.push(`${row.file} (${img.width}x${img.height}): ${gt} read as ${text || '(nothing)'}`);
    const tone = `tone ${toneOf(img, { x: 0, y: 0, w: img.width, h: img.height })}`;
    for (const a of [acc(groups, 'all'), acc(groups, row.source!), acc(buckets, bucketOf(img.height)), acc(buckets, tone), acc(buckets, `${row.source!.endsWith(':br') ? 'br' : 'us'} ${tone}`)]) {
      a.n++;
      if (text === gt) a.top1++;
      if (p?.candidates.some((c) => c.text === gt)) a.top10++;
      if (hinted.plates[0]?.text === gt) a.top1Hint++;
      a.edits += levenshtein(text, gt);
      a.chars += gt.length;
    }
  }
  const hintLabel = hint ? `top-1 (--region ${hint})` : 'top-1 (label region hint)';
  const line = (k: string, a: Acc) => [k, a.n, pct(a.top1, a.n), pct(a.top10, a.n), pct(a.top1Hint, a.n), `${((100 * a.edits) / a.chars).toFixed(2)}%`];
  table(`ocr/${values.split}${loose ? ` (box ${loose} looser on every side)` : ''}: ${hint ? `region hint ${hint}` : `region inferred per plate among ${config.regions.join(',')}`}`, ['source', 'crops', 'top-1', 'top-10', hintLabel, 'CER'], [...groups].map(([k, a]) => line(k, a)));
  const sortedBuckets = [...buckets].sort(byBucket);
  table('by crop height and tone', ['height', 'crops', 'top-1', 'top-10', hintLabel, 'CER'], sortedBuckets.map(([k, a]) => line(k, a)));
  console.log('\nfirst misses:');
  for (const m of misses) console.log(`  ${m}`);
  const json = (a: Acc) => ({ crops: a.n, top1: a.top1 / a.n, top10: a.top10 / a.n, top1_region_hint: a.top1Hint / a.n, cer: a.edits / a.chars });
  result = {
    dataset: 'ocr',
    split: values.split,
    region: hint,
    regions: config.regions,
    loose,
    sources: Object.fromEntries([...groups].map(([k, a]) => [k, json(a)])),
    by_height: Object.fromEntries(sortedBuckets.map(([k, a]) => [k, json(a)])),
  };
}

const sr = options.secondReader;
console.log(
  sr
    ? `\nsecond reader (threshold ${sr.threshold}, weight ${sr.weight}, ${sr.candidates} candidates): ran on ${second.runs} of ${second.plates} plates (${pct(second.runs, second.plates)}), ${(second.ms / Math.max(1, second.runs)).toFixed(1)} ms (wall) per run, ${(second.ms / Math.max(1, second.plates)).toFixed(2)} ms (wall) per plate read`
    : '\nsecond reader: off',
);
console.log(`process CPU per image read (decode excluded, whole pipeline): mean ${(readCpuMs / Math.max(1, procMs.length)).toFixed(2)} ms`);
console.log(`\ntime per image (single process, ${values.threads} intra-op thread(s)): processing median ${quantile(procMs, 0.5).toFixed(1)} ms, p95 ${quantile(procMs, 0.95).toFixed(1)} ms; decode median ${quantile(decodeMs, 0.5).toFixed(1)} ms`);
await backend.release();
console.log(JSON.stringify({ ...result, second_reader: sr ? { threshold: sr.threshold, weight: sr.weight, candidates: sr.candidates, runs: second.runs, plates: second.plates, ms_per_run: second.ms / Math.max(1, second.runs), ms_per_plate: second.ms / Math.max(1, second.plates) } : null, read_cpu_ms_mean: readCpuMs / Math.max(1, procMs.length), processing_ms: { median: quantile(procMs, 0.5), p95: quantile(procMs, 0.95) }, decode_ms: { median: quantile(decodeMs, 0.5) } }));
