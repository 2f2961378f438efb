/**
 * Which open pass each read of a frame belongs to. A pair's score is half geometry (overlap
 * with, or distance from, the box the pass's motion predicts) and half text similarity; pairs
 * outside the gates never match.
 *
 * Assignment is greedy best-first, not Hungarian. Per camera and frame the matrix is tiny
 * (a few reads × a few passes) and, after gating, almost never contested. When it is — two
 * plates close together — text similarity separates the pairs sharply, and taking the most
 * confident pair first is what identity wants; Hungarian minimises the total cost and may
 * give up the one certain pair to make two doubtful ones slightly better.
 */
import type { Box } from '../recognizer/types.js';
import { iou } from './box-motion.js';
import { ConfusionTable } from '../plate/confusion-table.js';
import { plateSimilarity } from '../plate/edit-alignment.js';

export interface AssociationConfig {
  min_match_score: number;
  min_text_similarity: number;
  max_jump_widths: number;
}

/** Above this, both a read's and a pass's text are trusted enough to veto a match. */
export const CONFIDENT = 0.8;

export interface ReadSide {
  text: string;
  confidence: number;
  box: Box;
}

export interface TrackSide {
  text: string;
  confidence: number;
  /** Box predicted at the read's capture time. */
  predicted: Box;
  /** False while the pass has a single observation: the gate is then twice as wide. */
  hasVelocity: boolean;
}

/** Score 0..1 of a read joining a pass, or null when a gate rules it out. */
export function matchScore(read: ReadSide, track: TrackSide, cfg: AssociationConfig, table: ConfusionTable = ConfusionTable.DEFAULT): number | null {
  const p = track.predicted;
  const gate = cfg.max_jump_widths * (track.hasVelocity ? 1 : 2);
  const dx = read.box.x + read.box.w / 2 - (p.x + p.w / 2);
  const dy = read.box.y + read.box.h / 2 - (p.y + p.h / 2);
  const dist = Math.hypot(dx, dy) / Math.max(1, p.w);
  if (dist > gate) return null;
  const sizeRatio = Math.sqrt((read.box.w * read.box.h) / Math.max(1, p.w * p.h));
  if (sizeRatio > 2 || sizeRatio < 0.5) return null;

  const text = plateSimilarity(read.text, track.text, table);
  if (read.confidence >= CONFIDENT && track.confidence >= CONFIDENT && text < cfg.min_text_similarity) return null;

  const sigma = gate / 3;
  const closeness = Math.exp(-((dist / sigma) ** 2) / 2) * Math.min(sizeRatio, 1 / sizeRatio);
  const geometry = Math.max(iou(read.box, p), closeness);
  const score = 0.5 * geometry + 0.5 * text;
  return score >= cfg.min_match_score ? score : null;
}

export interface Pair {
  read: number;
  track: number;
  score: number;
}

/** Greedy best-first: highest score first, each read and each pass used at most once. */
export function assignGreedy(pairs: readonly Pair[]): Pair[] {
  const sorted = [...pairs].sort((a, b) => b.score - a.score || a.read - b.read || a.track - b.track);
  const usedReads = new Set<number>();
  const usedTracks = new Set<number>();
  const out: Pair[] = [];
  for (const p of sorted) {
    if (usedReads.has(p.read) || usedTracks.has(p.track)) continue;
    usedReads.add(p.read);
    usedTracks.add(p.track);
    out.push(p);
  }
  return out;
}
