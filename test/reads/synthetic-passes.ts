/**
 * Synthetic vehicle passes for the tracker's tests and its benchmark: frames with a plate box
 * that moves and grows (or shrinks) at a constant rate, and reads whose text is corrupted the
 * way OCR fails (look-alike swaps, other substitutions, dropped and extra characters), from a
 * seeded generator so every run sees the same sequences.
 */
import type { Frame } from '../../src/camera/frame.js';
import type { Box, FrameReads, PlateRead } from '../../src/recognizer/types.js';
import { seededRandom } from '../helpers/random.js';

export { seededRandom };

export const FRAME_W = 320;
export const FRAME_H = 240;


const LOOK_ALIKE: Record<string, string> = { '0': 'O', O: '0', D: '0', Q: 'O', '1': 'I', I: '1', L: '1', '2': 'Z', Z: '2', '5': 'S', S: '5', '6': 'G', G: '6', '8': 'B', B: '8' };
const ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';

export function randomPlate(rng: () => number, length = 7): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(rng() * ALPHABET.length)]!;
  return s;
}

export type Misread = 'swap' | 'substitute' | 'drop' | 'extra';

/** Applies one OCR failure at `pos`; returns the text and which characters are doubtful. */
export function corrupt(text: string, kind: Misread, pos: number, rng: () => number): { text: string; doubtful: Set<number> } {
  const p = Math.min(pos, text.length - 1);
  const ch = text[p]!;
  switch (kind) {
    case 'swap': {
      const alt = LOOK_ALIKE[ch];
      if (alt) return { text: text.slice(0, p) + alt + text.slice(p + 1), doubtful: new Set([p]) };
      return corrupt(text, 'substitute', p, rng);
    }
    case 'substitute': {
      let alt = ch;
      while (alt === ch) alt = ALPHABET[Math.floor(rng() * ALPHABET.length)]!;
      return { text: text.slice(0, p) + alt + text.slice(p + 1), doubtful: new Set([p]) };
    }
    case 'drop':
      return { text: text.slice(0, p) + text.slice(p + 1), doubtful: new Set() };
    case 'extra': {
      const extra = ALPHABET[Math.floor(rng() * ALPHABET.length)]!;
      return { text: text.slice(0, p) + extra + text.slice(p), doubtful: new Set([p]) };
    }
  }
}

export interface ReadOptions {
  /** Per-character confidence of trusted characters (default 0.93). */
  charConf?: number;
  /** Per-character confidence of doubtful characters (default 0.6). */
  doubtfulConf?: number;
  doubtful?: Set<number>;
  detectionScore?: number;
  region?: string | null;
  candidates?: { text: string; confidence: number }[];
}

export function makeRead(text: string, box: Box, o: ReadOptions = {}): PlateRead {
  const charConfidences = [...text].map((_, i) => (o.doubtful?.has(i) ? (o.doubtfulConf ?? 0.6) : (o.charConf ?? 0.93)));
  const confidence = charConfidences.reduce((p, c) => p * c, 1);
  return {
    text,
    confidence,
    charConfidences,
    candidates: o.candidates ?? [{ text, confidence }],
    box,
    corners: null,
    detectionScore: o.detectionScore ?? 0.9,
    region: o.region === undefined ? 'us' : o.region,
  };
}

/** A grey frame with a bright plate rectangle and dark character strokes inside the box. */
export function makeFrame(cameraId: string, seq: number, capturedAt: number, plates: readonly Box[] = [], blur = false): Frame {
  const data = Buffer.alloc(FRAME_W * FRAME_H, 60);
  for (const b of plates) {
    for (let y = Math.max(0, Math.floor(b.y)); y < Math.min(FRAME_H, b.y + b.h); y++) {
      for (let x = Math.max(0, Math.floor(b.x)); x < Math.min(FRAME_W, b.x + b.w); x++) {
        const stroke = !blur && (x - Math.floor(b.x)) % 6 < 2;
        data[y * FRAME_W + x] = stroke ? 20 : blur ? 150 : 230;
      }
    }
  }
  return { cameraId, seq, capturedAt, width: FRAME_W, height: FRAME_H, format: 'gray', data };
}

