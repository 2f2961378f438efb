/**
 * How each stored hit was presented to the operator station: a new alert, a revision of one, a
 * "seen again" pass folded into an earlier alert, or part of a grouped retroactive notice. The
 * hit's id is the event stream's id, so a page that reconnects gets every hit it missed, told
 * the way it was told live (no second alarm for a pass folded into an alert). A row goes with its
 * hit (foreign key), so it is kept exactly as long as the detection.
 */
import type { Database, Statement } from 'better-sqlite3';

export type AlertChange = 'new' | 'revised' | 'seen_again' | 'retroactive';
export type AlertPresentation = 'alarm' | 'amber' | 'informational';
export type AlertStage = 'first_read' | 'pass_end';

export interface HitAlertRow {
  hitId: number;
  /** The hit that opened the alert (itself for a new one). */
  alertId: number;
  change: AlertChange;
  presentation: AlertPresentation;
  stage: AlertStage;
  at: number;
}

/** An earlier alert a new pass of the same plate on the same entry folds into. */
export interface OpenAlert {
  alertId: number;
  /** Passes already folded into it. */
  seenAgain: number;
}

interface Row {
  hit_id: number;
  alert_id: number;
  change: AlertChange;
  presentation: AlertPresentation;
  stage: AlertStage;
  at: number;
}

const toRow = (r: Row): HitAlertRow => ({ hitId: r.hit_id, alertId: r.alert_id, change: r.change, presentation: r.presentation, stage: r.stage, at: r.at });

export class HitAlertsRepo {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<[number], Row>;
  private readonly openStmt: Statement<{ entryId: string; readText: string; since: number; detectionN: number }, { alert_id: number }>;
  private readonly countStmt: Statement<[number], { n: number }>;
  private readonly countUpToStmt: Statement<[number, number], { n: number }>;
  private readonly afterStmt: Statement<[number, number], { id: number; hit_id: number | null; alert_id: number | null; change: AlertChange | null; presentation: AlertPresentation | null; stage: AlertStage | null; at: number | null }>;
  private readonly lastStmt: Statement<[], { id: number | null }>;
  private readonly detectionNStmt: Statement<[number], { detection_n: number }>;
  private readonly sameDetectionStmt: Statement<[number, string, number], { alert_id: number }>;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      'INSERT OR IGNORE INTO hit_alerts (hit_id, alert_id, change, presentation, stage, at) VALUES (@hitId, @alertId, @change, @presentation, @stage, @at)',
    );
    this.getStmt = db.prepare('SELECT * FROM hit_alerts WHERE hit_id = ?');
    // The newest alert on this entry (and, for a wildcard entry, this read) whose hit was raised or
    // handled within the window, on another detection. Retroactive notices are not alerts to fold into.
    this.openStmt = db.prepare(
      `SELECT a.alert_id FROM hits h JOIN hit_alerts a ON a.hit_id = h.id
        WHERE h.entry_id = @entryId AND (h.kind != 'wildcard' OR h.read_text = @readText)
          AND a.change != 'retroactive' AND h.detection_n != @detectionN
          AND max(h.created_at, coalesce(h.verified_at, 0)) >= @since
        ORDER BY h.id DESC LIMIT 1`,
    );
    this.countStmt = db.prepare("SELECT count(*) AS n FROM hit_alerts WHERE alert_id = ? AND change = 'seen_again'");
    this.countUpToStmt = db.prepare("SELECT count(*) AS n FROM hit_alerts WHERE alert_id = ? AND change = 'seen_again' AND hit_id <= ?");
    this.afterStmt = db.prepare(
      'SELECT h.id, a.hit_id, a.alert_id, a.change, a.presentation, a.stage, a.at FROM hits h LEFT JOIN hit_alerts a ON a.hit_id = h.id WHERE h.id > ? ORDER BY h.id LIMIT ?',
    );
    // The AUTOINCREMENT high-water mark: ids are never reused, even after hits are purged.
    this.lastStmt = db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'hits'), (SELECT max(id) FROM hits), 0) AS id");
    this.detectionNStmt = db.prepare('SELECT detection_n FROM hits WHERE id = ?');
    this.sameDetectionStmt = db.prepare(
      'SELECT a.alert_id FROM hits h JOIN hit_alerts a ON a.hit_id = h.id WHERE h.detection_n = ? AND h.entry_id = ? AND h.id != ? ORDER BY h.id LIMIT 1',
    );
  }

  /** Records how a hit was told; the first record of a hit stands. */
  record(a: HitAlertRow): void {
    this.insertStmt.run(a);
  }

  get(hitId: number): HitAlertRow | null {
    const r = this.getStmt.get(hitId);
    return r ? toRow(r) : null;
  }

  /** The alert a new hit of `hitId`'s detection folds into, if an earlier one on the same plate and entry is recent enough. */
  openAlert(hitId: number, entryId: string, readText: string, since: number): OpenAlert | null {
    const d = this.detectionNStmt.get(hitId);
    if (!d) return null;
    const r = this.openStmt.get({ entryId, readText, since, detectionN: d.detection_n });
    if (!r) return null;
    return { alertId: r.alert_id, seenAgain: this.countStmt.get(r.alert_id)!.n };
  }

  /** The alert already raised on this hit's detection for the same entry (a revised pass matched again). */
  alertOnSameDetection(hitId: number, entryId: string): number | null {
    const d = this.detectionNStmt.get(hitId);
    if (!d) return null;
    return this.sameDetectionStmt.get(d.detection_n, entryId, hitId)?.alert_id ?? null;
  }

  /** Passes folded into an alert as "seen again", up to and including hit `upToHitId`. */
  seenAgainCount(alertId: number, upToHitId: number): number {
    return this.countUpToStmt.get(alertId, upToHitId)!.n;
  }

  /**
   * Hits stored after `afterId`, oldest first, with how each was told (null for a hit stored
   * without one, e.g. by a crash between the two writes: the station tells it as a new alert).
   */
  after(afterId: number, limit: number): { hitId: number; alert: HitAlertRow | null }[] {
    return this.afterStmt.all(afterId, limit).map((r) => ({
      hitId: r.id,
      alert: r.hit_id === null ? null : toRow({ hit_id: r.hit_id, alert_id: r.alert_id!, change: r.change!, presentation: r.presentation!, stage: r.stage!, at: r.at! }),
    }));
  }

  /** The newest hit id ever stored (0 when none): where a fresh stream stands. */
  lastId(): number {
    return this.lastStmt.get()?.id ?? 0;
  }
}
