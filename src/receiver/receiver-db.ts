/**
 * The reference receiver's own database. Detections are keyed by (device, detection id): a
 * repeat is acknowledged again but stored once; a later revision replaces an earlier one. An
 * acknowledgement is sent only after the commit (synchronous=FULL), as the API requires.
 */
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { prepareDatabaseFile } from '../store/file-modes.js';
import type { WireAudit, WireAuditHead, WireCorrection, WireDetection, WireHit } from '../upload/wire.js';

export interface ReceiverStats {
  detections: number;
  /** Detections received again after they were stored (retries, replays). */
  duplicates: number;
  hits: number;
  audit: number;
  /** Audit rows refused because they contradict rows already stored (a rewritten chain). */
  auditConflicts: number;
  images: number;
  batches: number;
  corrections: number;
  /** Corrections received again after they were stored. */
  correctionRepeats: number;
}

export interface ReceivedDetection {
  deviceId: string;
  id: string;
  revision: number;
  receipts: number;
  detection: WireDetection;
  /** Which of its images the receiver holds (records may arrive before their images). */
  imagesHeld: { plate: boolean; overview: boolean };
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS detections (
    device_id TEXT NOT NULL, id TEXT NOT NULL, revision INTEGER NOT NULL, text TEXT NOT NULL, best_at INTEGER NOT NULL,
    payload TEXT NOT NULL, received_at INTEGER NOT NULL, receipts INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (device_id, id));
  CREATE TABLE IF NOT EXISTS images (
    device_id TEXT NOT NULL, detection_id TEXT NOT NULL, kind TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,
    data BLOB NOT NULL, PRIMARY KEY (device_id, detection_id, kind));
  CREATE TABLE IF NOT EXISTS hits (
    device_id TEXT NOT NULL, id INTEGER NOT NULL, detection_id TEXT NOT NULL, payload TEXT NOT NULL, received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, id));
  CREATE TABLE IF NOT EXISTS audit (
    device_id TEXT NOT NULL, id INTEGER NOT NULL, hash TEXT NOT NULL, payload TEXT NOT NULL, received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, id));
  CREATE TABLE IF NOT EXISTS audit_conflicts (
    device_id TEXT NOT NULL, id INTEGER NOT NULL, hash TEXT NOT NULL, stored_hash TEXT NOT NULL, payload TEXT NOT NULL,
    received_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS corrections (
    device_id TEXT NOT NULL, id INTEGER NOT NULL, detection_id TEXT NOT NULL, corrected_text TEXT NOT NULL, payload TEXT NOT NULL,
    received_at INTEGER NOT NULL, receipts INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (device_id, id));
  CREATE INDEX IF NOT EXISTS corrections_detection ON corrections(device_id, detection_id);
  CREATE TABLE IF NOT EXISTS audit_heads (
    device_id TEXT PRIMARY KEY, id INTEGER NOT NULL, hash TEXT NOT NULL, sent_at INTEGER NOT NULL, received_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS batches (
    device_id TEXT NOT NULL, batch_id TEXT NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL, received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, batch_id));
`;

export class ReceiverDb {
  readonly db: Database;
  private readonly findDet: Statement<[string, string], { revision: number }>;
  private readonly insDet: Statement;
  private readonly updDet: Statement;
  private readonly dupDet: Statement<[string, string]>;
  private readonly insImg: Statement;
  private readonly getImg: Statement<[string, string, string], { sha256: string; data: Buffer }>;
  private readonly upsHit: Statement;
  private readonly insAudit: Statement;
  private readonly getBatch: Statement<[string, string], { status: number; response: string }>;
  private readonly insBatch: Statement;
  private readonly getDet: Statement<[string, string], { device_id: string; id: string; revision: number; receipts: number; payload: string }>;

  constructor(readonly file: string) {
    // The receiver holds every device's detections: 0600 like the device's own database.
    prepareDatabaseFile(file);
    this.db = new BetterSqlite3(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 2000');
    this.db.exec(SCHEMA);
    this.findDet = this.db.prepare('SELECT revision FROM detections WHERE device_id = ? AND id = ?');
    this.insDet = this.db.prepare(
      'INSERT INTO detections (device_id, id, revision, text, best_at, payload, received_at) VALUES (@device, @id, @revision, @text, @bestAt, @payload, @now)',
    );
    this.updDet = this.db.prepare(
      `UPDATE detections SET revision = @revision, text = @text, best_at = @bestAt, payload = @payload, received_at = @now,
       receipts = receipts + 1 WHERE device_id = @device AND id = @id`,
    );
    this.dupDet = this.db.prepare('UPDATE detections SET receipts = receipts + 1 WHERE device_id = ? AND id = ?');
    // Evidence is write-once: a second upload of the same image is a no-op, a different one is refused.
    this.insImg = this.db.prepare('INSERT INTO images (device_id, detection_id, kind, sha256, bytes, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.getImg = this.db.prepare('SELECT sha256, data FROM images WHERE device_id = ? AND detection_id = ? AND kind = ?');
    this.upsHit = this.db.prepare(
      `INSERT INTO hits (device_id, id, detection_id, payload, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET payload = excluded.payload, received_at = excluded.received_at`,
    );
    this.insAudit = this.db.prepare('INSERT OR IGNORE INTO audit (device_id, id, hash, payload, received_at) VALUES (?, ?, ?, ?, ?)');
    this.getBatch = this.db.prepare('SELECT status, response FROM batches WHERE device_id = ? AND batch_id = ?');
    this.insBatch = this.db.prepare('INSERT OR REPLACE INTO batches (device_id, batch_id, status, response, received_at) VALUES (?, ?, ?, ?, ?)');
    this.getDet = this.db.prepare('SELECT device_id, id, revision, receipts, payload FROM detections WHERE device_id = ? AND id = ?');
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Stores a detection (without its image bytes); true when new or a newer revision. */
  putDetection(device: string, d: WireDetection, now: number): boolean {
    const payload = JSON.stringify({ ...d, images: { plate: meta(d.images.plate), overview: meta(d.images.overview) } });
    const params = { device, id: d.id, revision: d.revision, text: d.text, bestAt: d.best_at, payload, now };
    const existing = this.findDet.get(device, d.id);
    if (!existing) this.insDet.run(params);
    else if (existing.revision < d.revision) this.updDet.run(params);
    else {
      // The record sent again to carry images not held yet (records before images) delivers
      // those images; it is not a repeat of the record.
      if (!this.bringsImages(device, d)) this.dupDet.run(device, d.id);
      return false;
    }
    for (const h of d.hits) this.putHit(device, h, now);
    return true;
  }

  private bringsImages(device: string, d: WireDetection): boolean {
    return (['plate', 'overview'] as const).some((kind) => d.images[kind]?.data !== undefined && !this.getImg.get(device, d.id, kind));
  }

  /** Stores an image once; 'conflict' when a different image is already stored under that name. */
  putImage(device: string, detectionId: string, kind: string, sha256: string, data: Buffer): 'stored' | 'same' | 'conflict' {
    const existing = this.getImg.get(device, detectionId, kind);
    if (existing) return existing.sha256 === sha256 ? 'same' : 'conflict';
    this.insImg.run(device, detectionId, kind, sha256, data.length, data);
    return 'stored';
  }

  /** A detection's stored image that differs from `sha256`, if any (write-once check before storing). */
  imageConflict(device: string, detectionId: string, kind: string, sha256: string): boolean {
    const existing = this.getImg.get(device, detectionId, kind);
    return existing !== undefined && existing.sha256 !== sha256;
  }

  /** The SHA-256 of a stored image, without reading its bytes; null when not held. */
  imageSha(device: string, detectionId: string, kind: string): string | null {
    return (this.db.prepare('SELECT sha256 FROM images WHERE device_id = ? AND detection_id = ? AND kind = ?').get(device, detectionId, kind) as { sha256: string } | undefined)?.sha256 ?? null;
  }

  image(device: string, detectionId: string, kind: string): { sha256: string; data: Buffer } | null {
    return this.getImg.get(device, detectionId, kind) ?? null;
  }

  /**
   * Stores a correction once, beside the detection it corrects (which may not be held yet).
   * 'stored', 'same' (a repeat), or 'conflict' when another correction holds this id.
   */
  putCorrection(device: string, c: WireCorrection, now: number): 'stored' | 'same' | 'conflict' {
    const payload = JSON.stringify(c);
    const existing = this.db.prepare('SELECT payload FROM corrections WHERE device_id = ? AND id = ?').get(device, c.id) as { payload: string } | undefined;
    if (existing) {
      if (existing.payload !== payload) return 'conflict';
      this.db.prepare('UPDATE corrections SET receipts = receipts + 1 WHERE device_id = ? AND id = ?').run(device, c.id);
      return 'same';
    }
    this.db.prepare('INSERT INTO corrections (device_id, id, detection_id, corrected_text, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)').run(device, c.id, c.detection_id, c.corrected_text, payload, now);
    return 'stored';
  }

  correctionRows(device: string): (WireCorrection & { receipts: number })[] {
    return (this.db.prepare('SELECT payload, receipts FROM corrections WHERE device_id = ? ORDER BY id').all(device) as { payload: string; receipts: number }[]).map((r) => ({
      ...(JSON.parse(r.payload) as WireCorrection),
      receipts: r.receipts,
    }));
  }

  putHit(device: string, h: WireHit, now: number): void {
    this.upsHit.run(device, h.id, h.detection_id, JSON.stringify(h), now);
  }

  putAudit(device: string, a: WireAudit, now: number): void {
    this.insAudit.run(device, a.id, a.hash, JSON.stringify(a), now);
  }

  /** The newest audit row stored for a device: where its chain continues. */
  auditHead(device: string): { id: number; hash: string } | null {
    return (this.db.prepare('SELECT id, hash FROM audit WHERE device_id = ? ORDER BY id DESC LIMIT 1').get(device) as { id: number; hash: string } | undefined) ?? null;
  }

  auditHash(device: string, id: number): string | null {
    return (this.db.prepare('SELECT hash FROM audit WHERE device_id = ? AND id = ?').get(device, id) as { hash: string } | undefined)?.hash ?? null;
  }

  /**
   * Keeps the newest audit-chain head a device reported (batch `audit_head`, issue 19), by the
   * batch's `sent_at`: a retry of an older batch arriving late does not move it back.
   */
  putReportedHead(device: string, head: WireAuditHead, sentAt: number, now: number): void {
    this.db
      .prepare(
        `INSERT INTO audit_heads (device_id, id, hash, sent_at, received_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET id = excluded.id, hash = excluded.hash, sent_at = excluded.sent_at, received_at = excluded.received_at
         WHERE excluded.sent_at >= audit_heads.sent_at`,
      )
      .run(device, head.id, head.hash, sentAt, now);
  }

  /** The newest head the device reported, or null (a device before issue 19 reports none). */
  reportedHead(device: string): (WireAuditHead & { sentAt: number }) | null {
    return (this.db.prepare('SELECT id, hash, sent_at AS sentAt FROM audit_heads WHERE device_id = ?').get(device) as (WireAuditHead & { sentAt: number }) | undefined) ?? null;
  }

  /** A row that contradicts the stored chain: kept aside and flagged, never stored over it. */
  putAuditConflict(device: string, a: WireAudit, storedHash: string, now: number): void {
    this.db.prepare('INSERT INTO audit_conflicts (device_id, id, hash, stored_hash, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)').run(device, a.id, a.hash, storedHash, JSON.stringify(a), now);
  }

  auditConflicts(device: string): { id: number; hash: string; storedHash: string }[] {
    return this.db.prepare('SELECT id, hash, stored_hash AS storedHash FROM audit_conflicts WHERE device_id = ? ORDER BY rowid').all(device) as { id: number; hash: string; storedHash: string }[];
  }

  batchResponse(device: string, batchId: string): { status: number; response: unknown } | null {
    const r = this.getBatch.get(device, batchId);
    return r ? { status: r.status, response: JSON.parse(r.response) as unknown } : null;
  }

  saveBatch(device: string, batchId: string, status: number, response: unknown, now: number): void {
    this.insBatch.run(device, batchId, status, JSON.stringify(response), now);
  }

  detection(device: string, id: string): ReceivedDetection | null {
    const r = this.getDet.get(device, id);
    if (!r) return null;
    const held = { plate: this.imageSha(device, id, 'plate') !== null, overview: this.imageSha(device, id, 'overview') !== null };
    return { deviceId: r.device_id, id: r.id, revision: r.revision, receipts: r.receipts, detection: JSON.parse(r.payload) as WireDetection, imagesHeld: held };
  }

  detectionIds(device: string): string[] {
    return (this.db.prepare('SELECT id FROM detections WHERE device_id = ? ORDER BY id').all(device) as { id: string }[]).map((r) => r.id);
  }

  auditRows(device: string): WireAudit[] {
    return (this.db.prepare('SELECT payload FROM audit WHERE device_id = ? ORDER BY id').all(device) as { payload: string }[]).map((r) => JSON.parse(r.payload) as WireAudit);
  }

  hitRows(device: string): WireHit[] {
    return (this.db.prepare('SELECT payload FROM hits WHERE device_id = ? ORDER BY id').all(device) as { payload: string }[]).map((r) => JSON.parse(r.payload) as WireHit);
  }

  stats(): ReceiverStats {
    const one = (sql: string): number => (this.db.prepare(sql).get() as { n: number | null }).n ?? 0;
    return {
      detections: one('SELECT count(*) AS n FROM detections'),
      duplicates: one('SELECT sum(receipts - 1) AS n FROM detections'),
      hits: one('SELECT count(*) AS n FROM hits'),
      audit: one('SELECT count(*) AS n FROM audit'),
      auditConflicts: one('SELECT count(*) AS n FROM audit_conflicts'),
      images: one('SELECT count(*) AS n FROM images'),
      batches: one('SELECT count(*) AS n FROM batches'),
      corrections: one('SELECT count(*) AS n FROM corrections'),
      correctionRepeats: one('SELECT sum(receipts - 1) AS n FROM corrections'),
    };
  }

  close(): void {
    this.db.close();
  }
}

function meta(i: WireDetection['images']['plate']): { sha256: string; bytes: number } | null {
  return i ? { sha256: i.sha256, bytes: i.bytes } : null;
}
