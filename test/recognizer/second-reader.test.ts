/**
 * The second reader's pure parts: folding its dictionary onto our charset, the forced-alignment
 * score of a candidate on folded frames, the fusion of the two readers' scores, the colour crop,
 * and PlateReader running it only on unsure plates.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { RecognizerSection, type RecognizerConfig } from '../../src/config/sections/recognizer.js';
import type { DetectorOutput, InferenceBackend, OcrOutput, SecondReaderOutput } from '../../src/recognizer/backend.js';
import { BUNDLED_MODELS_DIR, loadModelContract } from '../../src/recognizer/contract.js';
import { ctcLogLikelihood } from '../../src/recognizer/ctc.js';
import { matchOpinion, PlateReader, type ReaderOptions } from '../../src/recognizer/plate-reader.js';
import type { SecondOpinion } from '../../src/recognizer/types.js';
import { readerOptions } from '../../src/recognizer/reader-options.js';
import { cropColour, DERIVED_CLASSES, DERIVED_MODEL_FILE, foldFrames, foldMap, foldText, fuseCandidates, resolveSecondReaderFiles, secondReaderFiles, secondReaderWidth } from '../../src/recognizer/second-reader.js';
import { wholeImageQuad } from '../../src/recognizer/warp.js';
import { tempDir } from '../helpers/temp-dir.js';
import { C, CHARSET, frames, logitsOf } from './ctc-helpers.js';

/** A toy PaddleOCR dictionary: class 0 blank, 1..n these lines, n + 1 the space. */
const DICT = ['J', 'O', 'G', '9', '2', '1', 'I', '-', '中', 'o', '0'];
const CLASSES = DICT.length + 2;
const cls = (ch: string): number => (ch === ' ' ? DICT.length + 1 : ch === '_' ? 0 : DICT.indexOf(ch) + 1);

/** Second-reader softmax [T, CLASSES]: each frame puts `p` on one class, the rest spread evenly. */
function paddleFrames(spec: string[], p = 0.9): Float32Array {
  const out = new Float32Array(spec.length * CLASSES);
  spec.forEach((ch, t) => {
    for (let c = 0; c < CLASSES; c++) out[t * CLASSES + c] = (1 - p) / (CLASSES - 1);
    out[t * CLASSES + cls(ch)] = p;
  });
  return out;
}

