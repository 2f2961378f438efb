/**
 * The recognition pipeline for one frame, independent of threads and of onnxruntime:
 *
 *   raw frame ─letterbox─▶ detector ─peaks, NMS─▶ quads (frame px)
 *       │                                           │ expand by margins
 *       └───────────── perspective warp ◀───────────┘
 *                           │ [N,1,32,128]
 *                          OCR ─CTC beam + formats─▶ PlateRead[]
 */
import type { InferenceBackend } from './backend.js';
import { readPlate } from './candidates.js';
import type { ModelContract } from './contract.js';
import { ctcCharConfidences, ctcFrames, ctcLogLikelihood, type CtcFrames } from './ctc.js';
import { boxIou, decodePeaks, mergeCoarse, quadBox, suppressOverlaps, toFramePixels, type Quad, type QuadDetection } from './detect-decode.js';
import { letterbox, nativeInputSize, shrinkLetterbox, type RawImage } from './letterbox.js';
import { formatFit, type Region } from './plate-format.js';
import { cropColour, foldFrames, foldText, fuseCandidates, loadFoldMap, SECOND_READER_HEIGHT, secondReaderWidth, type SecondReaderFiles } from './second-reader.js';
import type { Box, PlateRead, SecondOpinion } from './types.js';
import { cropPlateViews, expandQuad, wholeImageQuad, type WarpTarget } from './warp.js';

/** When and how the second reader (PP-OCRv4) re-scores an unsure plate's candidates. */
export interface SecondReaderOptions {
  files: SecondReaderFiles;
  /** Runs on plates whose confidence is below this. */
  threshold: number;
  /** Weight of its log-likelihood against ours. */
  weight: number;
  /** Our best this-many candidates are re-scored. */
  candidates: number;
  /** At most this many plates per frame (the least confident first). */
  maxPerFrame: number;
  /** Input width bounds (px at 48 px high). */
  minWidth: number;
  maxWidth: number;
}

/**
 * How much each OCR view widens the plate quad on either side (fraction of its width); view 0
 * is the quad as detected. A second view 3% wider read 83.3% instead of 81.7% of ocr/val exactly
 * (86.1% -> 87.8% on ocr/train) for twice the OCR time (~0.9 ms per view on one core).
 */
const VIEW_WIDENING = [0, 0.03, -0.02];

export interface ReaderOptions {
  /** Detector input size; multiples of 32. */
  inputWidth: number;
  inputHeight: number;
  /** `area`: follow each frame's aspect within the same pixel budget; `fixed`: always inputWidth x inputHeight. */
  inputFit: 'area' | 'fixed';
  scoreThreshold: number;
  /** Box IoU above which the weaker of two overlapping quads is dropped. */
  nmsIou: number;
  maxPlates: number;
  /** Reads whose plate confidence is below this are not reported... */
  minPlateConfidence: number;
  /** ...unless the detector scored the plate at least this. */
  keepDetectionScore: number;
  topN: number;
  /** The hinted region; null = auto, chosen per plate among `regions`. */
  region: Region | null;
  /** The installation's regions (`auto` chooses among them); absent = every region. */
  regions?: readonly Region[];
  /** Plates smaller than this (box height, frame px) are not read. */
  minPlateHeight: number;
  /** Crops of each plate read by the OCR and combined (1..3). */
  ocrViews: number;
  /** The views after the first are read only for plates whose first view's confidence is below this; 1 or more: always. */
  extraViewsBelow: number;
  /** The second reader; null = off. */
  secondReader?: SecondReaderOptions | null;
  /** A second, coarse detector pass over the whole frame for large plates; null = off. */
  coarsePass?: { width: number; height: number; largePx: number } | null;
  /** Frames up to this many times the input's pixel budget are read at their own size, not shrunk (0 = off). */
  nativeSlack?: number;
}

export interface StageTimings {
  preprocess_ms: number;
  detect_ms: number;
  warp_ms: number;
  ocr_ms: number;
  /** Second reader (crop, network, re-scoring); also counted in ocr_ms. */
  second_ms: number;
  total_ms: number;
}

