/**
 * One open vehicle pass on one camera: its votes, its motion, its timing and the single frame
 * kept as evidence. Memory per track is bounded: the vote keeps at most a few dozen distinct
 * texts, the motion a handful of boxes, and only the best frame's pixels are retained.
 */
import type { Frame } from '../camera/frame.js';
import type { PlateRead, SecondOpinion } from '../recognizer/types.js';
import { evidenceBound, evidenceScore, plateSharpness } from './best-frame.js';
import { BoxMotion } from './box-motion.js';
import type { ConfusionTable } from '../plate/confusion-table.js';
import { plateSimilarity } from '../plate/edit-alignment.js';
import { normalisePlate } from '../plate/normalise.js';
import { PlateVote } from './plate-vote.js';

export interface BestFrame {
  frame: Frame;
  read: PlateRead;
  score: number;
}

/** A pass emitted recently: a later track with the same text continues it. */
export interface PassRef {
  readonly cameraId: string;
  readonly id: string;
  text: string;
  lastSeen: number;
}

export class Track {
  readonly vote: PlateVote;
  readonly motion = new BoxMotion();
  firstSeen: number;
  lastSeen: number;
  /** Clock time the last read arrived; the pass ends `leave_timeout_s` after it. */
  lastArrival: number;
  frames = 0;
  best: BestFrame | null = null;
  /** The second reader's output for this vehicle, from its largest crop it ran on; with that crop's box height. */
  private opinion: { frames: NonNullable<PlateRead['secondOpinion']>; h: number } | null = null;
  /** Passes that ended shortly before this one began: the ones this pass may continue (same id, next revision) instead of becoming a new detection. */
  readonly dedupeCandidates: PassRef[];
  private readonly regions = new Map<string, number>();

  constructor(
    readonly seq: number,
    readonly cameraId: string,
    capturedAt: number,
    arrival: number,
    dedupeCandidates: PassRef[],
    /** The configured confusion classes (voting and agreement use the same costs as matching). */
    private readonly table: ConfusionTable,
  ) {
    this.vote = new PlateVote(table);
    this.firstSeen = capturedAt;
    this.lastSeen = capturedAt;
    this.lastArrival = arrival;
    this.dedupeCandidates = dedupeCandidates;
  }

  add(read: PlateRead, frame: Frame, capturedAt: number, arrival: number): void {
    const agreement = this.frames === 0 ? 1 : plateSimilarity(normalisePlate(read.text), this.vote.consensus().text, this.table);
    this.vote.add(read);
    this.motion.observe(capturedAt, read.box);
    this.frames++;
    this.firstSeen = Math.min(this.firstSeen, capturedAt);
    this.lastSeen = Math.max(this.lastSeen, capturedAt);
    this.lastArrival = Math.max(this.lastArrival, arrival);
    if (read.region) this.regions.set(read.region, (this.regions.get(read.region) ?? 0) + read.confidence);
    if (read.secondOpinion && (!this.opinion || read.box.h >= this.opinion.h)) this.opinion = { frames: read.secondOpinion, h: read.box.h };

    const factors = { detectionScore: read.detectionScore, confidence: read.confidence, box: read.box, agreement };
    // Sharpness needs the pixels; skip it when even a perfectly sharp crop could not win.
    if (this.best && evidenceBound(factors) <= this.best.score) return;
    const score = evidenceScore(factors, plateSharpness(frame, read.box));
    if (!this.best || score > this.best.score) this.best = { frame, read, score };
  }

  /**
   * The second opinion this track lends a frame captured at `t`, where its plate is expected:
   * none before the second reader ran on it, nor once the plate has grown to `refreshGrowth`
   * times the height of the crop it ran on (a closer view is worth one more run).
   */
  secondOpinionAt(t: number, refreshGrowth = 2): SecondOpinion | null {
    if (!this.opinion) return null;
    const box = this.motion.predict(t);
    return box.h >= refreshGrowth * this.opinion.h ? null : { box, frames: this.opinion.frames };
  }

  region(): string | null {
    let best: string | null = null;
    let w = 0;
    for (const [r, s] of this.regions) {
      if (s > w) {
        best = r;
        w = s;
      }
    }
    return best;
  }

  /** Bytes of pixels this track keeps alive. */
  retainedBytes(): number {
    return this.best?.frame.data.length ?? 0;
  }
}