export function frameReads(frame: Frame, plates: PlateRead[]): FrameReads {
  return {
    cameraId: frame.cameraId,
    seq: frame.seq,
    capturedAt: frame.capturedAt,
    width: frame.width,
    height: frame.height,
    plates,
    timings: { detect_ms: 0, ocr_ms: 0, total_ms: 0 },
  };
}

export interface PassSpec {
  text: string;
  frames: number;
  /** Frame of the sequence in which the plate first appears (default 0). */
  startFrame?: number;
  /** Box in the first frame. */
  box: Box;
  /** Per-frame motion of the box centre (px) and relative size change (0.08 = grows 8 %). */
  dx?: number;
  dy?: number;
  growth?: number;
  /** Frame index → failure to apply in that frame. */
  misreads?: Record<number, { kind: Misread; pos: number }>;
  charConf?: number;
}

/** Box of the pass at frame `i`. */
export function boxAt(spec: PassSpec, i: number): Box {
  const scale = (1 + (spec.growth ?? 0)) ** i;
  const cx = spec.box.x + spec.box.w / 2 + (spec.dx ?? 0) * i;
  const cy = spec.box.y + spec.box.h / 2 + (spec.dy ?? 0) * i;
  const w = spec.box.w * scale;
  const h = spec.box.h * scale;
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}

/** The read of the pass at frame `i`, with its misread applied. */
export function readAt(spec: PassSpec, i: number, rng: () => number = seededRandom(i)): PlateRead {
  const m = spec.misreads?.[i];
  const { text, doubtful } = m ? corrupt(spec.text, m.kind, m.pos, rng) : { text: spec.text, doubtful: new Set<number>() };
  return makeRead(text, boxAt(spec, i), { doubtful, ...(spec.charConf !== undefined ? { charConf: spec.charConf } : {}) });
}

const KINDS: Misread[] = ['swap', 'swap', 'swap', 'drop', 'extra', 'substitute'];

/** A misread that repeats through a pass (a dirty or bent character), read with undiminished confidence. */
export interface SystematicMisread {
  text: string;
  doubtful: Set<number>;
  /** Share of the pass's misreads that are this one. */
  share: number;
}

/**
 * One read of `truth`, misread with probability `misreadRate` (kinds weighted like the
 * recognition notes' failure list: look-alike swaps most, then wrong length, then other
 * substitutions); confidences are noisy and only partly lower on the wrong character, as real
 * OCR's are. With `systematic`, that share of the misreads is the same confident error.
 */
export function noisyRead(rng: () => number, truth: string, misreadRate: number, systematic?: SystematicMisread): { text: string; conf: number[] } {
  let text = truth;
  let doubtful = new Set<number>();
  let doubtfulConf = 0.55;
  if (rng() < misreadRate) {
    if (systematic && rng() < systematic.share) {
      ({ text, doubtful } = systematic);
      doubtfulConf = 0.8;
    } else {
      ({ text, doubtful } = corrupt(truth, KINDS[Math.floor(rng() * KINDS.length)]!, Math.floor(rng() * truth.length), rng));
    }
  }
  const conf = [...text].map((_, i) => Math.min(0.999, Math.max(0.05, (doubtful.has(i) ? doubtfulConf : 0.88) + (rng() - 0.5) * 0.3)));
  return { text, conf };
}

/** A seeded random pass of `frames` reads for the simulation; `systematicShare` > 0 adds a repeating misread. */
export function randomPass(
  rng: () => number,
  frames: number,
  misreadRate: number,
  systematicShare = 0,
): { truth: string; reads: { text: string; conf: number[] }[] } {
  const truth = randomPlate(rng, 6 + Math.floor(rng() * 2));
  const systematic = systematicShare > 0 ? { ...corrupt(truth, rng() < 0.7 ? 'swap' : 'substitute', Math.floor(rng() * truth.length), rng), share: systematicShare } : undefined;
  const reads = Array.from({ length: frames }, () => noisyRead(rng, truth, misreadRate, systematic));
  return { truth, reads };
}