export interface ReaderResult {
  plates: PlateRead[];
  timings: StageTimings;
  /** Plates the second reader re-scored by running its network. */
  secondReads: number;
  /** Plates re-scored with a second opinion their track already held (no network run). */
  secondReused: number;
}

/** A plate takes a track's second opinion when its box overlaps the box the track is expected at by this much. */
export const OPINION_IOU = 0.3;

/**
 * The opinion (index into `opinions`, not in `used`) whose box overlaps `box` most, at least
 * `OPINION_IOU`; -1 when none does.
 */
export function matchOpinion(box: Box, opinions: readonly SecondOpinion[], used: ReadonlySet<number>): number {
  let best = -1;
  let bestIou = OPINION_IOU;
  opinions.forEach((o, k) => {
    if (used.has(k)) return;
    const iou = boxIou(box, o.box);
    if (iou >= bestIou) {
      best = k;
      bestIou = iou;
    }
  });
  return best;
}

/**
 * The coarse pass runs when a main-pass plate is at least this fraction of `largePx` wide at the
 * main pass's input (0.75 x 160 = 120 px; 80 px before). Its plates only replace main-pass ones
 * above `largePx`, and a plate the main pass cuts off still shows wider than 120 px: eval
 * detect/val, zoom 0.6, 0.4 and 0.3 read the same with either (96.0% / 99.1% / 98.0% / 98.2%
 * found, IoU > 0.7 and FP per image equal but detect/val's 0.946 against 0.948), while 720p
 * frames of plates 160-240 px wide (the bench fixture's 206 px) no longer pay for the pass.
 */
const COARSE_TRIGGER = 0.75;

const now = (): number => performance.now();

export class PlateReader {
  private detTensor: Float32Array | undefined;
  private coarseTensor: Float32Array | undefined;
  private fold: Int16Array | undefined;

  constructor(
    private readonly backend: InferenceBackend,
    private readonly contract: ModelContract,
    private readonly opts: ReaderOptions,
  ) {}

  get options(): Readonly<ReaderOptions> {
    return this.opts;
  }

  /**
   * Finds and reads every plate in a frame. `opinions`, for a video frame whose reads go to the
   * tracker: the second opinions the vehicles' tracks (and spots the second reader found no text
   * at) already hold; a plate matching one is re-scored with it instead of running the second
   * reader's network. Absent for a still photo.
   */
  async read(img: RawImage, override: Partial<Pick<ReaderOptions, 'region' | 'topN'>> = {}, opinions?: readonly SecondOpinion[]): Promise<ReaderResult> {
    const t0 = now();
    const d = this.contract.detector;
    const { w: iw, h: ih } = nativeInputSize(img.width, img.height, this.opts.inputWidth, this.opts.inputHeight, this.opts.inputFit, this.opts.nativeSlack ?? 0);
    const lb = letterbox(img, iw, ih, d.padValue, this.detTensor);
    this.detTensor = lb.tensor;
    const t1 = now();
    let dets = await this.detectAt(lb.tensor, iw, ih, lb.scaleX, lb.scaleY);
    const cp = this.opts.coarsePass;
    // The coarse pass only sees something new when it shrinks the frame well below the main pass,
    // and runs only when the main pass found nothing or a plate at least COARSE_TRIGGER of the
    // size it hands over (a cut-off large plate is still found as a wide one): frames of smaller
    // plates skip it.
    if (cp && Math.min(cp.width / img.width, cp.height / img.height) < 0.75 * lb.scaleX && (dets.length === 0 || dets.some((q) => quadBox(q.quad).w * lb.scaleX >= cp.largePx * COARSE_TRIGGER))) {
      // From the main pass's tensor when the sizes nest (720p, 1080p): no second pass over the frame.
      const clb = shrinkLetterbox(lb, iw, img.width, img.height, cp.width, cp.height, d.padValue, this.coarseTensor) ?? letterbox(img, cp.width, cp.height, d.padValue, this.coarseTensor);
      this.coarseTensor = clb.tensor;
      const coarse = await this.detectAt(clb.tensor, cp.width, cp.height, clb.scaleX, clb.scaleY);
      dets = mergeCoarse(dets, coarse, lb.scaleX, cp.largePx, this.opts.nmsIou);
    }
    const quads = suppressOverlaps(dets, this.opts.nmsIou, 0.8, this.opts.maxPlates).filter((q) => quadBox(q.quad, img.width, img.height).h >= this.opts.minPlateHeight);
    const t2 = now();
    // A plate the detector is sure of stays even when its read is unsure: it is still a plate
    // (the tracker may read it better in the next frame), where an unsure read of an unsure
    // detection is mostly a false positive. Decided on our own reader's confidence, before the
    // second reader re-scores (which also runs only on the plates kept).
    const read = await this.readQuads(img, quads, override, (p) => p.text.length > 0 && (p.confidence >= this.opts.minPlateConfidence || p.detectionScore >= this.opts.keepDetectionScore), opinions);
    const plates = read.plates;
    return {
      plates,
      timings: {
        preprocess_ms: t1 - t0,
        detect_ms: t2 - t1,
        warp_ms: read.warp_ms,
        ocr_ms: read.ocr_ms,
        second_ms: read.second_ms,
        total_ms: now() - t0,
      },
      secondReads: read.secondReads,
      secondReused: read.secondReused,
    };
  }

