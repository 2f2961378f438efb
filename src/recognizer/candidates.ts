/**
 * From OCR frames to a plate reading: the beam's most probable strings, widened with their
 * format-corrected variants, ranked by  log P(string) + log prior(format fit in region).
 *
 * The region is the hint when given; otherwise each configured region ranks the pool and the
 * one whose best reading is most probable as a plate of that region wins (same plate in several
 * regions reports `null`). A format-corrected reading carries the probability of the raw string
 * it corrects. Confidences are the
 * posterior of each reading under that prior, normalised over the pool plus the probability
 * mass the beam did not reach, so they are comparable across plates and sum to at most 1.
 */
import { ctcBeam, ctcCharConfidences, ctcLogLikelihood, type CtcFrames } from './ctc.js';
import { canonical, coerce, formatFit, formatLogPrior, formatsOfLength, type FormatFit, type Region } from './plate-format.js';
import type { Candidate } from './types.js';

/**
 * Share of a format-violating raw string's probability that its corrections inherit (split among
 * them by their own likelihoods). The rest stays with the raw string: a plate may simply not
 * follow the region's formats. Measured on ocr/val (US + BR, region inferred among us/eu/br):
 * 1.0 read 89.2%, 0.3 read 90.2% (= the region-hinted figure), 0 (corrections scored by their own
 * CTC likelihood only, the old rule) lets a broad region accept the raw misread (JOG922I).
 */
const TRANSFER = 0.3;
/** log prior of a reading by its format fit; ratios matter, not absolute values. */
const PRIOR: Record<FormatFit, number> = { match: 0, plausible: Math.log(0.25), none: Math.log(0.01) };

