/**
 * Selection and deletion of detections for retention and the disk quota, a batch at a time.
 * Deleting a detection takes its images and hits with it (foreign keys) and its queued uploads.
 */
import type { Database, Statement } from 'better-sqlite3';
import { isDiskFull } from './database.js';
import type { RetentionCutoffs } from './retention.js';

export interface PurgeRow {
  n: number;
  bestAt: number;
}

export interface DbUsage {
  /**
   * Bytes of database pages in use. The WAL is left out: it is transient, bounded by the
   * checkpoint size, and already counted by the file system's free space.
   */
  usedBytes: number;
  walBytes: number;
  /** Bytes of free pages inside the file (reused before the file grows). */
  freeInFileBytes: number;
}

export class PurgeRepo {
  private readonly maxAgeStmt: Statement<[number, number], PurgeRow>;
  private readonly ackedStmt: Statement<[number, number, number], PurgeRow>;
  private readonly quotaUploadedStmt: Statement<[number], PurgeRow>;
  private readonly quotaPendingStmt: Statement<[number], PurgeRow>;
  private readonly delHitOutboxStmt: Statement<[number]>;
  private readonly delOutboxStmt: Statement<[number]>;
  private readonly delStmt: Statement<[number]>;
  private readonly countStmt: Statement<[], number>;

  constructor(private readonly db: Database) {
    this.maxAgeStmt = db.prepare(
      'SELECT n, best_at AS bestAt FROM detections WHERE best_at < ? AND evidence_hold = 0 ORDER BY best_at LIMIT ?',
    );
    this.ackedStmt = db.prepare(
      `SELECT n, best_at AS bestAt FROM detections
       WHERE uploaded_at IS NOT NULL AND uploaded_at <= ? AND best_at <= ? AND evidence_hold = 0 ORDER BY uploaded_at LIMIT ?`,
    );
    this.quotaUploadedStmt = db.prepare(
      'SELECT n, best_at AS bestAt FROM detections WHERE uploaded_at IS NOT NULL AND evidence_hold = 0 ORDER BY uploaded_at LIMIT ?',
    );
    this.quotaPendingStmt = db.prepare(
      'SELECT n, best_at AS bestAt FROM detections WHERE uploaded_at IS NULL AND evidence_hold = 0 ORDER BY best_at LIMIT ?',
    );
    this.delHitOutboxStmt = db.prepare("DELETE FROM outbox WHERE stream = 'hit' AND ref IN (SELECT id FROM hits WHERE detection_n = ?)");
    this.delOutboxStmt = db.prepare("DELETE FROM outbox WHERE stream = 'detection' AND ref = ?");
    this.delStmt = db.prepare('DELETE FROM detections WHERE n = ?');
    this.countStmt = db.prepare('SELECT count(*) FROM detections').pluck() as Statement<[], number>;
  }

  /** Detections stored (all of them, uploaded or not). */
  detectionCount(): number {
    return this.countStmt.get() ?? 0;
  }

  expiredByMaxAge(c: RetentionCutoffs, limit: number): PurgeRow[] {
    return this.maxAgeStmt.all(c.maxAgeBefore, limit);
  }

  expiredAfterAck(c: RetentionCutoffs, limit: number): PurgeRow[] {
    return this.ackedStmt.all(c.uploadedAtOrBefore, c.minAgeAtOrBefore, limit);
  }

  /** Oldest acknowledged first; these are safe on the central server. */
  oldestUploaded(limit: number): PurgeRow[] {
    return this.quotaUploadedStmt.all(limit);
  }

  /** Oldest not yet acknowledged; only when the configuration allows losing them. */
  oldestNotUploaded(limit: number): PurgeRow[] {
    return this.quotaPendingStmt.all(limit);
  }

  /**
   * Deletes a batch in one transaction committed without an fsync: a purge lost to a power cut
   * is simply done again, and the next durable commit (a stored detection) syncs it anyway.
   * Without this, every batch would block storing for a whole fsync (tens of ms on a busy disk).
   */
  deleteBatch(rows: readonly PurgeRow[]): void {
    this.withoutSync(() =>
      this.db.transaction(() => {
        for (const r of rows) {
          this.delHitOutboxStmt.run(r.n);
          this.delOutboxStmt.run(r.n);
          this.delStmt.run(r.n);
        }
      })(),
    );
  }

  private withoutSync<T>(fn: () => T): T {
    const mode = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma(`synchronous = ${mode}`);
    }
  }

  usage(walBytes: number): DbUsage {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return { usedBytes: (pages - free) * pageSize, walBytes, freeInFileBytes: free * pageSize };
  }

  /**
   * Hands up to `pages` free pages back to the file system; returns how many are left, or 0 when
   * the disk is too full to move pages (they stay free inside the file and are reused first).
   */
  vacuumStep(pages: number): number {
    try {
      this.withoutSync(() => this.db.prepare(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`).run());
    } catch (err) {
      if (isDiskFull(err)) return 0;
      throw err;
    }
    return this.db.pragma('freelist_count', { simple: true }) as number;
  }

  /**
   * Copies the WAL into the database and truncates it (frees the WAL's disk space). Best effort:
   * on a full disk it may not finish, and the purge that follows still runs in what is left.
   */
  checkpoint(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      if (!isDiskFull(err)) throw err;
    }
  }

  /** Rows no foreign key should allow, removed at start (a database edited by hand, or older bugs). */
  sweepOrphans(): { images: number; hits: number; outbox: number } {
    return this.db.transaction(() => ({
      images: this.db.prepare('DELETE FROM images WHERE detection_n NOT IN (SELECT n FROM detections)').run().changes,
      hits: this.db.prepare('DELETE FROM hits WHERE detection_n NOT IN (SELECT n FROM detections)').run().changes,
      outbox: this.db
        .prepare(
          `DELETE FROM outbox WHERE (stream = 'detection' AND ref NOT IN (SELECT n FROM detections))
             OR (stream = 'hit' AND ref NOT IN (SELECT id FROM hits))
             OR (stream = 'audit' AND ref NOT IN (SELECT id FROM audit))`,
        )
        .run().changes,
    }))();
  }
}
