/**
 * The upload outbox: one row per thing the central server has not acknowledged yet.
 *
 *   pending ──claim──▶ claimed ──ack (2xx naming the item)──▶ row deleted (detection: uploaded_at set)
 *      ▲                  │ └──rejected by the server──▶ quarantined (reason kept)
 *      └──release / restart┘
 *
 * Records before images (`upload.images: deferred`, issue 17): a detection's record (text,
 * time, position, hits) is acknowledged first; its row then stays, `record_sent = 1`, pending
 * again for its images, and `images_sent` marks each image the server has stored (bit 1 plate,
 * bit 2 overview), so a restart resends neither. The row goes when the last image is stored.
 *
 *   record pending ──batch ack──▶ images pending ──claimImages──▶ claimed ──all stored──▶ row deleted
 *
 * `gen` counts re-enqueues: a detection revised while its previous revision is in flight is
 * not marked uploaded by the acknowledgement of the older one; it goes back to pending (and
 * its record is sent again).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../shared/clock.js';

export type Stream = 'detection' | 'hit' | 'audit' | 'correction';
/** The two images of a detection (declared here once; detections-repo re-exports it). */
export type ImageKind = 'plate' | 'overview';

/** `images_sent` bits. */
export const IMAGE_BIT: Record<ImageKind, number> = { plate: 1, overview: 2 };

export const OutboxState = { pending: 0, claimed: 1, quarantined: 2 } as const;

export interface OutboxEntry {
  outboxId: number;
  stream: Stream;
  ref: number;
  gen: number;
  priority: number;
  enqueuedAt: number;
  attempts: number;
}

export interface Backlog {
  pending: number;
  claimed: number;
  quarantined: number;
  /** Enqueue time of the oldest item not yet acknowledged (pending or claimed), or null. */
  oldestEnqueuedAt: number | null;
}

/** What waits to be sent, for the status page's drain estimate. */
export interface BacklogSize {
  /** Detections pending or claimed. */
  detections: number;
  /** Their image bytes plus a per-record allowance (what a batch with inline images carries). */
  bytes: number;
}

/** Bytes a record costs on the wire besides its images (text, candidates, position, hits; measured ~0.6–1 KB). */
export const RECORD_BYTES = 1024;

export interface QueuePeek {
  /** The next pending item in send order (hits first, then oldest), or null. */
  top: { priority: number; enqueuedAt: number } | null;
  /** At least a batch's worth of items is pending. */
  full: boolean;
}

export interface QuarantinedEntry extends OutboxEntry {
  reason: string;
}

interface OutboxRow {
  id: number;
  stream: Stream;
  ref: number;
  gen: number;
  priority: number;
  enqueued_at: number;
  attempts: number;
  reason: string | null;
  record_sent: number;
  images_sent: number;
}

/** A detection whose record the server holds, claimed to send the images it still lacks. */
export interface ImageWork {
  entry: OutboxEntry;
  detectionId: string;
  /** Images not yet stored at the server, plate first. */
  images: { kind: ImageKind; sha256: string; bytes: number }[];
}

/** A misread correction as the uploader sends it (the corrections table, migration 5). */
export interface CorrectionForUpload {
  id: number;
  detectionId: string;
  hitId: number | null;
  originalText: string;
  correctedText: string;
  note: string;
  reportedBy: string;
  reportedAt: number;
}

/** How the uploader claims records. */
export interface ClaimOptions {
  /** Only records the server does not hold yet (images go separately, after). */
  recordsOnly?: boolean;
}

function toEntry(r: OutboxRow, extraAttempts = 0): OutboxEntry {
  return { outboxId: r.id, stream: r.stream, ref: r.ref, gen: r.gen, priority: r.priority, enqueuedAt: r.enqueued_at, attempts: r.attempts + extraAttempts };
}

