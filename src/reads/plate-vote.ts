/**
 * Consensus text of one vehicle pass: every read votes per character position, weighted by its
 * per-character confidence. Reads of a different length are aligned to the consensus with the
 * OCR-aware edit alignment, so a dropped character votes "gap" for one position and keeps its
 * votes for the others, and an extra character votes for an insertion between two positions.
 *
 * Reads with the same text are kept as one group (count and per-character confidence sums), so
 * the state stays small however long the pass: at most `MAX_GROUPS` distinct texts.
 */
import type { Candidate } from '../recognizer/types.js';
import { ConfusionTable } from '../plate/confusion-table.js';
import { editAlignment } from '../plate/edit-alignment.js';
import { normalisePlate } from '../plate/normalise.js';

/** The parts of a `PlateRead` that vote. */
export interface VoteInput {
  text: string;
  confidence: number;
  charConfidences: readonly number[];
  candidates: readonly Candidate[];
}

export interface Consensus {
  text: string;
  /** Product of the per-position confidences: 0..1. */
  confidence: number;
  charConfidences: number[];
}

interface TextGroup {
  text: string;
  reads: number;
  /** Sum over the group's reads of each character's confidence. */
  charConfSums: number[];
}

/** Distinct texts kept per pass; the lightest group goes first (a pass rarely has more than 10). */
const MAX_GROUPS = 24;
/** Distinct candidate texts kept per pass for the merged top-N. */
const MAX_POOL = 64;
/** Re-alignment rounds; consensus text is a fixed point after one or two on real sequences. */
const MAX_ROUNDS = 4;

interface Tally {
  /** Per reference position: character → summed confidence. */
  votes: Map<string, number>[];
  /** Per reference position: weight of reads that have no character there. */
  gaps: number[];
  /** Per slot 0..n (before position i; n = at the end): extra characters → weight. */
  extras: Map<string, number>[];
  /** Per slot: weight of reads that have nothing extra there. */
  noExtra: number[];
  /** Per reference position: groups that agree with the reference character (for certainty). */
  agree: { reads: number; meanConf: number }[][];
}

export class PlateVote {
  private readonly groups = new Map<string, TextGroup>();
  private readonly pool = new Map<string, number>();
  private reads = 0;
  private cached: Consensus | undefined;

  /** `table`: the configured confusion classes, which make a confusion the cheapest misalignment. */
  constructor(private readonly table: ConfusionTable = ConfusionTable.DEFAULT) {}

  get readCount(): number {
    return this.reads;
  }

  add(read: VoteInput): void {
    const text = normalisePlate(read.text);
    if (text.length === 0) return;
    const charConfs =
      read.charConfidences.length === text.length ? read.charConfidences : Array<number>(text.length).fill(read.confidence);
    let g = this.groups.get(text);
    if (!g) {
      this.trimGroups(MAX_GROUPS - 1);
      g = { text, reads: 0, charConfSums: Array<number>(text.length).fill(0) };
      this.groups.set(text, g);
    }
    g.reads++;
    for (let i = 0; i < text.length; i++) g.charConfSums[i]! += clamp01(charConfs[i]!);
    const candidates = read.candidates.length > 0 ? read.candidates : [{ text, confidence: read.confidence }];
    for (const c of candidates) {
      const t = normalisePlate(c.text);
      if (t) this.pool.set(t, (this.pool.get(t) ?? 0) + clamp01(c.confidence));
    }
    this.trimPool();
    this.reads++;
    this.cached = undefined;
  }

  /** Adds another pass's votes (a plate that re-appeared within the de-duplication window). */
  merge(other: PlateVote): void {
    for (const g of other.groups.values()) {
      const mine = this.groups.get(g.text);
      if (mine) {
        mine.reads += g.reads;
        g.charConfSums.forEach((s, i) => (mine.charConfSums[i]! += s));
      } else {
        this.groups.set(g.text, { text: g.text, reads: g.reads, charConfSums: [...g.charConfSums] });
      }
    }
    for (const [t, s] of other.pool) this.pool.set(t, (this.pool.get(t) ?? 0) + s);
    this.trimGroups(MAX_GROUPS);
    this.trimPool();
    this.reads += other.reads;
    this.cached = undefined;
  }

  consensus(): Consensus {
    this.cached ??= this.compute();
    return this.cached;
  }

  /** Consensus first, then the pass's other texts by mean confidence over all its reads. */
  candidates(topN: number): Candidate[] {
    const best = this.consensus();
    const out: Candidate[] = best.text ? [{ text: best.text, confidence: round3(best.confidence) }] : [];
    const others = [...this.pool]
      .filter(([t]) => t !== best.text)
      .map(([text, sum]) => ({ text, confidence: round3(sum / Math.max(1, this.reads)) }))
      .sort((a, b) => b.confidence - a.confidence || a.text.localeCompare(b.text));
    for (const c of others) {
      if (out.length >= topN) break;
      out.push(c);
    }
    return out;
  }

