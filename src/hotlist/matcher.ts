/**
 * Matches a read's candidates against every list in force and ranks the hits: exact beats
 * wildcard beats confusion beats edit distance; list priority (1 = most urgent) breaks ties,
 * then the lower edit cost, then the candidate's confidence. One hit per entry, from its best candidate.
 */
import { normalisePlate } from '../plate/normalise.js';
import { explainMatch, explainWildcard } from './explain.js';
import type { ListIndex, MatchSettings, RawMatch } from './index/list-index.js';
import { MAX_CANDIDATES } from './index/plate-table.js';
import type { HotlistHit, MatchKind } from './types.js';

/** Shown on every special-list hit (sacramento-pd I.1; roseville 426.6.4 (c)). */
export const INFORMATIONAL_NOTICE = 'informational only; not a basis for a stop';

export const KIND_RANK: Record<MatchKind, number> = { exact: 0, wildcard: 1, confusion: 2, edit: 3 };

export interface ReadCandidate {
  text: string;
  confidence: number;
}

export interface MatchLimits {
  /** How many of a read's candidates (best first) are checked. */
  maxCandidates: number;
  maxHits: number;
}

interface Ranked extends RawMatch {
  readText: string;
  confidence: number;
  order: number;
}

export function matchCandidates(
  indexes: readonly ListIndex[],
  candidates: readonly ReadCandidate[],
  state: string | null | undefined,
  now: number,
  settings: MatchSettings,
  limits: MatchLimits,
): HotlistHit[] {
  const texts: string[] = [];
  const confidences: number[] = [];
  for (const c of candidates) {
    if (texts.length >= limits.maxCandidates) break;
    // Candidates from the recognizer are already A–Z 0–9; only other text needs the full fold.
    const text = /^[A-Z0-9]*$/.test(c.text) ? c.text : normalisePlate(c.text);
    if (text === '' || texts.includes(text)) continue;
    texts.push(text);
    confidences.push(c.confidence);
  }
  if (texts.length === 0) return [];
  // Best match per entry of each list version: entry numbers are small integers per index.
  const best: Ranked[] = [];
  const raw: RawMatch[] = [];
  for (const index of indexes) {
    const byEntry = new Map<number, number>();
    for (let from = 0; from < texts.length; from += MAX_CANDIDATES) {
      raw.length = 0;
      index.collectMany(texts.slice(from, from + MAX_CANDIDATES), state, now, settings, raw);
      for (const m of raw) {
        const order = from + m.candidate;
        const r: Ranked = { index: m.index, entry: m.entry, plate: m.plate, kind: m.kind, cost: m.cost, candidate: m.candidate, readText: texts[order]!, confidence: confidences[order]!, order };
        const at = byEntry.get(m.entry);
        if (at === undefined) {
          byEntry.set(m.entry, best.length);
          best.push(r);
        } else if (compare(r, best[at]!) < 0) {
          best[at] = r;
        }
      }
    }
  }
  if (best.length === 0) return [];
  best.sort(compare);
  const hits: HotlistHit[] = [];
  for (let i = 0; i < best.length && i < limits.maxHits; i++) hits.push(toHit(best[i]!, settings.table));
  return hits;
}

function compare(a: Ranked, b: Ranked): number {
  return (
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    a.index.priority(a.entry) - b.index.priority(b.entry) ||
    a.cost - b.cost ||
    b.confidence - a.confidence ||
    a.order - b.order
  );
}

function toHit(r: Ranked, table: MatchSettings['table']): HotlistHit {
  const entry = r.index.entryInfo(r.entry, r.plate);
  return {
    entry,
    generation: r.index.generation,
    kind: r.kind,
    readText: r.readText,
    explanation: r.kind === 'wildcard' ? explainWildcard(r.plate, r.readText, table) : explainMatch(r.plate, r.readText, table).explanation,
    retroactive: false,
    alarm: !entry.informational,
    notice: entry.informational ? INFORMATIONAL_NOTICE : null,
  };
}
