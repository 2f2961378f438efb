/**
 * Has the camera been moved or re-aimed? Compares the scene's *stable* edges with those of the
 * reference view. An edge counts as stable when it is present in at least half of the edge maps
 * of a time window: passing traffic, headlights and shadows of moving things come and go and drop
 * out, while the kerb, lane lines, poles and buildings stay. Edges are thresholded by the frame's
 * own gradient distribution (picture-stats.ts), so a gain change keeps them. The score is the
 * share of reference edges found again within one pixel: near 1 for the same view, near the
 * random-overlap level once the view has shifted or rotated by a few degrees.
 *
 *   edge map (1/s) ─▶ EdgeFrequency (running share per pixel) ─▶ stable mask ─┐
 *   reference: stable mask of the reference window ─────────────────────────────┴▶ recall, best shift
 */

/** Share of edge maps a pixel must be an edge in to count as a stable edge. */
export const STABLE_SHARE = 0.5;

/** Per-pixel share of recent edge maps in which the pixel was an edge (exponential window). */
export class EdgeFrequency {
  readonly freq: Float32Array;
  samples = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    /** Window in samples: the weight of a new map is 1/window once the window has filled. */
    private readonly window: number,
  ) {
    this.freq = new Float32Array(width * height);
  }

  add(edges: Uint8Array): void {
    this.samples++;
    // Plain mean while filling (every early sample counts the same), exponential after.
    const a = 1 / Math.min(this.samples, this.window);
    const f = this.freq;
    for (let i = 0; i < f.length; i++) f[i] = f[i]! + a * (edges[i]! - f[i]!);
  }

  reset(): void {
    this.freq.fill(0);
    this.samples = 0;
  }

  /** Stable-edge mask into `out`; returns how many pixels are set. */
  stable(out: Uint8Array): number {
    let n = 0;
    const f = this.freq;
    for (let i = 0; i < f.length; i++) {
      const s = f[i]! >= STABLE_SHARE ? 1 : 0;
      out[i] = s;
      n += s;
    }
    return n;
  }
}

export interface AlignmentResult {
  /** Share of reference edges present (within one pixel) in the current view at zero shift, 0..1. */
  score: number;
  /** The shift (grid pixels) that best aligns the current view with the reference, and its score. */
  bestDx: number;
  bestDy: number;
  bestScore: number;
}

/**
 * Recall of the reference's stable edges in the current stable edges, at zero shift (with a
 * one-pixel tolerance: compression and re-focusing move edges by a fraction of a grid cell) and
 * at the best shift within ±maxShift (reported so that the message can say which way it moved),
 * searched only when the zero-shift score is below `searchBelow`.
 */
export function alignment(ref: Uint8Array, cur: Uint8Array, width: number, height: number, maxShift: number, searchBelow = 1): AlignmentResult {
  const refIdx: number[] = [];
  for (let i = 0; i < ref.length; i++) if (ref[i]) refIdx.push(i);
  if (refIdx.length === 0) return { score: 0, bestDx: 0, bestDy: 0, bestScore: 0 };
  const near = (x: number, y: number): boolean => {
    if (x < 0 || y < 0 || x >= width || y >= height) return false;
    const i = y * width + x;
    return cur[i] === 1 || (x > 0 && cur[i - 1] === 1) || (x + 1 < width && cur[i + 1] === 1) || (y > 0 && cur[i - width] === 1) || (y + 1 < height && cur[i + width] === 1);
  };
  const recall = (dx: number, dy: number): number => {
    let hit = 0;
    for (const i of refIdx) {
      const x = i % width;
      const y = (i - x) / width;
      if (near(x + dx, y + dy)) hit++;
    }
    return hit / refIdx.length;
  };
  const score = recall(0, 0);
  let bestDx = 0;
  let bestDy = 0;
  let bestScore = score;
  // The shift search only explains a poor match; a good one needs none (it is ~90 recalls).
  if (score >= searchBelow) return { score, bestDx, bestDy, bestScore };
  // Coarse search on every other shift, then the neighbours of the best: ~1/4 of a full search.
  for (let dy = -maxShift; dy <= maxShift; dy += 2) {
    for (let dx = -maxShift; dx <= maxShift; dx += 2) {
      const s = recall(dx, dy);
      if (s > bestScore) [bestDx, bestDy, bestScore] = [dx, dy, s];
    }
  }
  const [cx, cy] = [bestDx, bestDy];
  for (let dy = cy - 1; dy <= cy + 1; dy++) {
    for (let dx = cx - 1; dx <= cx + 1; dx++) {
      const s = recall(dx, dy);
      if (s > bestScore) [bestDx, bestDy, bestScore] = [dx, dy, s];
    }
  }
  return { score, bestDx, bestDy, bestScore };
}

/** Packs a 0/1 mask into bits (for storage). */
export function packMask(mask: Uint8Array): Buffer {
  const out = Buffer.alloc(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

export function unpackMask(bits: Buffer, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (bits[i >> 3]! >> (i & 7)) & 1;
  return out;
}