  /** Detector peaks of one letterboxed input, in frame pixels. */
  private async detectAt(tensor: Float32Array, w: number, h: number, scaleX: number, scaleY: number): Promise<QuadDetection[]> {
    const d = this.contract.detector;
    const out = await this.backend.detect(tensor, w, h);
    const peaks = decodePeaks(
      { heatmap: out.heatmap, corners: out.corners, width: out.gridWidth, height: out.gridHeight },
      { threshold: this.opts.scoreThreshold, kernel: d.nmsKernel, stride: d.stride, cornerScale: d.cornerScale },
    );
    return peaks.map((p) => toFramePixels(p, scaleX, scaleY));
  }

  /**
   * Runs the second reader once on a blank crop, when it is loaded: its session's first run
   * allocates and picks kernels (tens of ms), better paid before the first frame.
   */
  async warmUpSecondReader(): Promise<void> {
    const sr = this.opts.secondReader;
    if (!sr || !this.backend.second) return;
    const width = sr.minWidth;
    await this.backend.second(new Float32Array(3 * SECOND_READER_HEIGHT * width), 1, width);
  }

  /** Reads a whole image as one plate crop (its corners are the quad; margins as in training). */
  async readCrop(img: RawImage, override: Partial<Pick<ReaderOptions, 'region' | 'topN'>> = {}): Promise<ReaderResult> {
    const t0 = now();
    const read = await this.readQuads(img, [{ score: 1, quad: wholeImageQuad(img.width, img.height) }], override);
    return { plates: read.plates, timings: { preprocess_ms: 0, detect_ms: 0, warp_ms: read.warp_ms, ocr_ms: read.ocr_ms, second_ms: read.second_ms, total_ms: now() - t0 }, secondReads: read.secondReads, secondReused: read.secondReused };
  }

  /** Reads the plate inside `quad` (frame pixels; margins as in training), e.g. a box from elsewhere. */
  async readQuad(img: RawImage, quad: Quad, override: Partial<Pick<ReaderOptions, 'region' | 'topN'>> = {}): Promise<ReaderResult> {
    const t0 = now();
    const read = await this.readQuads(img, [{ score: 1, quad }], override);
    return { plates: read.plates, timings: { preprocess_ms: 0, detect_ms: 0, warp_ms: read.warp_ms, ocr_ms: read.ocr_ms, second_ms: read.second_ms, total_ms: now() - t0 }, secondReads: read.secondReads, secondReused: read.secondReused };
  }

