/**
 * The per-frame pipeline's glue, with a backend that returns hand-made tensors in the
 * contract's layout: coordinates through the letterbox and back, the OCR batch, filters.
 */
import { describe, expect, it } from 'vitest';
import type { DetectorOutput, InferenceBackend, OcrOutput } from '../../src/recognizer/backend.js';
import { loadModelContract } from '../../src/recognizer/contract.js';
import { PlateReader, type ReaderOptions } from '../../src/recognizer/plate-reader.js';
import { C, frames, logitsOf } from './ctc-helpers.js';

const contract = loadModelContract();
const OCR_T = 16;

/** One plate per (cell, corner offsets); the OCR spells `texts[i]` for the i-th crop. */
class HandMadeBackend implements InferenceBackend {
  readonly detectCalls: { width: number; height: number }[] = [];
  readonly ocrBatches: { batch: Float32Array; n: number }[] = [];
  constructor(
    private readonly peaks: { col: number; row: number; score: number; corners: number[] }[],
    private readonly texts: string[],
  ) {}
  detect(_t: Float32Array, width: number, height: number): Promise<DetectorOutput> {
    this.detectCalls.push({ width, height });
    const gw = width / 4;
    const gh = height / 4;
    const heatmap = new Float32Array(gw * gh);
    const corners = new Float32Array(8 * gw * gh);
    for (const p of this.peaks) {
      heatmap[p.row * gw + p.col] = p.score;
      p.corners.forEach((v, i) => (corners[i * gw * gh + p.row * gw + p.col] = v / contract.detector.cornerScale));
    }
    return Promise.resolve({ heatmap, corners, gridWidth: gw, gridHeight: gh });
  }
  ocr(batch: Float32Array, n: number): Promise<OcrOutput> {
    this.ocrBatches.push({ batch: batch.slice(0, n * 32 * 128), n });
    const logits = new Float32Array(n * OCR_T * C);
    for (let i = 0; i < n; i++) {
      const spec = [...(this.texts[i] ?? '')].flatMap((ch) => [ch, '-']);
      while (spec.length < OCR_T) spec.push('-');
      logits.set(logitsOf(frames(spec)), i * OCR_T * C);
    }
    return Promise.resolve({ logits, T: OCR_T, C });
  }
  release(): Promise<void> {
    return Promise.resolve();
  }
}

const options: ReaderOptions = {
  inputWidth: 640,
  inputHeight: 384,
  inputFit: 'area',
  scoreThreshold: 0.3,
  nmsIou: 0.3,
  maxPlates: 8,
  minPlateConfidence: 0.05,
  keepDetectionScore: 0.5,
  topN: 5,
  region: null,
  minPlateHeight: 6,
  ocrViews: 1,
  extraViewsBelow: 1,
};

/** A 1280x720 grey frame, black, with a white plate-sized rectangle at x 400..600, y 200..260. */
function scene(): { width: number; height: number; format: 'gray'; data: Uint8Array } {
  const data = new Uint8Array(1280 * 720);
  for (let y = 200; y < 260; y++) data.fill(255, y * 1280 + 400, y * 1280 + 600);
  return { width: 1280, height: 720, format: 'gray', data };
}