export class OutboxRepo {
  private readonly enqueueStmt: Statement;
  private readonly pendingStmt: Statement<[number], OutboxRow>;
  private readonly claimStmt: Statement<[number]>;
  private readonly getStmt: Statement<[number], OutboxRow>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly requeueStmt: Statement<[number]>;
  private readonly releaseStmt: Statement<[number]>;
  private readonly releaseAllStmt: Statement<[]>;
  private readonly quarantineStmt: Statement<[string, number]>;
  private readonly uploadedStmt: Statement<[number, number]>;
  private readonly backlogStmt: Statement<[], { state: number; n: number; oldest: number | null }>;
  private readonly hasPendingStmt: Statement<[], { x: number }>;
  private readonly topStmt: Statement<[], { priority: number; enqueued_at: number }>;
  private readonly atLeastStmt: Statement<[number], { n: number }>;
  private readonly pendingSizedStmt: Statement<[number], OutboxRow & { size: number }>;
  private readonly pendingRecordsStmt: Statement<[number], OutboxRow & { size: number }>;
  private readonly pendingImagesSizedStmt: Statement<[number], OutboxRow & { size: number }>;
  private readonly topRecordStmt: Statement<[], { priority: number; enqueued_at: number }>;
  private readonly atLeastRecordsStmt: Statement<[number], { n: number }>;
  private readonly topImagesStmt: Statement<[], OutboxRow>;
  private readonly hasImagesStmt: Statement<[number], { n: number }>;
  private readonly recordSentStmt: Statement<[number]>;
  private readonly imageSentStmt: Statement<[number, number]>;
  private readonly imagesOfStmt: Statement<[number], { id: string; kind: ImageKind | null; sha256: string | null; bytes: number | null }>;
  private readonly pieceStmt: Statement<[number, number, number, string], { piece: Buffer | null }>;
  private readonly correctionStmt: Statement<[number], { id: number; detection_id: string; hit_id: number | null; original_text: string; corrected_text: string; note: string; reported_by: string; reported_at: number }>;
  private readonly splitStmt: Statement<[], { records: number; images: number }>;
  private readonly backlogSizeStmt: Statement<[], { n: number; bytes: number | null }>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.enqueueStmt = db.prepare(
      `INSERT INTO outbox (stream, ref, priority, state, enqueued_at) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT (stream, ref) DO UPDATE SET gen = gen + 1, priority = max(priority, excluded.priority),
         state = CASE state WHEN 1 THEN 1 ELSE 0 END, reason = NULL, record_sent = 0`,
    );
    this.pendingStmt = db.prepare('SELECT * FROM outbox WHERE state = 0 ORDER BY priority DESC, id LIMIT ?');
    this.claimStmt = db.prepare('UPDATE outbox SET state = 1, attempts = attempts + 1 WHERE id = ?');
    this.getStmt = db.prepare('SELECT * FROM outbox WHERE id = ?');
    this.deleteStmt = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.requeueStmt = db.prepare('UPDATE outbox SET state = 0 WHERE id = ?');
    this.releaseStmt = db.prepare('UPDATE outbox SET state = 0 WHERE id = ? AND state = 1');
    this.releaseAllStmt = db.prepare('UPDATE outbox SET state = 0 WHERE state = 1');
    this.quarantineStmt = db.prepare('UPDATE outbox SET state = 2, reason = ? WHERE id = ?');
    this.uploadedStmt = db.prepare('UPDATE detections SET uploaded_at = ? WHERE n = ?');
    this.backlogStmt = db.prepare('SELECT state, count(*) AS n, min(enqueued_at) AS oldest FROM outbox GROUP BY state');
    this.hasPendingStmt = db.prepare('SELECT 1 AS x FROM outbox WHERE state = 0 LIMIT 1');
    this.topStmt = db.prepare('SELECT priority, enqueued_at FROM outbox WHERE state = 0 ORDER BY priority DESC, id LIMIT 1');
    this.atLeastStmt = db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM outbox WHERE state = 0 LIMIT ?)');
    // Image sizes come from the images table's (detection_n, kind) index, not from the BLOBs.
    this.pendingSizedStmt = db.prepare(
      `SELECT o.*, CASE o.stream WHEN 'detection' THEN coalesce((SELECT sum(i.bytes) FROM images i WHERE i.detection_n = o.ref), 0) ELSE 0 END AS size
       FROM outbox o WHERE o.state = 0 ORDER BY o.priority DESC, o.id LIMIT ?`,
    );
    this.pendingRecordsStmt = db.prepare(
      `SELECT o.*, CASE o.stream WHEN 'detection' THEN coalesce((SELECT sum(i.bytes) FROM images i WHERE i.detection_n = o.ref), 0) ELSE 0 END AS size
       FROM outbox o WHERE o.state = 0 AND o.record_sent = 0 ORDER BY o.priority DESC, o.id LIMIT ?`,
    );
    this.pendingImagesSizedStmt = db.prepare(
      `SELECT o.*, coalesce((SELECT sum(i.bytes) FROM images i WHERE i.detection_n = o.ref), 0) AS size
       FROM outbox o WHERE o.state = 0 AND o.record_sent = 1 ORDER BY o.priority DESC, o.id LIMIT ?`,
    );
    this.topRecordStmt = db.prepare('SELECT priority, enqueued_at FROM outbox WHERE state = 0 AND record_sent = 0 ORDER BY priority DESC, id LIMIT 1');
    this.atLeastRecordsStmt = db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM outbox WHERE state = 0 AND record_sent = 0 LIMIT ?)');
    this.topImagesStmt = db.prepare('SELECT * FROM outbox WHERE state = 0 AND record_sent = 1 ORDER BY priority DESC, id LIMIT 1');
    this.hasImagesStmt = db.prepare('SELECT count(*) AS n FROM images WHERE detection_n = ?');
    this.recordSentStmt = db.prepare('UPDATE outbox SET state = 0, record_sent = 1 WHERE id = ?');
    this.imageSentStmt = db.prepare('UPDATE outbox SET images_sent = images_sent | ? WHERE id = ?');
    this.imagesOfStmt = db.prepare(
      `SELECT d.id, i.kind, i.sha256, i.bytes FROM detections d LEFT JOIN images i ON i.detection_n = d.n WHERE d.n = ? ORDER BY i.kind DESC`,
    );
    // substr() on a BLOB is 1-based and yields bytes: only the piece reaches the JavaScript heap.
    this.pieceStmt = db.prepare('SELECT substr(data, ? + 1, ?) AS piece FROM images WHERE detection_n = ? AND kind = ?');
    this.correctionStmt = db.prepare('SELECT * FROM corrections WHERE id = ?');
    this.splitStmt = db.prepare(
      `SELECT coalesce(sum(record_sent = 0), 0) AS records, coalesce(sum(record_sent = 1), 0) AS images FROM outbox WHERE stream = 'detection' AND state < 2`,
    );
    this.backlogSizeStmt = db.prepare(
      `SELECT count(DISTINCT o.id) AS n, sum(i.bytes) AS bytes FROM outbox o LEFT JOIN images i ON i.detection_n = o.ref
       WHERE o.stream = 'detection' AND o.state < 2`,
    );
  }

  /** Queues (or re-queues) one item. Call inside the transaction that wrote the item. */
  enqueue(stream: Stream, ref: number, priority: number): void {
    this.enqueueStmt.run(stream, ref, priority, this.clock.now());
  }

  /** Moves up to `limit` pending items to claimed, highest priority (hits) first, then oldest. */
  claim(limit: number): OutboxEntry[] {
    return this.db.transaction((): OutboxEntry[] => {
      const rows = this.pendingStmt.all(limit);
      for (const r of rows) this.claimStmt.run(r.id);
      return rows.map((r) => toEntry(r, 1));
    })();
  }

  /**
   * Claims pending items in send order (hits first, then oldest) while their estimated wire size
   * stays within `budgetBytes`, at most `limit` of them, and always at least one: a batch shaped
   * by what the link carries rather than by a count. Hits go in batches of their own.
   * `withImages` false: records only.
   */
  claimBytes(limit: number, budgetBytes: number, withImages: boolean, opts: ClaimOptions = {}): { entries: OutboxEntry[]; bytes: number } {
    return this.db.transaction(() => {
      const entries: OutboxEntry[] = [];
      let bytes = 0;
      for (const r of (opts.recordsOnly ? this.pendingRecordsStmt : this.pendingSizedStmt).all(limit)) {
        const size = RECORD_BYTES + (withImages ? r.size : 0);
        if (entries.length > 0 && bytes + size > budgetBytes) break;
        // A batch led by hits carries only hits: a hit is acknowledged after its own bytes, not
        // after a full batch of backlog behind it.
        if (entries.length > 0 && entries[0]!.priority > 0 && r.priority === 0) break;
        this.claimStmt.run(r.id);
        entries.push(toEntry(r, 1));
        bytes += size;
      }
      return { entries, bytes };
    })();
  }

  /** Detections waiting (pending or claimed) and their estimated wire bytes. */
  backlogSize(withImages: boolean): BacklogSize {
    const r = this.backlogSizeStmt.get()!;
    return { detections: r.n, bytes: r.n * RECORD_BYTES + (withImages ? (r.bytes ?? 0) : 0) };
  }

  /**
   * The server acknowledged these. Items re-enqueued since their claim (newer `gen`) go back to
   * pending instead. Returns how many were settled and how many must be sent again.
   */
  ack(entries: readonly Pick<OutboxEntry, 'outboxId' | 'gen'>[], opts: { imagesFollow?: boolean } = {}): { acked: number; requeued: number } {
    const now = this.clock.now();
    return this.db.transaction(() => {
      let acked = 0;
      let requeued = 0;
      for (const e of entries) {
        const row = this.getStmt.get(e.outboxId);
        if (!row) continue;
        if (row.gen !== e.gen) {
          this.requeueStmt.run(e.outboxId);
          requeued++;
          continue;
        }
        acked++;
        // The record is held by the server; the row waits on for the images (records first).
        if (opts.imagesFollow && row.stream === 'detection' && row.record_sent === 0 && this.hasImagesStmt.get(row.ref)!.n > 0) {
          this.recordSentStmt.run(e.outboxId);
          continue;
        }
        this.deleteStmt.run(e.outboxId);
        if (row.stream === 'detection') this.uploadedStmt.run(now, row.ref);
      }
      return { acked, requeued };
    })();
  }

  /**
   * Claims detections whose record the server holds, to send again with their images inline
   * (one request for many small images instead of one each), in send order within
   * `budgetBytes`, hits in batches of their own. Only detections whose images together are at
   * most `maxDetectionBytes`: the first bigger one ends the batch (it goes in pieces, in its turn).
   */
  claimImageBatch(limit: number, budgetBytes: number, maxDetectionBytes: number): { entries: OutboxEntry[]; bytes: number } {
    return this.db.transaction(() => {
      const entries: OutboxEntry[] = [];
      let bytes = 0;
      for (const r of this.pendingImagesSizedStmt.all(limit)) {
        const size = RECORD_BYTES + r.size;
        if (r.size > maxDetectionBytes) break;
        if (entries.length > 0 && (bytes + size > budgetBytes || (entries[0]!.priority > 0 && r.priority === 0))) break;
        this.claimStmt.run(r.id);
        entries.push(toEntry(r, 1));
        bytes += size;
      }
      return { entries, bytes };
    })();
  }

  /**
   * Claims the next detection whose record the server holds and whose images it lacks (hits
   * first, then oldest), with the images still to send. Rows whose detection or images are gone
   * (purged meanwhile) are settled on the way. Null when none waits.
   */
  claimImages(): ImageWork | null {
    return this.db.transaction((): ImageWork | null => {
      for (;;) {
        const r = this.topImagesStmt.get();
        if (!r) return null;
        const rows = this.imagesOfStmt.all(r.ref);
        const images = rows
          .filter((i): i is { id: string; kind: ImageKind; sha256: string; bytes: number } => i.kind !== null && (r.images_sent & IMAGE_BIT[i.kind]) === 0)
          .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'plate' ? -1 : 1));
        if (rows.length === 0) {
          this.deleteStmt.run(r.id);
          continue;
        }
        if (images.length === 0) {
          this.deleteStmt.run(r.id);
          this.uploadedStmt.run(this.clock.now(), r.ref);
          continue;
        }
        this.claimStmt.run(r.id);
        return { entry: toEntry(r, 1), detectionId: rows[0]!.id, images };
      }
    })();
  }

  /** The server stored this image: a restart will not send it again. */
  imageSent(outboxId: number, kind: ImageKind): void {
    this.imageSentStmt.run(IMAGE_BIT[kind], outboxId);
  }

  /**
   * All images of a claimed detection are stored: the row is settled and the detection counts
   * as uploaded, unless it was revised meanwhile (then its record goes again).
   */
  imagesDone(e: Pick<OutboxEntry, 'outboxId' | 'gen'>): 'settled' | 'requeued' {
    return this.db.transaction(() => {
      const row = this.getStmt.get(e.outboxId);
      if (!row) return 'settled';
      if (row.gen !== e.gen) {
        this.requeueStmt.run(e.outboxId);
        return 'requeued';
      }
      this.deleteStmt.run(e.outboxId);
      this.uploadedStmt.run(this.clock.now(), row.ref);
      return 'settled';
    })();
  }

  /** `length` bytes of a stored image from `offset` (shorter at the end; null when the image is gone). */
  imagePiece(detectionN: number, kind: ImageKind, offset: number, length: number): Buffer | null {
    const r = this.pieceStmt.get(offset, length, detectionN, kind);
    return r?.piece ?? null;
  }

  /** The next pending image work's priority, or null: the uploader weighs it against records. */
  peekImages(): { priority: number } | null {
    const r = this.topImagesStmt.get();
    return r ? { priority: r.priority } : null;
  }

  /** A correction to upload, or null when it is gone. */
  correction(id: number): CorrectionForUpload | null {
    const r = this.correctionStmt.get(id);
    return r
      ? { id: r.id, detectionId: r.detection_id, hitId: r.hit_id, originalText: r.original_text, correctedText: r.corrected_text, note: r.note, reportedBy: r.reported_by, reportedAt: r.reported_at }
      : null;
  }

  /** Detections waiting for their record to be sent, and those whose record is held and whose images wait. */
  backlogSplit(): { records: number; images: number } {
    return this.splitStmt.get()!;
  }

  /** Claimed items that were not acknowledged go back to pending. */
  release(outboxIds: readonly number[]): void {
    this.db.transaction(() => {
      for (const id of outboxIds) this.releaseStmt.run(id);
    })();
  }

  /** At start: whatever a previous run claimed and did not settle is pending again. */
  releaseAllClaimed(): number {
    return this.releaseAllStmt.run().changes;
  }

  quarantine(outboxId: number, reason: string): void {
    this.quarantineStmt.run(reason.slice(0, 500), outboxId);
  }

  /** For items whose subject no longer exists (purged while queued). */
  remove(outboxId: number): void {
    this.deleteStmt.run(outboxId);
  }

  listQuarantined(limit = 100): QuarantinedEntry[] {
    const rows = this.db.prepare('SELECT * FROM outbox WHERE state = 2 ORDER BY id LIMIT ?').all(limit) as OutboxRow[];
    return rows.map((r) => ({ ...toEntry(r), reason: r.reason ?? '' }));
  }

  /**
   * What the uploader needs to decide whether a batch is due, at a cost bounded by `batchSize`
   * however long the backlog: the next item in send order and whether a full batch waits.
   */
  peek(batchSize: number, opts: ClaimOptions = {}): QueuePeek {
    const top = (opts.recordsOnly ? this.topRecordStmt : this.topStmt).get();
    return {
      top: top ? { priority: top.priority, enqueuedAt: top.enqueued_at } : null,
      full: top !== undefined && (opts.recordsOnly ? this.atLeastRecordsStmt : this.atLeastStmt).get(batchSize)!.n >= batchSize,
    };
  }

  hasPending(): boolean {
    return this.hasPendingStmt.get() !== undefined;
  }

  backlog(): Backlog {
    const b: Backlog = { pending: 0, claimed: 0, quarantined: 0, oldestEnqueuedAt: null };
    for (const r of this.backlogStmt.all()) {
      if (r.state === OutboxState.pending) b.pending = r.n;
      else if (r.state === OutboxState.claimed) b.claimed = r.n;
      else b.quarantined = r.n;
      if (r.state !== OutboxState.quarantined && r.oldest !== null) b.oldestEnqueuedAt = Math.min(b.oldestEnqueuedAt ?? r.oldest, r.oldest);
    }
    return b;
  }
}