  private async readQuads(
    img: RawImage,
    quads: QuadDetection[],
    override: Partial<Pick<ReaderOptions, 'region' | 'topN'>>,
    keep: (p: PlateRead) => boolean = () => true,
    opinions?: readonly SecondOpinion[],
  ): Promise<{ plates: PlateRead[]; warp_ms: number; ocr_ms: number; second_ms: number; secondReads: number; secondReused: number }> {
    if (quads.length === 0) return { plates: [], warp_ms: 0, ocr_ms: 0, second_ms: 0, secondReads: 0, secondReused: 0 };
    const o = this.contract.ocr;
    const slot = o.inputHeight * o.inputWidth;
    const views = Math.max(1, Math.min(this.opts.ocrViews, VIEW_WIDENING.length));
    const target = (tensor: Float32Array, k: number): WarpTarget => ({ tensor, offset: k * slot, width: o.inputWidth, height: o.inputHeight });
    const viewQuads = (q: Quad, from: number): Quad[] => Array.from({ length: views - from }, (_, v) => (v + from === 0 ? q : expandQuad(q, VIEW_WIDENING[v + from]!, 0)));
    const readOpts = { charset: o.charset, topN: override.topN ?? this.opts.topN, region: override.region ?? this.opts.region, regions: this.opts.regions };
    // Every plate's first view (as detected); the other views only for the plates that view
    // leaves unsure (below extraViewsBelow), all of them when extraViewsBelow is 1 or more.
    const allViews = this.opts.extraViewsBelow >= 1;
    const first = allViews ? views : 1;
    const batch = new Float32Array(quads.length * first * slot);
    const t0 = now();
    const kept: QuadDetection[] = [];
    for (const q of quads) {
      try {
        cropPlateViews(img, viewQuads(q.quad, 0).slice(0, first), o.marginX, o.marginY, Array.from({ length: first }, (_, v) => target(batch, kept.length * first + v)));
        kept.push(q);
      } catch {
        // A degenerate quad (corners on one line) has no plate to read; skip it.
        continue;
      }
    }
    const firstWarpMs = now() - t0;
    let extraWarpMs = 0;
    if (kept.length === 0) return { plates: [], warp_ms: firstWarpMs, ocr_ms: 0, second_ms: 0, secondReads: 0, secondReused: 0 };
    const t1 = now();
    const out = await this.backend.ocr(batch, kept.length * first);
    const frames: CtcFrames[][] = kept.map((_, i) => Array.from({ length: first }, (_, v) => ctcFrames(out.logits, (i * first + v) * out.T * out.C, out.T, out.C)));
    // A plate whose first view's best CTC path is already below the threshold cannot be sure
    // enough to skip the other views: it goes straight to them, read once with every view (unsure
    // plates are mostly clutter, whose candidate ranking costs the most). The others are read on
    // their first view, and the extra views follow when that reading is unsure after all.
    const straight = allViews || views === 1 ? [] : frames.map((f) => bestPathProbability(f[0]!) < this.opts.extraViewsBelow);
    const reads = frames.map((f, i) => (straight[i] ? null : readPlate(f, readOpts)));
    if (!allViews && views > 1) {
      const unsure = reads.map((r, i) => (r === null || r.confidence < this.opts.extraViewsBelow ? i : -1)).filter((i) => i >= 0);
      if (unsure.length > 0) {
        const extra = views - 1;
        const t2 = now();
        const more = new Float32Array(unsure.length * extra * slot);
        unsure.forEach((i, k) => cropPlateViews(img, viewQuads(kept[i]!.quad, 1), o.marginX, o.marginY, Array.from({ length: extra }, (_, v) => target(more, k * extra + v))));
        extraWarpMs = now() - t2;
        const out2 = await this.backend.ocr(more, unsure.length * extra);
        unsure.forEach((i, k) => {
          for (let v = 0; v < extra; v++) frames[i]!.push(ctcFrames(out2.logits, (k * extra + v) * out2.T * out2.C, out2.T, out2.C));
          reads[i] = readPlate(frames[i]!, readOpts);
        });
      }
    }
    const firstViews: CtcFrames[] = frames.map((f) => f[0]!);
    const plates: PlateRead[] = kept.map((q, i) => {
      const r = reads[i] ?? readPlate(frames[i]!, readOpts);
      return {
        text: r.text,
        confidence: r.confidence,
        charConfidences: r.charConfidences,
        candidates: r.candidates,
        box: quadBox(q.quad, img.width, img.height),
        corners: q.quad.map(([x, y]) => [x, y]) as Quad,
        detectionScore: q.score,
        region: r.region,
      };
    });
    const keptIdx = plates.map((p, i) => (keep(p) ? i : -1)).filter((i) => i >= 0);
    const reported = keptIdx.map((i) => plates[i]!);
    const t2 = now();
    const second = await this.secondOpinion(
      img,
      keptIdx.map((i) => kept[i]!),
      reported,
      keptIdx.map((i) => firstViews[i]!),
      opinions,
    );
    const t3 = now();
    return { plates: reported, warp_ms: firstWarpMs + extraWarpMs, ocr_ms: t3 - t1 - extraWarpMs, second_ms: second.ran + second.reused > 0 ? t3 - t2 : 0, secondReads: second.ran, secondReused: second.reused };
  }