describe('PlateReader.read', () => {
  // The plate centre (500, 230) in the frame is (250, 115) at the detector's scale 0.5: cell
  // (62, 28), whose centre is (250, 114). Corners relative to it, in detector pixels.
  const plate = { col: 62, row: 28, score: 0.9, corners: [-50, -14, 50, -14, 50, 16, -50, 16] };

  it('maps detector corners back to frame pixels and reads the plate', async () => {
    const backend = new HandMadeBackend([plate], ['ABC1D23']);
    const r = await new PlateReader(backend, contract, options).read(scene());
    expect(backend.detectCalls).toEqual([{ width: 640, height: 384 }]);
    expect(r.plates).toHaveLength(1);
    const p = r.plates[0]!;
    expect(p.corners).toEqual([
      [400, 200],
      [600, 200],
      [600, 260],
      [400, 260],
    ]);
    expect(p.box).toEqual({ x: 400, y: 200, w: 200, h: 60 });
    expect(p.text).toBe('ABC1D23');
    expect(p.region).toBe('br');
    expect(p.detectionScore).toBeCloseTo(0.9);
    expect(r.timings.total_ms).toBeGreaterThanOrEqual(r.timings.detect_ms);
  });

  it('runs the coarse pass at 320x192 and lets its large plate replace the cut-off main-pass one', async () => {
    // The coarse pass sees the plate whole: centre (126, 58) at scale 0.25 = (504, 232) in the frame, 416 px wide.
    class TwoScales extends HandMadeBackend {
      coarseCalls = 0;
      override detect(t: Float32Array, width: number, height: number): Promise<DetectorOutput> {
        if (width !== 320) return super.detect(t, width, height);
        this.coarseCalls++;
        return new HandMadeBackend([{ col: 31, row: 14, score: 0.7, corners: [-52, -8, 52, -8, 52, 8, -52, 8] }], []).detect(t, width, height);
      }
    }
    // The main pass finds the plate cut off, 128 px wide at its input (at least 0.75 x largePx triggers the pass).
    const backend = new TwoScales([{ ...plate, corners: [-64, -14, 64, -14, 64, 16, -64, 16] }], ['ABC1D23']);
    const r = await new PlateReader(backend, contract, { ...options, coarsePass: { width: 320, height: 192, largePx: 160 } }).read(scene());
    expect(backend.detectCalls).toEqual([{ width: 640, height: 384 }]);
    expect(r.plates).toHaveLength(1);
    expect(r.plates[0]!.box).toEqual({ x: 296, y: 200, w: 416, h: 64 });
    expect(r.plates[0]!.detectionScore).toBeCloseTo(0.7);
    // A frame whose main pass found only smaller plates (60 and 100 px of its input) skips it; one with nothing found runs it.
    for (const half of [30, 50]) {
      const far = new TwoScales([{ ...plate, corners: [-half, -8, half, -8, half, 8, -half, 8] }], ['ABC1D23']);
      await new PlateReader(far, contract, { ...options, coarsePass: { width: 320, height: 192, largePx: 160 } }).read(scene());
      expect(far.coarseCalls).toBe(0);
    }
    const empty = new TwoScales([], []);
    await new PlateReader(empty, contract, { ...options, coarsePass: { width: 320, height: 192, largePx: 160 } }).read(scene());
    expect(empty.coarseCalls).toBe(1);
    expect(backend.coarseCalls).toBe(1);
  });

  it('feeds the OCR the plate widened by the margins: white plate, dark border', async () => {
    const backend = new HandMadeBackend([plate], ['ABC1D23']);
    await new PlateReader(backend, contract, options).read(scene());
    const { batch, n } = backend.ocrBatches[0]!;
    expect(n).toBe(1);
    // Margins: 4% of the width each side (~5 of 128 columns), 8% of the height (~2 of 32 rows).
    expect(batch[16 * 128 + 64]).toBe(1); // centre: plate
    expect(batch[16 * 128 + 1]).toBe(0); // left margin: outside the plate
    expect(batch[0 * 128 + 64]).toBe(0); // top margin
  });

  it('reads several plates in one OCR batch, and drops overlapping duplicates', async () => {
    const second = { col: 120, row: 60, score: 0.8, corners: [-30, -8, 30, -8, 30, 8, -30, 8] };
    const dup = { ...plate, col: 64, score: 0.5 };
    const backend = new HandMadeBackend([plate, second, dup], ['ABC1D23', 'XYZ9K88']);
    const r = await new PlateReader(backend, contract, options).read(scene());
    expect(backend.ocrBatches[0]!.n).toBe(2);
    expect(r.plates.map((p) => p.text)).toEqual(['ABC1D23', 'XYZ9K88']);
  });

  it('skips detections lower than min_plate_height_px and reads with no OCR call when none is left', async () => {
    const tiny = { col: 62, row: 28, score: 0.9, corners: [-10, -1, 10, -1, 10, 1, -10, 1] };
    const backend = new HandMadeBackend([tiny], ['AB']);
    const r = await new PlateReader(backend, contract, options).read(scene());
    expect(r.plates).toEqual([]);
    expect(backend.ocrBatches).toHaveLength(0);
  });

  it('drops an unsure read of an unsure detection, keeps an unsure read of a sure one', async () => {
    // Two plates whose OCR hesitates over every character: low plate confidence.
    const weak = { ...plate, score: 0.35 };
    const sure = { col: 120, row: 60, score: 0.8, corners: [-30, -8, 30, -8, 30, 8, -30, 8] };
    class Unsure extends HandMadeBackend {
      override ocr(_b: Float32Array, n: number): Promise<OcrOutput> {
        const spec = Array.from({ length: OCR_T }, (_, t) => (t % 2 ? '-' : { A: 0.3, B: 0.3, '8': 0.3 }));
        const logits = new Float32Array(n * OCR_T * C);
        for (let i = 0; i < n; i++) logits.set(logitsOf(frames(spec)), i * OCR_T * C);
        return Promise.resolve({ logits, T: OCR_T, C });
      }
    }
    const r = await new PlateReader(new Unsure([weak, sure], []), contract, { ...options, minPlateConfidence: 0.5 }).read(scene());
    expect(r.plates).toHaveLength(1);
    expect(r.plates[0]!.detectionScore).toBeCloseTo(0.8);
    expect(r.plates[0]!.confidence).toBeLessThan(0.5);
  });

  it('does not report an empty reading', async () => {
    const backend = new HandMadeBackend([plate], ['']);
    expect((await new PlateReader(backend, contract, options).read(scene())).plates).toEqual([]);
  });

  it('sends every view of every plate in one OCR batch when reading several views', async () => {
    const second = { col: 120, row: 60, score: 0.8, corners: [-30, -8, 30, -8, 30, 8, -30, 8] };
    const backend = new HandMadeBackend([plate, second], ['ABC1D23', 'ABC1D23', 'XYZ9K88', 'XYZ9K88']);
    const r = await new PlateReader(backend, contract, { ...options, ocrViews: 2 }).read(scene());
    expect(backend.ocrBatches[0]!.n).toBe(4);
    expect(r.plates.map((p) => p.text)).toEqual(['ABC1D23', 'XYZ9K88']);
    // The second view is wider: the plate's white fills less of the crop.
    const { batch } = backend.ocrBatches[0]!;
    const white = (k: number) => batch.slice(k * 4096 + 16 * 128, k * 4096 + 17 * 128).filter((v) => v > 0.9).length;
    expect(white(1)).toBeLessThan(white(0));
  });

  it('reads the extra views only of the plates whose first view is unsure', async () => {
    const second = { col: 120, row: 60, score: 0.8, corners: [-30, -8, 30, -8, 30, 8, -30, 8] };
    // The second plate reads clearly; the first (and its extra view) is a toss-up between look-alikes.
    class Mixed extends HandMadeBackend {
      override async ocr(b: Float32Array, n: number): Promise<OcrOutput> {
        const out = await super.ocr(b, n);
        const unsure = logitsOf(frames(Array.from({ length: OCR_T }, (_, t) => (t % 2 ? '-' : { A: 0.3, B: 0.3, '8': 0.3 }))));
        const upTo = this.ocrBatches.length === 1 ? 1 : n;
        for (let i = 0; i < upTo; i++) out.logits.set(unsure, i * OCR_T * C);
        // A network sure of a plate is sure in every frame (its best path alone is above 0.98).
        if (this.ocrBatches.length === 1) {
          const sure = [...'XYZ9K88'].flatMap((ch) => [{ [ch]: 0.9995 }, { '-': 0.9995 }]);
          while (sure.length < OCR_T) sure.push({ '-': 0.9995 });
          out.logits.set(logitsOf(frames(sure)), OCR_T * C);
        }
        return out;
      }
    }
    const backend = new Mixed([plate, second], ['', 'XYZ9K88']);
    const r = await new PlateReader(backend, contract, { ...options, ocrViews: 2, extraViewsBelow: 0.98, minPlateConfidence: 0 }).read(scene());
    // One batch with each plate's first view, then one with the unsure plate's second view.
    expect(backend.ocrBatches.map((b) => b.n)).toEqual([2, 1]);
    const byText = new Map(r.plates.map((p) => [p.text, p]));
    expect(byText.get('XYZ9K88')!.confidence).toBeGreaterThanOrEqual(0.98);
    expect(r.plates.filter((p) => p.text !== 'XYZ9K88').every((p) => p.confidence < 0.98)).toBe(true);
    // The extra view is the first plate's wider crop: its white fills less of the crop.
    const white = (batch: Float32Array) => batch.slice(16 * 128, 17 * 128).filter((v) => v > 0.9).length;
    expect(white(backend.ocrBatches[1]!.batch)).toBeLessThan(white(backend.ocrBatches[0]!.batch));
    expect(white(backend.ocrBatches[1]!.batch)).toBeGreaterThan(0);
  });

  it('uses the region and top-N given per call', async () => {
    const backend = new HandMadeBackend([plate], ['ABC1234']);
    const r = await new PlateReader(backend, contract, options).read(scene(), { region: 'us', topN: 1 });
    expect(r.plates[0]!.region).toBe('us');
    expect(r.plates[0]!.candidates).toHaveLength(1);
  });
});

describe('PlateReader.readCrop', () => {
  it('reads the whole image as one plate, without the detector', async () => {
    const backend = new HandMadeBackend([], ['7ABC123']);
    const img = { width: 200, height: 100, format: 'gray' as const, data: new Uint8Array(200 * 100).fill(200) };
    const r = await new PlateReader(backend, contract, options).readCrop(img);
    expect(backend.detectCalls).toHaveLength(0);
    expect(r.plates).toHaveLength(1);
    expect(r.plates[0]).toMatchObject({ text: '7ABC123', box: { x: 0, y: 0, w: 200, h: 100 } });
  });
});
