/**
 * Which frame of a pass is kept as evidence. The officer must confirm the characters visually
 * before acting on a hit (sacramento-pd 525.08 D.4; santa-clara "ALPR Operation"), so the kept
 * frame is the one whose crop is most legible: a confident detection and read, a large plate,
 * sharp edges, and a text that agrees with the pass's consensus.
 */
import type { Frame } from '../camera/frame.js';
import type { Box } from '../recognizer/types.js';

/** Plate height (px) from which size no longer adds legibility. */
const LEGIBLE_HEIGHT_PX = 40;
/** Mean absolute luma gradient (0..255 per pixel step) of a crisp plate crop. */
const CRISP_GRADIENT = 24;
/** Pixels sampled for sharpness: a sparse grid, enough to rank the frames of one pass. */
const SHARPNESS_SAMPLES = 1024;

export interface EvidenceFactors {
  detectionScore: number;
  confidence: number;
  box: Box;
  /** Similarity 0..1 of this read's text to the pass's consensus so far. */
  agreement: number;
}

/** Score without sharpness: an upper bound of `evidenceScore`, to skip the pixel work. */
export function evidenceBound(f: EvidenceFactors): number {
  const size = 0.5 + 0.5 * Math.min(1, f.box.h / LEGIBLE_HEIGHT_PX);
  return f.detectionScore * f.confidence * (0.5 + 0.5 * f.agreement) * size;
}

export function evidenceScore(f: EvidenceFactors, sharpness: number): number {
  return evidenceBound(f) * (0.5 + 0.5 * Math.min(1, sharpness / CRISP_GRADIENT));
}

/**
 * Mean absolute horizontal + vertical luma step inside the box, on a sparse grid: motion blur
 * and defocus lower it, crisp character edges raise it.
 */
export function plateSharpness(frame: Frame, box: Box): number {
  const channels = frame.format === 'rgb24' ? 3 : 1;
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(frame.width - 1, Math.ceil(box.x + box.w)) - 1;
  const y1 = Math.min(frame.height - 1, Math.ceil(box.y + box.h)) - 1;
  if (x1 <= x0 || y1 <= y0 || frame.data.length < frame.width * frame.height * channels) return 0;
  const area = (x1 - x0) * (y1 - y0);
  const step = Math.max(1, Math.floor(Math.sqrt(area / SHARPNESS_SAMPLES)));
  const rowStride = frame.width * channels;
  const d = frame.data;
  const luma = (i: number): number => (channels === 1 ? d[i]! : (d[i]! * 77 + d[i + 1]! * 150 + d[i + 2]! * 29) >> 8);
  let sum = 0;
  let n = 0;
  for (let y = y0; y < y1; y += step) {
    for (let x = x0; x < x1; x += step) {
      const i = y * rowStride + x * channels;
      const v = luma(i);
      sum += Math.abs(luma(i + channels) - v) + Math.abs(luma(i + rowStride) - v);
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}