  /**
   * Re-scores the candidates of the plates below the threshold, in place, least confident first:
   * a plate matching one of `opinions` (its track's, from earlier frames) with that opinion; the
   * others with the network, at most maxPerFrame of them, each keeping the network's folded output
   * on the read (`secondOpinion`) for its track. In video (`opinions` given) a plate whose own
   * read is below minPlateConfidence (kept only for its detection score) does not run the
   * network: on the demo clip those were most runs, each on clutter seen in one frame, and the
   * tracker's confidence gates already keep such reads from becoming detections; a real plate is
   * read better in a later frame. Returns how many plates ran the network and how many reused an
   * opinion.
   */
  private async secondOpinion(img: RawImage, quads: QuadDetection[], plates: PlateRead[], ours: CtcFrames[], opinions: readonly SecondOpinion[] | undefined): Promise<{ ran: number; reused: number }> {
    const sr = this.opts.secondReader;
    if (!sr || !this.backend.second) return { ran: 0, reused: 0 };
    const unsure = plates
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => p.confidence < sr.threshold && p.candidates.length > 1)
      .sort((a, b) => a.p.confidence - b.p.confidence);
    const o = this.contract.ocr;
    const used = new Set<number>();
    let ran = 0;
    for (const { p, i } of unsure) {
      const k = opinions ? matchOpinion(p.box, opinions, used) : -1;
      let frames: CtcFrames;
      if (k >= 0) {
        used.add(k);
        frames = opinions![k]!.frames;
      } else if (ran < sr.maxPerFrame && (!opinions || p.confidence >= this.opts.minPlateConfidence)) {
        const quad = quads[i]!.quad;
        const width = secondReaderWidth(expandQuad(quad, o.marginX, o.marginY), sr.minWidth, sr.maxWidth);
        const tensor = new Float32Array(3 * SECOND_READER_HEIGHT * width);
        cropColour(img, quad, o.marginX, o.marginY, tensor, 0, width, width);
        const out = await this.backend.second(tensor, 1, width);
        this.fold ??= loadFoldMap(sr.files.dictionary, o.charset, out.C);
        frames = foldFrames(out.probs, 0, out.T, out.C, this.fold, o.charset.length + 1);
        p.secondOpinion = frames;
        ran++;
      } else {
        continue;
      }
      const n = Math.min(sr.candidates, p.candidates.length);
      const head = p.candidates.slice(0, n);
      const fused = fuseCandidates(
        head,
        head.map((c) => ctcLogLikelihood(frames, foldText(c.text), o.charset)),
        sr.weight,
      );
      p.candidates = [...fused, ...p.candidates.slice(n)];
      const best = fused[0]!;
      if (best.text !== p.text) {
        p.text = best.text;
        p.charConfidences = ctcCharConfidences(ours[i]!, best.text, o.charset);
        if (p.region && formatFit(best.text, p.region as Region) !== 'match') p.region = null;
      }
      p.confidence = best.confidence;
    }
    return { ran, reused: used.size };
  }
}

/** The probability of the most probable CTC path (each frame's most probable class): a lower bound of the best string's probability. */
function bestPathProbability(f: CtcFrames): number {
  let p = 1;
  for (let t = 0; t < f.T; t++) {
    let best = 0;
    for (let c = 0; c < f.C; c++) best = Math.max(best, f.probs[t * f.C + c]!);
    p *= best;
  }
  return p;
}
