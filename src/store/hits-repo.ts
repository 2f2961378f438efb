/**
 * Hot-list hits and their verification. A hit is not probable cause: the officer visually
 * confirms the characters and the outcome is recorded with who and when (sacramento-da III.D;
 * sacramento-pd D.4). Once recorded, an outcome is not overwritten.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { HotlistEntryInfo, HotlistHit, MatchKind } from '../hotlist/types.js';
import type { Clock } from '../shared/clock.js';
import type { OutboxRepo } from './outbox-repo.js';

export type HitOutcome = 'confirmed' | 'misread' | 'not_vehicle';

/** What came of a confirmed hit; several may be recorded, in order (issue 15). */
export type HitFollowUp = 'dispatch_confirmed' | 'stop_made' | 'vehicle_recovered' | 'arrest' | 'no_action';

/**
 * One line of a hit's history: its verification or an outcome after it. Kept in `hit_history`,
 * which has no foreign key to the hit: purging the detection leaves it, like the audit log.
 */
export interface HitHistoryEntry {
  id: number;
  hitId: number;
  detectionId: string;
  entryId: string;
  kind: 'verification' | 'outcome';
  value: HitOutcome | HitFollowUp;
  note: string | null;
  recordedBy: string;
  recordedAt: number;
}

export interface HitRecord {
  id: number;
  detectionId: string;
  entry: HotlistEntryInfo;
  generation: string;
  /** How the read matched the entry (exact, wildcard, confusion, edit). */
  kind: MatchKind;
  /** Which candidate text matched. */
  readText: string;
  explanation: string;
  informational: boolean;
  retroactive: boolean;
  createdAt: number;
  outcome: HitOutcome | null;
  verifiedBy: string | null;
  verifiedAt: number | null;
  note: string | null;
}

interface HitRow {
  id: number;
  detection_id: string;
  entry: string;
  generation: string;
  kind: MatchKind;
  read_text: string;
  explanation: string;
  informational: number;
  retroactive: number;
  created_at: number;
  outcome: HitOutcome | null;
  verified_by: string | null;
  verified_at: number | null;
  note: string | null;
}

const SELECT = 'SELECT h.*, d.id AS detection_id FROM hits h JOIN detections d ON d.n = h.detection_n';

/** Hits (with a list entry) are uploaded ahead of plain reads. */
export const HIT_PRIORITY = 1;

function toRecord(r: HitRow): HitRecord {
  return {
    id: r.id,
    detectionId: r.detection_id,
    entry: JSON.parse(r.entry) as HotlistEntryInfo,
    generation: r.generation,
    kind: r.kind,
    readText: r.read_text,
    explanation: r.explanation,
    informational: r.informational !== 0,
    retroactive: r.retroactive !== 0,
    createdAt: r.created_at,
    outcome: r.outcome,
    verifiedBy: r.verified_by,
    verifiedAt: r.verified_at,
    note: r.note,
  };
}

