/**
 * The alerts told lately, kept in memory so that the alert policy still holds for hits whose
 * detection could not be stored (a full disk, issue 17 item 3), where the store cannot be asked:
 * - the same detection and entry again (a revised pass) updates its alert ("revised");
 * - another pass of a plate on an entry whose alert was raised within the seen-again window
 *   updates that alert ("seen again") instead of alarming (no floods).
 * Both stored and unstored alerts are remembered, so an unstored pass folds into a stored alert
 * raised this run too. What memory cannot know: verifications (a hit handled within the window
 * keeps the stored rule's window open; here only the passes do), and alerts raised before a
 * restart. Bounded: at most MAX entries of each kind, oldest forgotten first. Pure.
 */
const MAX = 1000;

export type RecentDecision = { change: 'new' } | { change: 'revised'; alertId: number } | { change: 'seen_again'; alertId: number; count: number };

interface Remembered {
  alertId: number;
  detectionId: string;
  lastAt: number;
  seenAgain: number;
}

/** Wildcard entries fold per read (like the store's rule); other entries per entry. */
export function entryKey(entryId: string, kind: string, readText: string): string {
  return kind === 'wildcard' ? `${entryId}\u0000${readText}` : entryId;
}

export class RecentAlerts {
  private readonly byEntry = new Map<string, Remembered>();
  private readonly byDetection = new Map<string, number>();

  /** `windowMs` 0: no seen-again folding. */
  constructor(private readonly windowMs: number) {}

  /** Remembers an alert told (new, revised or seen again) for one pass. */
  note(a: { alertId: number; detectionId: string; entryId: string; key: string; at: number; seenAgain: number }): void {
    touch(this.byDetection, `${a.detectionId}\u0000${a.entryId}`, a.alertId);
    const prev = this.byEntry.get(a.key);
    // A revision of the same pass keeps the chain; another pass moves it on.
    const seenAgain = prev?.alertId === a.alertId ? Math.max(prev.seenAgain, a.seenAgain) : a.seenAgain;
    touch(this.byEntry, a.key, { alertId: a.alertId, detectionId: a.detectionId, lastAt: Math.max(a.at, prev?.alertId === a.alertId ? prev.lastAt : 0), seenAgain });
  }

  /** How a hit of `detectionId` on this entry is told, by the same rules as a stored one. */
  decide(detectionId: string, entryId: string, key: string, now: number): RecentDecision {
    const same = this.byDetection.get(`${detectionId}\u0000${entryId}`);
    if (same !== undefined) return { change: 'revised', alertId: same };
    if (this.windowMs <= 0) return { change: 'new' };
    const open = this.byEntry.get(key);
    if (open && open.detectionId !== detectionId && open.lastAt >= now - this.windowMs) return { change: 'seen_again', alertId: open.alertId, count: open.seenAgain + 1 };
    return { change: 'new' };
  }
}

function touch<V>(m: Map<string, V>, k: string, v: V): void {
  m.delete(k);
  m.set(k, v);
  if (m.size > MAX) m.delete(m.keys().next().value!);
}