describe('foldMap', () => {
  it('maps upper-case letters and digits to our classes and everything else to the blank', () => {
    const map = foldMap(DICT.join('\n') + '\n', CHARSET, CLASSES);
    expect(map[0]).toBe(0);
    expect(map[cls('J')]).toBe(CHARSET.indexOf('J') + 1);
    expect(map[cls('9')]).toBe(CHARSET.indexOf('9') + 1);
    expect(map[cls('-')]).toBe(0);
    expect(map[cls('中')]).toBe(0);
    expect(map[cls('o')]).toBe(0); // lower case: slogans and state names, not plate text
    expect(map[cls(' ')]).toBe(0);
  });

  it('makes O (and Q, D) one class with 0, and candidates are scored spelled so', () => {
    const map = foldMap(DICT.join('\n'), CHARSET, CLASSES);
    expect(map[cls('O')]).toBe(CHARSET.indexOf('0') + 1);
    expect(map[cls('0')]).toBe(CHARSET.indexOf('0') + 1);
    expect(foldText('QOD0ABC')).toBe('0000ABC');
  });

  it('refuses a dictionary that does not match the model', () => {
    expect(() => foldMap(DICT.join('\n'), CHARSET, CLASSES + 1)).toThrow(/dictionary has 11 characters, the model 14 classes/);
  });

  it('maps the derived network (no dictionary): class 0 the blank and the rest, then 0-9A-Z, O/Q/D as 0', () => {
    const map = foldMap(null, CHARSET, DERIVED_CLASSES.length + 1);
    const of = (ch: string): number => map[DERIVED_CLASSES.indexOf(ch) + 1]!;
    expect(map[0]).toBe(0);
    expect(of('7')).toBe(CHARSET.indexOf('7') + 1);
    expect(of('Z')).toBe(CHARSET.indexOf('Z') + 1);
    for (const ch of 'OQD0') expect(of(ch)).toBe(CHARSET.indexOf('0') + 1);
    // Every class of ours is reached but O, Q and D, which are read as 0.
    expect(new Set(map.slice(1)).size).toBe(CHARSET.length - 3);
    expect(() => foldMap(null, CHARSET, 6625)).toThrow(/derived model has 6625 classes \(expected 37/);
  });
});

describe('foldFrames on the derived network', () => {
  it('sums O, Q, D and 0 into one class and keeps class 0 as the blank', () => {
    const K = DERIVED_CLASSES.length + 1;
    const map = foldMap(null, CHARSET, K);
    // Two frames: O 0.5 + Q 0.2 + rest 0.3; then the rest (blank, '-', ...) 0.9 + 7 0.1.
    const probs = new Float32Array(2 * K);
    probs[1 + DERIVED_CLASSES.indexOf('O')] = 0.5;
    probs[1 + DERIVED_CLASSES.indexOf('Q')] = 0.2;
    probs[0] = 0.3;
    probs[K] = 0.9;
    probs[K + 1 + DERIVED_CLASSES.indexOf('7')] = 0.1;
    const f = foldFrames(probs, 0, 2, K, map, C);
    expect(f.probs[1 + CHARSET.indexOf('0')]).toBeCloseTo(0.7, 6);
    expect(f.probs[0]).toBeCloseTo(0.3, 6);
    expect(f.probs[C]).toBeCloseTo(0.9, 6);
    expect(f.probs[C + 1 + CHARSET.indexOf('7')]).toBeCloseTo(0.1, 6);
  });
});

describe('foldFrames + forced alignment', () => {
  const map = foldMap(DICT.join('\n'), CHARSET, CLASSES);
  // The second reader sees "JOG-9221" with a space and a Chinese character around it.
  const spec = ['中', 'J', '_', 'O', '_', 'G', '-', '9', '_', '2', '_', '2', '_', '1', ' '];
  const folded = foldFrames(paddleFrames(spec), 0, spec.length, CLASSES, map, C);

  it('keeps each frame a distribution over blank + our charset', () => {
    for (let t = 0; t < folded.T; t++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += folded.probs[t * C + c]!;
      expect(s).toBeCloseTo(1, 5);
    }
    // The '-' frame's mass went to the blank.
    expect(folded.probs[6 * C]!).toBeGreaterThan(0.9);
  });

  it('scores the string it saw far above a look-alike, ignoring the separator', () => {
    const right = ctcLogLikelihood(folded, foldText('JOG9221'), CHARSET);
    const wrong = ctcLogLikelihood(folded, foldText('JOG922I'), CHARSET);
    expect(right).toBeGreaterThan(-2);
    expect(right - wrong).toBeGreaterThan(3);
  });
});

describe('fuseCandidates', () => {
  const ours = [
    { text: 'JOG922I', confidence: 0.5 },
    { text: 'JOG9221', confidence: 0.3 },
    { text: 'J0G9221', confidence: 0.1 },
  ];

  it('re-ranks by log P1 + weight * log P2 and keeps our probability mass', () => {
    const fused = fuseCandidates(ours, [-6, -0.5, -4], 1);
    // 0.3 e^-0.5 = 0.18 > 0.1 e^-4 = 0.0018 > 0.5 e^-6 = 0.0012
    expect(fused.map((c) => c.text)).toEqual(['JOG9221', 'J0G9221', 'JOG922I']);
    expect(fused.reduce((s, c) => s + c.confidence, 0)).toBeCloseTo(0.9, 9);
    // exp(log 0.3 - 0.5) against exp(log 0.5 - 6) and exp(log 0.1 - 4).
    const w = [0.3 * Math.exp(-0.5), 0.5 * Math.exp(-6), 0.1 * Math.exp(-4)];
    expect(fused[0]!.confidence).toBeCloseTo((0.9 * w[0]!) / (w[0]! + w[1]! + w[2]!), 9);
  });

  it('changes nothing at weight 0 or when the second reader agrees', () => {
    const same = fuseCandidates(ours, [-6, -0.5, -4], 0);
    expect(same.map((c) => c.text)).toEqual(ours.map((c) => c.text));
    same.forEach((c, i) => expect(c.confidence).toBeCloseTo(ours[i]!.confidence, 12));
    expect(fuseCandidates(ours, [-0.5, -6, -6], 1).map((c) => c.text)).toEqual(ours.map((c) => c.text));
  });

  it('gives an unalignable candidate the floor, not NaN', () => {
    const fused = fuseCandidates(ours, [-Infinity, -1, Number.NEGATIVE_INFINITY], 1);
    expect(fused[0]!.text).toBe('JOG9221');
    for (const c of fused) expect(Number.isFinite(c.confidence)).toBe(true);
  });
});

describe('second reader crop', () => {
  it('follows the plate aspect at 48 px high, in multiples of 8 within the bounds', () => {
    expect(secondReaderWidth(wholeImageQuad(200, 48), 64, 320)).toBe(200);
    expect(secondReaderWidth(wholeImageQuad(100, 50), 64, 320)).toBe(96);
    expect(secondReaderWidth(wholeImageQuad(40, 40), 64, 320)).toBe(64);
    expect(secondReaderWidth(wholeImageQuad(2000, 40), 64, 320)).toBe(320);
  });

  it('writes BGR planes normalised to -1..1 and leaves the padding at 0', () => {
    // A 40x20 image: left half pure red, right half pure blue.
    const w = 40;
    const h = 20;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
    const width = 104;
    const t = new Float32Array(3 * 48 * width);
    cropColour({ width: w, height: h, format: 'rgb24', data }, wholeImageQuad(w, h), 0, 0, t, 0, width, 96);
    const plane = 48 * width;
    const at = (ch: number, x: number, y: number): number => t[ch * plane + y * width + x]!;
    // Left: red = channel 2 (BGR) high, blue low.
    expect(at(2, 5, 24)).toBeCloseTo(1, 5);
    expect(at(0, 5, 24)).toBeCloseTo(-1, 5);
    // Right: blue = channel 0 high.
    expect(at(0, 90, 24)).toBeCloseTo(1, 5);
    expect(at(2, 90, 24)).toBeCloseTo(-1, 5);
    expect(at(1, 50, 10)).toBeCloseTo(-1, 5);
    // Padding columns past the content width.
    expect(at(0, 100, 24)).toBe(0);
  });

  it('box-shrinks a tall plate first and keeps its colours where they were', () => {
    // 400x200: left half red, right half blue, a black middle column band 190..210 wide.
    const w = 400;
    const h = 200;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x >= 190 && x < 210 ? [0, 0, 0] : x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
    const width = 96;
    const t = new Float32Array(3 * 48 * width);
    cropColour({ width: w, height: h, format: 'rgb24', data }, wholeImageQuad(w, h), 0, 0, t, 0, width, 96);
    const plane = 48 * width;
    const at = (ch: number, x: number): number => t[ch * plane + 24 * width + x]!;
    expect(at(2, 10)).toBeCloseTo(1, 5);
    expect(at(0, 85)).toBeCloseTo(1, 5);
    // The band (x 45.6..50.4 of 96) is dark in every channel.
    for (let ch = 0; ch < 3; ch++) expect(at(ch, 48)).toBeLessThan(-0.9);
  });
});

describe('resolveSecondReaderFiles', () => {
  const dir = tempDir('second-reader-');

  it('names the missing file of a configured folder', () => {
    expect(() => resolveSecondReaderFiles(dir)).toThrow(/ch_PP-OCRv4_rec_infer\.onnx is missing/);
    expect(() => secondReaderFiles(dir)).toThrow(/ch_PP-OCRv4_rec_infer\.onnx is missing/);
  });

  it('takes the derived network from the bundled models by default, PaddleOCR\'s files from a configured folder', () => {
    expect(secondReaderFiles('')).toEqual({ model: join(BUNDLED_MODELS_DIR, DERIVED_MODEL_FILE), dictionary: null });
    expect(existsSync(join(BUNDLED_MODELS_DIR, DERIVED_MODEL_FILE))).toBe(true);
    expect(() => secondReaderFiles('', [dir])).toThrow(/second-reader\.onnx missing .*model_dir.*enabled off/);
    // The configured models folder first, then the bundled one.
    expect(secondReaderFiles('', [dir, BUNDLED_MODELS_DIR]).model).toBe(join(BUNDLED_MODELS_DIR, DERIVED_MODEL_FILE));
    writeFileSync(join(dir, DERIVED_MODEL_FILE), '');
    expect(secondReaderFiles('', [dir, BUNDLED_MODELS_DIR]).model).toBe(join(dir, DERIVED_MODEL_FILE));
    rmSync(join(dir, DERIVED_MODEL_FILE));
    const paddle = join(dir, 'paddle');
    mkdirSync(paddle);
    writeFileSync(join(paddle, 'ch_PP-OCRv4_rec_infer.onnx'), '');
    writeFileSync(join(paddle, 'ppocr_keys_v1.txt'), '');
    expect(secondReaderFiles(paddle)).toEqual({ model: join(paddle, 'ch_PP-OCRv4_rec_infer.onnx'), dictionary: join(paddle, 'ppocr_keys_v1.txt') });
  });

  it('is resolved from the config at start: off needs no files, on with a bad folder fails naming it', () => {
    const config = Value.Default(RecognizerSection, {}) as RecognizerConfig;
    const contract = loadModelContract();
    expect(readerOptions({ ...config, second_reader: { ...config.second_reader, enabled: false, model_dir: dir } }, contract).secondReader).toBeNull();
    expect(() => readerOptions({ ...config, second_reader: { ...config.second_reader, model_dir: dir } }, contract)).toThrow(/recognizer\.second_reader: .* is missing/);
    // The default: the derived network shipped in models/, no npm package needed.
    expect(readerOptions(config, contract).secondReader?.files).toEqual({ model: join(BUNDLED_MODELS_DIR, DERIVED_MODEL_FILE), dictionary: null });
  });
});

describe('PlateReader with a second reader', () => {
  const contract = loadModelContract();
  const dir = tempDir('second-reader-pr-');
  const dictionary = join(dir, 'keys.txt');
  writeFileSync(dictionary, DICT.join('\n') + '\n');

  /** Our OCR is torn between JOG922I and JOG9221 (last character I 0.55 / 1 0.45); the second reader reads JOG9221. */
  class Backend implements InferenceBackend {
    secondCalls: number[] = [];
    constructor(private readonly lastI: number) {}
    /** One plate, at (400..600, 200..260) of a 1280x720 frame read at 640x384 (`scene`). */
    detect(_t: Float32Array, width: number, height: number): Promise<DetectorOutput> {
      const gw = width / 4;
      const gh = height / 4;
      const heatmap = new Float32Array(gw * gh);
      const corners = new Float32Array(8 * gw * gh);
      heatmap[28 * gw + 62] = 0.9;
      [-50, -14, 50, -14, 50, 16, -50, 16].forEach((v, i) => (corners[i * gw * gh + 28 * gw + 62] = v / contract.detector.cornerScale));
      return Promise.resolve({ heatmap, corners, gridWidth: gw, gridHeight: gh });
    }
    ocr(_b: Float32Array, n: number): Promise<OcrOutput> {
      const spec: (string | Record<string, number>)[] = ['J', '-', 'O', '-', 'G', '-', '9', '-', '2', '-', '2', '-', { I: this.lastI, '1': 0.99 - this.lastI }, '-', '-', '-'];
      const f = frames(spec);
      const logits = new Float32Array(n * f.T * C);
      for (let i = 0; i < n; i++) logits.set(logitsOf(f), i * f.T * C);
      return Promise.resolve({ logits, T: f.T, C });
    }
    second(_b: Float32Array, n: number, width: number): Promise<SecondReaderOutput> {
      this.secondCalls.push(width);
      const spec = ['J', '_', 'O', '_', 'G', '-', '9', '_', '2', '_', '2', '_', '1', '_'];
      return Promise.resolve({ probs: paddleFrames(spec), T: spec.length, C: CLASSES });
    }
    release(): Promise<void> {
      return Promise.resolve();
    }
  }
  const options = (threshold: number): ReaderOptions => ({
    inputWidth: 640,
    inputHeight: 384,
    inputFit: 'fixed',
    scoreThreshold: 0.3,
    nmsIou: 0.3,
    maxPlates: 8,
    minPlateConfidence: 0,
    keepDetectionScore: 0.5,
    topN: 5,
    region: 'eu',
    minPlateHeight: 6,
    ocrViews: 1,
    extraViewsBelow: 1,
    secondReader: { files: { model: 'unused', dictionary }, threshold, weight: 1, candidates: 5, maxPerFrame: 1, minWidth: 64, maxWidth: 320 },
  });
  const crop = { width: 200, height: 50, format: 'gray' as const, data: new Uint8Array(200 * 50).fill(200) };

  it('re-ranks an unsure plate by the second reader', async () => {
    const backend = new Backend(0.55);
    const r = await new PlateReader(backend, contract, options(0.9)).readCrop(crop);
    expect(backend.secondCalls).toHaveLength(1);
    expect(r.secondReads).toBe(1);
    expect(r.plates[0]!.text).toBe('JOG9221');
    expect(r.plates[0]!.candidates[1]!.text).toBe('JOG922I');
    expect(r.plates[0]!.charConfidences).toHaveLength(7);
  });

  it('leaves a plate above the threshold alone, and reads without a second reader loaded', async () => {
    const backend = new Backend(0.55);
    const r = await new PlateReader(backend, contract, options(0.2)).readCrop(crop);
    expect(backend.secondCalls).toHaveLength(0);
    expect(r.plates[0]!.text).toBe('JOG922I');
    const plain: InferenceBackend = { detect: (t, w, h) => backend.detect(t, w, h), ocr: (b, n) => backend.ocr(b, n), release: () => backend.release() };
    const r2 = await new PlateReader(plain, contract, options(0.9)).readCrop(crop);
    expect(r2.secondReads).toBe(0);
    expect(r2.plates[0]!.text).toBe('JOG922I');
  });

  /** A 1280x720 grey frame with a white plate-sized rectangle at x 400..600, y 200..260. */
  const scene = (): { width: number; height: number; format: 'gray'; data: Uint8Array } => {
    const data = new Uint8Array(1280 * 720);
    for (let y = 200; y < 260; y++) data.fill(255, y * 1280 + 400, y * 1280 + 600);
    return { width: 1280, height: 720, format: 'gray', data };
  };
  const video = { ...options(0.9), inputFit: 'area' as const };

  it('runs the network once per vehicle: a later frame re-scores the plate with the opinion its track holds', async () => {
    const backend = new Backend(0.55);
    const reader = new PlateReader(backend, contract, video);
    const first = await reader.read(scene());
    expect(backend.secondCalls).toHaveLength(1);
    expect(first.secondReads).toBe(1);
    const plate = first.plates[0]!;
    expect(plate.text).toBe('JOG9221');
    expect(plate.secondOpinion?.C).toBe(CHARSET.length + 1);

    const opinion: SecondOpinion = { box: { ...plate.box, x: plate.box.x + 6 }, frames: plate.secondOpinion! };
    const later = await reader.read(scene(), {}, [opinion]);
    expect(backend.secondCalls).toHaveLength(1);
    expect(later.secondReads).toBe(0);
    expect(later.secondReused).toBe(1);
    expect(later.plates[0]!.text).toBe('JOG9221');
    expect(later.plates[0]!.candidates.map((c) => c.text)).toEqual(plate.candidates.map((c) => c.text));
    expect(later.plates[0]!.secondOpinion).toBeUndefined();
  });

  it('runs the network on a plate that no opinion of the frame covers', async () => {
    const backend = new Backend(0.55);
    const reader = new PlateReader(backend, contract, video);
    const first = await reader.read(scene());
    const elsewhere: SecondOpinion = { box: { x: 900, y: 500, w: 200, h: 60 }, frames: first.plates[0]!.secondOpinion! };
    const r = await reader.read(scene(), {}, [elsewhere]);
    expect(backend.secondCalls).toHaveLength(2);
    expect(r.secondReads).toBe(1);
    expect(r.secondReused).toBe(0);
  });

  it('in video, does not run the network on a plate kept only for its detection score (its own read below min_plate_confidence); a still does', async () => {
    const backend = new Backend(0.55);
    const reader = new PlateReader(backend, contract, { ...video, minPlateConfidence: 0.9 });
    const r = await reader.read(scene(), {}, []);
    expect(r.plates).toHaveLength(1);
    expect(backend.secondCalls).toHaveLength(0);
    await reader.read(scene());
    expect(backend.secondCalls).toHaveLength(1);
  });
});

describe('matchOpinion', () => {
  const frames = { probs: new Float64Array(37), T: 1, C: 37 };
  const at = (x: number, y: number, w = 100, h = 30): SecondOpinion => ({ box: { x, y, w, h }, frames });
  const cases: { name: string; box: { x: number; y: number; w: number; h: number }; opinions: SecondOpinion[]; used?: number[]; want: number }[] = [
    { name: 'none held', box: { x: 0, y: 0, w: 100, h: 30 }, opinions: [], want: -1 },
    { name: 'the same box', box: { x: 0, y: 0, w: 100, h: 30 }, opinions: [at(0, 0)], want: 0 },
    { name: 'the most overlapping of two', box: { x: 40, y: 0, w: 100, h: 30 }, opinions: [at(0, 0), at(50, 0)], want: 1 },
    { name: 'not one another plate took', box: { x: 40, y: 0, w: 100, h: 30 }, opinions: [at(0, 0), at(50, 0)], used: [1], want: 0 },
    { name: 'not below IoU 0.3 (a neighbouring vehicle)', box: { x: 0, y: 0, w: 100, h: 30 }, opinions: [at(70, 0)], want: -1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(matchOpinion(c.box, c.opinions, new Set(c.used ?? []))).toBe(c.want);
    });
  }
});