export class HitsRepo {
  private readonly insertStmt: Statement;
  private readonly existsStmt: Statement<[number, string, string, string], { id: number }>;
  private readonly getStmt: Statement<[number], HitRow>;
  private readonly byDetectionStmt: Statement<[number], HitRow>;
  private readonly manyStmt: Statement<[string], HitRow & { detection_n: number }>;
  private readonly verifyStmt: Statement;
  private readonly detectionStmt: Statement<[string], { n: number }>;
  private readonly countStmt: Statement<[number]>;
  private readonly historyInsertStmt: Statement;
  private readonly historyStmt: Statement<[number], { id: number; hit_id: number; detection_id: string; entry_id: string; kind: 'verification' | 'outcome'; value: HitOutcome | HitFollowUp; note: string | null; recorded_by: string; recorded_at: number }>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly outbox: OutboxRepo,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO hits (detection_n, entry_id, entry, generation, kind, read_text, explanation, informational, retroactive, created_at)
       VALUES (@n, @entryId, @entry, @generation, @kind, @readText, @explanation, @informational, @retroactive, @now)`,
    );
    this.existsStmt = db.prepare('SELECT id FROM hits WHERE detection_n = ? AND entry_id = ? AND generation = ? AND read_text = ?');
    this.getStmt = db.prepare(`${SELECT} WHERE h.id = ?`);
    this.byDetectionStmt = db.prepare(`${SELECT} WHERE h.detection_n = ? ORDER BY h.id`);
    this.manyStmt = db.prepare(`${SELECT} WHERE h.detection_n IN (SELECT value FROM json_each(?)) ORDER BY h.id`);
    this.verifyStmt = db.prepare(
      'UPDATE hits SET outcome = @outcome, verified_by = @user, verified_at = @at, note = @note WHERE id = @id AND outcome IS NULL',
    );
    this.detectionStmt = db.prepare('SELECT n FROM detections WHERE id = ?');
    this.countStmt = db.prepare('UPDATE detections SET hit_count = (SELECT count(*) FROM hits WHERE detection_n = n) WHERE n = ?');
    this.historyInsertStmt = db.prepare(
      `INSERT INTO hit_history (hit_id, detection_id, entry_id, kind, value, note, recorded_by, recorded_at)
       SELECT h.id, d.id, h.entry_id, @kind, @value, @note, @user, @at FROM hits h JOIN detections d ON d.n = h.detection_n WHERE h.id = @id`,
    );
    this.historyStmt = db.prepare('SELECT * FROM hit_history WHERE hit_id = ? ORDER BY id');
  }

  /**
   * Stores the hits of a detection (inside the caller's transaction). A hit already stored for
   * the same entry, list generation and read (a re-emitted revision) is not stored twice.
   */
  insertFor(detectionN: number, hits: readonly HotlistHit[], retroactive = false): number[] {
    const ids: number[] = [];
    const now = this.clock.now();
    for (const h of hits) {
      const existing = this.existsStmt.get(detectionN, h.entry.id, h.generation, h.readText);
      if (existing) {
        ids.push(existing.id);
        continue;
      }
      const r = this.insertStmt.run({
        n: detectionN,
        entryId: h.entry.id,
        entry: JSON.stringify(h.entry),
        generation: h.generation,
        kind: h.kind,
        readText: h.readText,
        explanation: h.explanation,
        informational: h.entry.informational ? 1 : 0,
        retroactive: retroactive || h.retroactive ? 1 : 0,
        now,
      });
      ids.push(Number(r.lastInsertRowid));
    }
    if (hits.length > 0) this.countStmt.run(detectionN);
    return ids;
  }

  /** Newest first. */
  list(q: { since?: number; unverifiedOnly?: boolean; limit?: number }): HitRecord[] {
    const where: string[] = [];
    const params: Record<string, number> = { limit: Math.min(Math.max(q.limit ?? 100, 1), 10_000) };
    if (q.since !== undefined) {
      where.push('h.created_at >= @since');
      params.since = q.since;
    }
    if (q.unverifiedOnly) where.push('h.outcome IS NULL');
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY h.id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as HitRow[]).map(toRecord);
  }

  get(id: number): HitRecord | null {
    const r = this.getStmt.get(id);
    return r ? toRecord(r) : null;
  }

  forDetection(detectionN: number): HitRecord[] {
    return this.byDetectionStmt.all(detectionN).map(toRecord);
  }

  /** Hits of several detections in one query, by detection row number. */
  forDetections(detectionNs: readonly number[]): Map<number, HitRecord[]> {
    const out = new Map<number, HitRecord[]>();
    if (detectionNs.length === 0) return out;
    for (const r of this.manyStmt.all(JSON.stringify(detectionNs))) {
      const list = out.get(r.detection_n) ?? [];
      list.push(toRecord(r));
      out.set(r.detection_n, list);
    }
    return out;
  }

  /** Records the outcome once; false when there is no such hit or it was already verified. */
  verify(id: number, v: { outcome: HitOutcome; user: string; note: string | null; at: number }): boolean {
    return this.db.transaction((): boolean => {
      const changed = this.verifyStmt.run({ id, outcome: v.outcome, user: v.user, at: v.at, note: v.note }).changes > 0;
      if (changed) {
        this.outbox.enqueue('hit', id, HIT_PRIORITY);
        this.historyInsertStmt.run({ id, kind: 'verification', value: v.outcome, note: v.note, user: v.user, at: v.at });
      }
      return changed;
    })();
  }

  /**
   * Records what came of a confirmed hit. Returns 'not_found' for no such hit (or one whose
   * detection is gone), 'not_confirmed' unless its verification was `confirmed`.
   */
  annotate(id: number, v: { outcome: HitFollowUp; user: string; note: string | null; at: number }): HitHistoryEntry | 'not_found' | 'not_confirmed' {
    return this.db.transaction((): HitHistoryEntry | 'not_found' | 'not_confirmed' => {
      const hit = this.get(id);
      if (!hit) return 'not_found';
      if (hit.outcome !== 'confirmed') return 'not_confirmed';
      this.historyInsertStmt.run({ id, kind: 'outcome', value: v.outcome, note: v.note, user: v.user, at: v.at });
      return this.history(id).at(-1)!;
    })();
  }

  /** A hit's verification and outcomes, oldest first; still there after the detection is purged. */
  history(id: number): HitHistoryEntry[] {
    return this.historyStmt.all(id).map((r) => ({
      id: r.id,
      hitId: r.hit_id,
      detectionId: r.detection_id,
      entryId: r.entry_id,
      kind: r.kind,
      value: r.value,
      note: r.note,
      recordedBy: r.recorded_by,
      recordedAt: r.recorded_at,
    }));
  }

  /** Hits found later by matching an older read against a newer list; queued for upload. */
  addRetroactive(detectionId: string, hits: HotlistHit[]): HitRecord[] {
    return this.db.transaction((): HitRecord[] => {
      const d = this.detectionStmt.get(detectionId);
      if (!d) return [];
      const ids = this.insertFor(d.n, hits, true);
      for (const id of ids) this.outbox.enqueue('hit', id, HIT_PRIORITY);
      return ids.map((id) => this.get(id)!);
    })();
  }
}
