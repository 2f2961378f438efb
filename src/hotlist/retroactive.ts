/**
 * Retroactive matching: when a list version gains entries, reads from the last hours are checked
 * against the entries that are new in it, so a plate put on the list at 10:00 is found in a read
 * from 09:15. Only new entries raise hits (an entry already in the previous version was matched
 * when the read was made). Yields to the event loop every few reads so live matching goes on.
 */
import type { ListIndex, MatchSettings } from './index/list-index.js';
import { matchCandidates, type MatchLimits, type ReadCandidate } from './matcher.js';
import type { HotlistHit } from './types.js';

export interface RecentRead {
  detectionId: string;
  candidates: ReadCandidate[];
  cameraId: string;
  at: number;
}

export type RecentReads = (sinceMs: number) => Iterable<RecentRead>;
export type RetroactiveHitSink = (detectionId: string, hits: HotlistHit[]) => void;

export interface RetroactiveResult {
  reads: number;
  hits: number;
  /** Sink failures (logged by the caller); matching went on. */
  errors: unknown[];
}

const YIELD_EVERY = 200;

export async function matchRetroactively(
  next: ListIndex,
  previous: ListIndex | null,
  reads: Iterable<RecentRead>,
  now: () => number,
  settings: MatchSettings,
  limits: MatchLimits,
  sink: RetroactiveHitSink,
): Promise<RetroactiveResult> {
  const result: RetroactiveResult = { reads: 0, hits: 0, errors: [] };
  for (const read of reads) {
    if (++result.reads % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
    const hits = matchCandidates([next], read.candidates, null, now(), settings, limits)
      .filter((h) => previous === null || !previous.has(h.entry.plate, h.entry.state, h.entry.list))
      .map((h) => ({ ...h, retroactive: true }));
    if (hits.length === 0) continue;
    result.hits += hits.length;
    try {
      sink(read.detectionId, hits);
    } catch (err) {
      result.errors.push(err);
    }
  }
  return result;
}
