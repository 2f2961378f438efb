/**
 * From OCR frames to a plate reading: the beam's most probable strings, widened with their
 * format-corrected variants, ranked by  log P(string) + log prior(format fit in region).
 *
 * The region is the hint when given; otherwise each region ranks the pool and the one whose
 * best reading scores highest wins (a tie between regions reports `null`). Confidences are the
 * posterior of each reading under that prior, normalised over the pool plus the probability
 * mass the beam did not reach, so they are comparable across plates and sum to at most 1.
 */
import { ctcBeam, ctcCharConfidences, ctcLogLikelihood, type CtcFrames } from './ctc.js';
import { canonical, coerce, formatFit, formatsOfLength, type FormatFit, type Region } from './plate-format.js';
import type { Candidate } from './types.js';

/** log prior of a reading by its format fit; ratios matter, not absolute values. */
const PRIOR: Record<FormatFit, number> = { match: 0, plausible: Math.log(0.25), none: Math.log(0.01) };

export interface ReadingOptions {
  charset: string;
  topN: number;
  region: Region | null;
  beamWidth?: number;
}

export interface Reading {
  text: string;
  confidence: number;
  charConfidences: number[];
  candidates: Candidate[];
  region: Region | null;
}

interface Entry {
  /** Spelling in the region (US: O written as 0). */
  text: string;
  /** Summed probability of every raw string with this spelling. */
  prob: number;
  /** The most probable raw string behind it: per-character confidences come from it. */
  raw: string;
  rawProb: number;
}

/** Every region, in tie order: a tie keeps the spelling that changes least (US rewrites O as 0). */
const TIE_ORDER: readonly Region[] = ['br', 'eu', 'us'];

/**
 * Reads one plate from the OCR output of one or more views of it (the same plate cropped a
 * little differently). With several views, the candidates are the union of each view's beam and
 * a string's probability is the geometric mean of its likelihood in every view: a reading that
 * depends on one lucky crop loses to one every crop agrees on.
 */
export function readPlate(views: CtcFrames | readonly CtcFrames[], opts: ReadingOptions): Reading {
  const all = Array.isArray(views) ? (views as readonly CtcFrames[]) : [views as CtcFrames];
  const f = all[0]!;
  const width = opts.beamWidth ?? 16;
  const keep = Math.max(opts.topN, 10);
  const likelihood = new Map<string, number>();
  let beam: { text: string }[];
  if (all.length === 1) {
    const b = ctcBeam(f, opts.charset, width, keep);
    for (const x of b) likelihood.set(x.text, x.prob);
    beam = b;
  } else {
    const texts = new Set(all.flatMap((v) => ctcBeam(v, opts.charset, width, keep).map((b) => b.text)));
    beam = [...texts].map((text) => ({ text }));
  }
  const probOf = (text: string): number => {
    let p = likelihood.get(text);
    if (p === undefined) {
      p = Math.exp(all.reduce((s, v) => s + ctcLogLikelihood(v, text, opts.charset), 0) / all.length);
      likelihood.set(text, p);
    }
    return p;
  };
  const beamMass = Math.min(1, beam.reduce((s, b) => s + probOf(b.text), 0));
  const regions = opts.region ? [opts.region] : TIE_ORDER;

  let best: { region: Region; ranked: (Entry & { score: number })[]; top: number; tie: boolean } | null = null;
  for (const region of regions) {
    const pool = new Map<string, Entry>();
    const add = (raw: string, spelled: string): void => {
      const p = probOf(raw);
      const e = pool.get(spelled);
      if (!e) pool.set(spelled, { text: spelled, prob: p, raw, rawProb: p });
      else if (e.raw !== raw) {
        e.prob += p;
        if (p > e.rawProb) Object.assign(e, { raw, rawProb: p });
      }
    };
    for (const b of beam) {
      add(b.text, canonical(b.text, region));
      for (const cls of formatsOfLength(region, b.text.length)) {
        const fixed = coerce(b.text, cls, region);
        if (fixed !== null && fixed !== canonical(b.text, region)) add(rawOf(fixed, b.text, region), fixed);
      }
    }
    const ranked = [...pool.values()]
      .map((e) => ({ ...e, score: Math.log(e.prob) + PRIOR[formatFit(e.text, region)] }))
      .sort((a, b) => b.score - a.score);
    const top = ranked[0]?.score ?? -Infinity;
    if (!best || top > best.top + 1e-9) best = { region, ranked, top, tie: false };
    else if (Math.abs(top - best.top) <= 1e-9) best.tie = true;
  }
  if (!best || best.ranked.length === 0) return { text: '', confidence: 0, charConfidences: [], candidates: [], region: null };

  const { ranked, region } = best;
  const rest = Math.max(0, 1 - beamMass) * Math.exp(PRIOR.none);
  const norm = ranked.reduce((s, e) => s + Math.exp(e.score), 0) + rest;
  const candidates = ranked.slice(0, opts.topN).map((e) => ({ text: e.text, confidence: norm > 0 ? Math.exp(e.score) / norm : 0 }));
  const first = ranked[0]!;
  const fit = formatFit(first.text, region);
  return {
    text: first.text,
    confidence: candidates[0]?.confidence ?? 0,
    charConfidences: ctcCharConfidences(f, first.raw, opts.charset),
    candidates,
    // Report a region only when a real format (not just "plausible") decided it, unambiguously.
    region: opts.region ?? (fit === 'match' && !best.tie ? region : null),
  };
}

/**
 * The raw string a US spelling came from, so its likelihood is the model's: for US the
 * canonical text has 0 where the beam may have read O; keep the beam's character there.
 */
function rawOf(fixed: string, beamText: string, region: Region): string {
  if (region !== 'us') return fixed;
  let out = '';
  for (let i = 0; i < fixed.length; i++) out += fixed[i] === '0' && beamText[i] === 'O' ? 'O' : fixed[i]!;
  return out;
}