export interface ReadingOptions {
  charset: string;
  topN: number;
  /** The hinted region; null = choose per plate among `regions`. */
  region: Region | null;
  /** The regions `auto` may choose among (the installation's setting); absent = every region. */
  regions?: readonly Region[];
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
 *
 * Steps: the views' beam strings and their probabilities (`beamStrings`), each region's ranked
 * pool of readings and corrections (`rankRegion`), the region whose best reading is most
 * plausible (`pickRegion`), candidates with normalised confidences (`toReading`).
 */
export function readPlate(views: CtcFrames | readonly CtcFrames[], opts: ReadingOptions): Reading {
  const all = Array.isArray(views) ? (views as readonly CtcFrames[]) : [views as CtcFrames];
  const beam = beamStrings(all, opts);
  const regions = opts.region ? [opts.region] : TIE_ORDER.filter((r) => !opts.regions || opts.regions.includes(r));
  const perRegion = regions.map((region) => rankRegion(region, beam)).filter((r): r is RegionRanking => r !== null);
  if (perRegion.length === 0) return { text: '', confidence: 0, charConfidences: [], candidates: [], region: null };
  const { best, ambiguous } = pickRegion(perRegion);
  return toReading(best, ambiguous, beam.mass, all[0]!, opts);
}

/** The union of the views' beam strings, a memoised P(string) over the views, and the beam's mass. */
interface BeamStrings {
  texts: readonly string[];
  probOf: (text: string) => number;
  /** Probability the beam strings cover (at most 1); the rest is mass the beam did not reach. */
  mass: number;
}

function beamStrings(all: readonly CtcFrames[], opts: ReadingOptions): BeamStrings {
  const width = opts.beamWidth ?? 16;
  const keep = Math.max(opts.topN, 10);
  const likelihood = new Map<string, number>();
  let texts: string[];
  if (all.length === 1) {
    const b = ctcBeam(all[0]!, opts.charset, width, keep);
    for (const x of b) likelihood.set(x.text, x.prob);
    texts = b.map((x) => x.text);
  } else {
    texts = [...new Set(all.flatMap((v) => ctcBeam(v, opts.charset, width, keep).map((b) => b.text)))];
  }
  const probOf = (text: string): number => {
    let p = likelihood.get(text);
    if (p === undefined) {
      p = Math.exp(all.reduce((s, v) => s + ctcLogLikelihood(v, text, opts.charset), 0) / all.length);
      likelihood.set(text, p);
    }
    return p;
  };
  return { texts, probOf, mass: Math.min(1, texts.reduce((s, t) => s + probOf(t), 0)) };
}

/** One region's pool: each beam string in the region's spelling plus its format corrections, ranked by log P + log prior. */
function rankRegion(region: Region, beam: BeamStrings): RegionRanking | null {
  const pool = new Map<string, Entry>();
  const seen = new Set<string>();
  const add = (raw: string, spelled: string, p: number, source: string): void => {
    // Each raw string contributes to a spelling once (a beam string and a correction can be the same).
    const key = `${spelled}|${source}`;
    if (seen.has(key)) return;
    seen.add(key);
    const e = pool.get(spelled);
    if (!e) pool.set(spelled, { text: spelled, prob: p, raw, rawProb: p });
    else {
      e.prob += p;
      if (p > e.rawProb) Object.assign(e, { raw, rawProb: p });
    }
  };
  for (const text of beam.texts) {
    const own = canonical(text, region);
    const p = beam.probOf(text);
    add(text, own, p, text);
    const fit = formatFit(own, region);
    // A raw string that fits one of the region's formats is a reading of its own, not a misread.
    if (fit === 'match') continue;
    const fixes = corrections(text, own, region, beam.probOf);
    if (fit === 'plausible') {
      // US vanity plates are plausible as read: a correction is scored by its own likelihood.
      for (const [fixed, x] of fixes) add(x.raw, fixed, x.lik, x.raw);
      continue;
    }
    // A string no format of the region explains hands a share (TRANSFER) of its probability to
    // its corrections, in proportion to their own likelihoods (a correction that also changes
    // characters the network was sure of gets little): the network saw that string, the format
    // says which look-alike it must have been. Scoring a correction by its own (small) CTC
    // likelihood alone let a broad region that accepts the raw misread win.
    const total = [...fixes.values()].reduce((s, x) => s + x.lik, 0);
    for (const [fixed, x] of fixes) add(x.raw, fixed, Math.max(x.lik, TRANSFER * (total > 0 ? (p * x.lik) / total : p / fixes.size)), text);
  }
  const ranked = [...pool.values()].map((e) => ({ ...e, score: Math.log(e.prob) + PRIOR[formatFit(e.text, region)] })).sort((a, b) => b.score - a.score);
  const first = ranked[0];
  if (!first) return null;
  return { region, ranked, choice: Math.log(first.prob) + formatLogPrior(first.text, region) };
}

/** `text` forced into each same-length format of the region by look-alike swaps: spelling -> its raw string and that string's likelihood. */
function corrections(text: string, own: string, region: Region, probOf: (text: string) => number): Map<string, { raw: string; lik: number }> {
  const fixes = new Map<string, { raw: string; lik: number }>();
  for (const cls of formatsOfLength(region, text.length)) {
    const fixed = coerce(text, cls, region);
    if (fixed === null || fixed === own || fixes.has(fixed)) continue;
    const raw = rawOf(fixed, text, region);
    fixes.set(fixed, { raw, lik: probOf(raw) });
  }
  return fixes;
}

/**
 * Across regions, the best reading of each is weighed by how likely that exact string is on a
 * plate of the region (formatLogPrior): a narrow format that explains a corrected reading beats
 * a broad one that merely accepts the raw string. Regions whose best readings are the same plate
 * (equal up to the US spelling of O as 0) are not told apart: the reading keeps the winner's
 * spelling and reports no region.
 */
function pickRegion(perRegion: readonly RegionRanking[]): { best: RegionRanking; ambiguous: boolean } {
  let best = perRegion[0]!;
  for (const r of perRegion) if (r.choice > best.choice + 1e-9) best = r;
  const same = perRegion.filter(
    (r) => canonical(r.ranked[0]!.text, 'us') === canonical(best.ranked[0]!.text, 'us') && formatFit(r.ranked[0]!.text, r.region) === 'match',
  );
  return { best, ambiguous: same.length > 1 };
}

/** The chosen region's top-N with confidences normalised over its pool plus the mass the beam did not reach. */
function toReading(best: RegionRanking, ambiguous: boolean, beamMass: number, firstView: CtcFrames, opts: ReadingOptions): Reading {
  const { ranked, region } = best;
  const rest = Math.max(0, 1 - beamMass) * Math.exp(PRIOR.none);
  const norm = ranked.reduce((s, e) => s + Math.exp(e.score), 0) + rest;
  const candidates = ranked.slice(0, opts.topN).map((e) => ({ text: e.text, confidence: norm > 0 ? Math.exp(e.score) / norm : 0 }));
  const first = ranked[0]!;
  const fit = formatFit(first.text, region);
  return {
    text: first.text,
    confidence: candidates[0]?.confidence ?? 0,
    charConfidences: ctcCharConfidences(firstView, first.raw, opts.charset),
    candidates,
    // Report a region only when a real format (not just "plausible") decided it, unambiguously.
    region: opts.region ?? (fit === 'match' && !ambiguous ? region : null),
  };
}

interface RegionRanking {
  region: Region;
  ranked: (Entry & { score: number })[];
  /** log P(best reading) + log P(that string | region): compares regions. */
  choice: number;
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
