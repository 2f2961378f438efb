/**
 * Damage and malfunction reports filed from the operator station (issue 18; roseville 426.6.2,
 * sacramento-pd B.2 ask operators to report damaged, vandalised or malfunctioning ALPR
 * equipment). One row per report: what (a camera, the GPS or the unit), when it was noticed, the
 * operator's words, and optionally a snapshot of the camera's picture at filing time. The report
 * itself reaches the central server in the audit row written with it (`auditId`); the snapshot
 * stays on the device, bound to that row by its sha256. Reports are equipment records, not
 * detections: detection retention does not remove them.
 */
import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';

export const DAMAGE_SUBJECTS = ['camera', 'gps', 'unit'] as const;
export type DamageSubject = (typeof DAMAGE_SUBJECTS)[number];

export interface DamageReportInput {
  subject: DamageSubject;
  /** The camera's id for a camera; null for the GPS and the unit. */
  cameraId: string | null;
  /** When the damage or malfunction was noticed, ms since the epoch. */
  noticedAt: number;
  text: string;
  reportedBy: string;
  reportedAt: number;
  /** JPEG of the camera's current picture, or null. */
  snapshot: Buffer | null;
  /** The audit row that recorded (and uploads) the report. */
  auditId: number;
}

export interface DamageReport {
  id: number;
  subject: DamageSubject;
  cameraId: string | null;
  noticedAt: number;
  text: string;
  reportedBy: string;
  reportedAt: number;
  snapshotSha256: string | null;
  snapshotBytes: number | null;
  auditId: number;
}

interface Row {
  id: number;
  subject: DamageSubject;
  camera_id: string | null;
  noticed_at: number;
  text: string;
  reported_by: string;
  reported_at: number;
  snapshot_sha256: string | null;
  snapshot_bytes: number | null;
  audit_id: number;
}

const COLUMNS = 'id, subject, camera_id, noticed_at, text, reported_by, reported_at, snapshot_sha256, snapshot_bytes, audit_id';

const toReport = (r: Row): DamageReport => ({
  id: r.id,
  subject: r.subject,
  cameraId: r.camera_id,
  noticedAt: r.noticed_at,
  text: r.text,
  reportedBy: r.reported_by,
  reportedAt: r.reported_at,
  snapshotSha256: r.snapshot_sha256,
  snapshotBytes: r.snapshot_bytes,
  auditId: r.audit_id,
});

/** The sha256 written into the audit row, so the uploaded report names the exact picture kept here. */
export function snapshotSha256(jpeg: Buffer): string {
  return createHash('sha256').update(jpeg).digest('hex');
}

export class DamageReportsRepo {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<[number], Row>;
  private readonly listStmt: Statement<[number, number], Row>;
  private readonly snapshotStmt: Statement<[number], { snapshot: Buffer | null }>;
  private readonly countStmt: Statement<[], { n: number }>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO damage_reports (subject, camera_id, noticed_at, text, reported_by, reported_at, snapshot, snapshot_sha256, snapshot_bytes, audit_id)
       VALUES (@subject, @cameraId, @noticedAt, @text, @reportedBy, @reportedAt, @snapshot, @snapshotSha256, @snapshotBytes, @auditId)`,
    );
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM damage_reports WHERE id = ?`);
    this.listStmt = db.prepare(`SELECT ${COLUMNS} FROM damage_reports ORDER BY id DESC LIMIT ? OFFSET ?`);
    this.snapshotStmt = db.prepare('SELECT snapshot FROM damage_reports WHERE id = ?');
    this.countStmt = db.prepare('SELECT count(*) AS n FROM damage_reports');
  }

  add(r: DamageReportInput): DamageReport {
    const info = this.insertStmt.run({
      ...r,
      snapshotSha256: r.snapshot ? snapshotSha256(r.snapshot) : null,
      snapshotBytes: r.snapshot ? r.snapshot.length : null,
    });
    const stored = this.get(Number(info.lastInsertRowid));
    if (!stored) throw new Error('damage report vanished after insert');
    return stored;
  }

  get(id: number): DamageReport | null {
    const r = this.getStmt.get(id);
    return r ? toReport(r) : null;
  }

  /** Newest first. */
  list(limit = 100, offset = 0): DamageReport[] {
    return this.listStmt.all(Math.min(Math.max(limit, 1), 1000), Math.max(offset, 0)).map(toReport);
  }

  snapshot(id: number): Buffer | null {
    return this.snapshotStmt.get(id)?.snapshot ?? null;
  }

  count(): number {
    return this.countStmt.get()?.n ?? 0;
  }
}