  private compute(): Consensus {
    if (this.groups.size === 0) return { text: '', confidence: 0, charConfidences: [] };
    let ref = this.heaviestGroup().text;
    let tally = this.tally(ref);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const next = decide(ref, tally);
      if (next === ref || next.length === 0) break;
      ref = next;
      tally = this.tally(ref);
    }
    const charConfidences = [...ref].map((ch, i) => {
      const votes = tally.votes[i]!;
      let cast = tally.gaps[i]!;
      for (const v of votes.values()) cast += v;
      const support = cast > 0 ? (votes.get(ch) ?? 0) / cast : 0;
      // Chance that at least one agreeing read is right, treating reads as independent.
      let allWrong = 1;
      for (const a of tally.agree[i]!) allWrong *= (1 - a.meanConf) ** a.reads;
      return round3(support * (1 - allWrong));
    });
    const confidence = charConfidences.reduce((p, c) => p * c, 1);
    return { text: ref, confidence: round3(confidence), charConfidences };
  }

  private tally(ref: string): Tally {
    const n = ref.length;
    const t: Tally = {
      votes: Array.from({ length: n }, () => new Map<string, number>()),
      gaps: Array<number>(n).fill(0),
      extras: Array.from({ length: n + 1 }, () => new Map<string, number>()),
      noExtra: Array<number>(n + 1).fill(0),
      agree: Array.from({ length: n }, () => []),
    };
    for (const g of this.groups.values()) {
      const meanConf = g.charConfSums.reduce((a, b) => a + b, 0) / (g.reads * g.text.length);
      const extrasAt = new Map<number, { chars: string; weight: number }>();
      for (const step of editAlignment(ref, g.text, this.table).steps) {
        switch (step.op) {
          case 'match': {
            const ch = g.text[step.readIndex]!;
            const votes = t.votes[step.refIndex]!;
            votes.set(ch, (votes.get(ch) ?? 0) + g.charConfSums[step.readIndex]!);
            if (ch === ref[step.refIndex]) t.agree[step.refIndex]!.push({ reads: g.reads, meanConf: g.charConfSums[step.readIndex]! / g.reads });
            break;
          }
          case 'gap':
            t.gaps[step.refIndex]! += g.reads * meanConf;
            break;
          case 'extra': {
            const e = extrasAt.get(step.beforeRef) ?? { chars: '', weight: 0 };
            e.chars += g.text[step.readIndex]!;
            e.weight += g.charConfSums[step.readIndex]!;
            extrasAt.set(step.beforeRef, e);
            break;
          }
        }
      }
      for (let s = 0; s <= n; s++) {
        const e = extrasAt.get(s);
        if (e) {
          const m = t.extras[s]!;
          m.set(e.chars, (m.get(e.chars) ?? 0) + e.weight / e.chars.length);
        } else {
          t.noExtra[s]! += g.reads * meanConf;
        }
      }
    }
    return t;
  }

  private heaviestGroup(): TextGroup {
    let best: TextGroup | undefined;
    let bestW = -1;
    for (const g of this.groups.values()) {
      const w = g.charConfSums.reduce((a, b) => a + b, 0) / g.text.length;
      if (w > bestW || (w === bestW && best !== undefined && g.text.length > best.text.length)) {
        best = g;
        bestW = w;
      }
    }
    return best!;
  }

  /** Drops the groups with the fewest reads until at most `keep` remain. */
  private trimGroups(keep: number): void {
    while (this.groups.size > keep) {
      let lightest: TextGroup | undefined;
      for (const g of this.groups.values()) if (!lightest || g.reads < lightest.reads) lightest = g;
      this.groups.delete(lightest!.text);
    }
  }

  private trimPool(): void {
    if (this.pool.size <= MAX_POOL) return;
    const keep = [...this.pool].sort((a, b) => b[1] - a[1]).slice(0, MAX_POOL);
    this.pool.clear();
    for (const [t, s] of keep) this.pool.set(t, s);
  }
}

/** Next reference text from a tally: per position the heaviest character, or nothing when the
 *  reads that skip the position outweigh it; per slot the heaviest extra run, when it outweighs
 *  the reads that have nothing there. */
function decide(ref: string, t: Tally): string {
  let out = '';
  for (let s = 0; s <= ref.length; s++) {
    let bestExtra = '';
    let bestW = 0;
    for (const [chars, w] of t.extras[s]!) {
      if (w > bestW) {
        bestExtra = chars;
        bestW = w;
      }
    }
    if (bestW > t.noExtra[s]!) out += bestExtra;
    if (s === ref.length) break;
    let winner = ref[s]!;
    let winnerW = -1;
    for (const [ch, w] of t.votes[s]!) {
      if (w > winnerW || (w === winnerW && ch === ref[s])) {
        winner = ch;
        winnerW = w;
      }
    }
    if (winnerW >= t.gaps[s]!) out += winner;
  }
  return out;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
