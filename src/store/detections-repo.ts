/**
 * Detections and their images. Images are BLOBs in their own table, written in the same
 * transaction as the row: a crash can never leave a row without its images or an image without
 * its row, and one fsync covers both (files needed four; docs/store.md has the measurements).
 */
import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Position } from '../gps/fix.js';
import type { Detection } from '../reads/detection.js';
import type { Box, Candidate } from '../recognizer/types.js';
import type { Clock } from '../shared/clock.js';
import type { AuditRepo } from './audit-repo.js';
import type { HitRecord, HitsRepo } from './hits-repo.js';
import type { ImageKind } from './outbox-repo.js';

// Declared once, next to the outbox's per-kind upload bits; re-exported for the readers of stored images.
export type { ImageKind };

/** A detection on evidence hold, as the administrator's records view lists it. */
export interface HeldDetection {
  id: string;
  cameraId: string;
  bestAt: number;
  heldBy: string | null;
  reason: string | null;
  heldAt: number | null;
}

export interface DetectionSummary {
  id: string;
  cameraId: string;
  text: string;
  confidence: number;
  candidates: { text: string; confidence: number }[];
  region: string | null;
  firstSeen: number;
  lastSeen: number;
  bestAt: number;
  frameCount: number;
  direction: string;
  lat: number | null;
  lon: number | null;
  positionTrusted: boolean;
  position: Position | null;
  hitCount: number;
  uploaded: boolean;
  evidenceHold: boolean;
}

export interface StoredImage {
  sha256: string;
  bytes: number;
  /** Null when loaded without image data. */
  data: Buffer | null;
}

/** Everything about one detection, as the uploader sends it. */
export interface StoredDetection extends DetectionSummary {
  n: number;
  revision: number;
  deviceId: string;
  box: Box;
  storedAt: number;
  uploadedAt: number | null;
  images: Record<ImageKind, StoredImage | null>;
  hits: HitRecord[];
}

export interface SearchQuery {
  /** Plate text; `*` matches any run of characters, `?` one character. */
  plate?: string;
  from?: number;
  to?: number;
  cameraId?: string;
  bbox?: { minLat: number; maxLat: number; minLon: number; maxLon: number };
  limit?: number;
  offset?: number;
}

export interface RecentRead {
  detectionId: string;
  candidates: { text: string; confidence: number }[];
  cameraId: string;
  at: number;
}

export interface UpsertResult {
  n: number;
  /** False when an equal or newer revision was already stored (nothing changed). */
  changed: boolean;
}

interface ImageMetaRow {
  detection_n: number;
  kind: ImageKind;
  sha256: string;
  bytes: number;
  data: Buffer | null;
}

interface DetectionRow {
  n: number;
  id: string;
  revision: number;
  device_id: string;
  camera_id: string;
  text: string;
  confidence: number;
  candidates: string;
  region: string | null;
  first_seen: number;
  last_seen: number;
  best_at: number;
  frame_count: number;
  direction: string;
  box: string;
  lat: number | null;
  lon: number | null;
  position_trusted: number;
  position: string | null;
  hit_count: number;
  stored_at: number;
  uploaded_at: number | null;
  evidence_hold: number;
}

function toSummary(r: DetectionRow): DetectionSummary {
  return {
    id: r.id,
    cameraId: r.camera_id,
    text: r.text,
    confidence: r.confidence,
    candidates: JSON.parse(r.candidates) as Candidate[],
    region: r.region,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    bestAt: r.best_at,
    frameCount: r.frame_count,
    direction: r.direction,
    lat: r.lat,
    lon: r.lon,
    positionTrusted: r.position_trusted !== 0,
    position: r.position === null ? null : (JSON.parse(r.position) as Position),
    hitCount: r.hit_count,
    uploaded: r.uploaded_at !== null,
    evidenceHold: r.evidence_hold !== 0,
  };
}

/** One object literal, no spreads: the uploader builds thousands of these per second. */
function toStored(r: DetectionRow): StoredDetection {
  return {
    id: r.id,
    cameraId: r.camera_id,
    text: r.text,
    confidence: r.confidence,
    candidates: JSON.parse(r.candidates) as Candidate[],
    region: r.region,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    bestAt: r.best_at,
    frameCount: r.frame_count,
    direction: r.direction,
    lat: r.lat,
    lon: r.lon,
    positionTrusted: r.position_trusted !== 0,
    position: r.position === null ? null : (JSON.parse(r.position) as Position),
    hitCount: r.hit_count,
    uploaded: r.uploaded_at !== null,
    evidenceHold: r.evidence_hold !== 0,
    n: r.n,
    revision: r.revision,
    deviceId: r.device_id,
    box: JSON.parse(r.box) as Box,
    storedAt: r.stored_at,
    uploadedAt: r.uploaded_at,
    images: { plate: null, overview: null },
    hits: [],
  };
}

/** Turns a user's plate pattern into a GLOB over the stored (upper-case A–Z 0–9) text. */
export function plateGlob(pattern: string): { op: '=' | 'GLOB'; value: string } {
  const value = pattern.toUpperCase().replace(/[^A-Z0-9*?]/g, '');
  return { op: /[*?]/.test(value) ? 'GLOB' : '=', value };
}

const MAX_LIMIT = 10_000;
const READS_PAGE = 1000;

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export class DetectionsRepo {
  private readonly findStmt: Statement<[string], { n: number; revision: number }>;
  private readonly insertStmt: Statement;
  private readonly updateStmt: Statement;
  private readonly imageStmt: Statement;
  private readonly getStmt: Statement<[string], DetectionRow>;
  private readonly recentStmt: Statement<[number], DetectionRow>;
  private readonly readsStmt: Statement<[number, number, number], { n: number; id: string; candidates: string; camera_id: string; best_at: number }>;
  private readonly imageGetStmt: Statement<[string, ImageKind], { data: Buffer }>;
  private readonly manyStmt: Statement<[string], DetectionRow>;
  private readonly imagesManyStmt: Statement<[string], ImageMetaRow>;
  private readonly imagesManyNoDataStmt: Statement<[string], ImageMetaRow>;
  private readonly holdStmt: Statement;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly hits: HitsRepo,
    private readonly audit: AuditRepo,
  ) {
    const cols = `revision, device_id, camera_id, text, confidence, candidates, region, first_seen, last_seen, best_at,
      frame_count, direction, box, lat, lon, position_trusted, position, stored_at`;
    const vals = `@revision, @deviceId, @cameraId, @text, @confidence, @candidates, @region, @firstSeen, @lastSeen, @bestAt,
      @frameCount, @direction, @box, @lat, @lon, @positionTrusted, @position, @storedAt`;
    this.findStmt = db.prepare('SELECT n, revision FROM detections WHERE id = ?');
    this.insertStmt = db.prepare(`INSERT INTO detections (id, ${cols}) VALUES (@id, ${vals})`);
    this.updateStmt = db.prepare(
      `UPDATE detections SET (${cols}, uploaded_at) = (${vals}, NULL) WHERE n = @n`,
    );
    this.imageStmt = db.prepare(
      `INSERT INTO images (detection_n, kind, sha256, bytes, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (detection_n, kind) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, data = excluded.data`,
    );
    this.getStmt = db.prepare('SELECT * FROM detections WHERE id = ?');
    this.recentStmt = db.prepare('SELECT * FROM detections ORDER BY best_at DESC LIMIT ?');
    this.readsStmt = db.prepare(
      'SELECT n, id, candidates, camera_id, best_at FROM detections WHERE best_at >= ? AND n > ? ORDER BY n LIMIT ?',
    );
    this.imageGetStmt = db.prepare('SELECT i.data FROM images i JOIN detections d ON d.n = i.detection_n WHERE d.id = ? AND i.kind = ?');
    this.manyStmt = db.prepare('SELECT * FROM detections WHERE n IN (SELECT value FROM json_each(?))');
    this.imagesManyStmt = db.prepare('SELECT detection_n, kind, sha256, bytes, data FROM images WHERE detection_n IN (SELECT value FROM json_each(?))');
    this.imagesManyNoDataStmt = db.prepare(
      'SELECT detection_n, kind, sha256, bytes, NULL AS data FROM images WHERE detection_n IN (SELECT value FROM json_each(?))',
    );
    this.holdStmt = db.prepare(
      'UPDATE detections SET evidence_hold = @hold, hold_by = @user, hold_reason = @reason, hold_at = @at WHERE id = @id',
    );
  }

  /**
   * Stores a detection and its images (inside the caller's transaction). A later revision of
   * the same id replaces the earlier one and has to be uploaded again; an equal or older
   * revision (a replay) changes nothing.
   */
  upsert(d: Detection, position: Position | null, deviceId: string): UpsertResult {
    const revision = d.revision ?? 0;
    const existing = this.findStmt.get(d.id);
    if (existing && existing.revision >= revision) return { n: existing.n, changed: false };
    const params = {
      id: d.id,
      revision,
      deviceId,
      cameraId: d.cameraId,
      text: d.text,
      confidence: d.confidence,
      candidates: JSON.stringify(d.candidates),
      region: d.region,
      firstSeen: d.firstSeen,
      lastSeen: d.lastSeen,
      bestAt: d.bestAt,
      frameCount: d.frameCount,
      direction: d.direction,
      box: JSON.stringify(d.box),
      lat: position?.lat ?? null,
      lon: position?.lon ?? null,
      positionTrusted: position?.trusted ? 1 : 0,
      position: position ? JSON.stringify(position) : null,
      storedAt: this.clock.now(),
    };
    let n: number;
    if (existing) {
      n = existing.n;
      this.updateStmt.run({ ...params, n });
    } else {
      n = Number(this.insertStmt.run(params).lastInsertRowid);
    }
    this.imageStmt.run(n, 'plate', sha256Hex(d.plateJpeg), d.plateJpeg.length, d.plateJpeg);
    this.imageStmt.run(n, 'overview', sha256Hex(d.overviewJpeg), d.overviewJpeg.length, d.overviewJpeg);
    return { n, changed: true };
  }

  get(id: string): DetectionSummary | null {
    const r = this.getStmt.get(id);
    return r ? toSummary(r) : null;
  }

  /** Newest first. */
  recent(limit: number): DetectionSummary[] {
    return this.recentStmt.all(clampLimit(limit)).map(toSummary);
  }

  /** Newest first; every filter optional. */
  search(q: SearchQuery): DetectionSummary[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: clampLimit(q.limit ?? 100), offset: Math.max(q.offset ?? 0, 0) };
    if (q.plate !== undefined && q.plate !== '') {
      const g = plateGlob(q.plate);
      where.push(`text ${g.op} @plate`);
      params.plate = g.value;
    }
    if (q.from !== undefined) {
      where.push('best_at >= @from');
      params.from = q.from;
    }
    if (q.to !== undefined) {
      where.push('best_at <= @to');
      params.to = q.to;
    }
    if (q.cameraId !== undefined) {
      where.push('camera_id = @cameraId');
      params.cameraId = q.cameraId;
    }
    if (q.bbox) {
      where.push('lat BETWEEN @minLat AND @maxLat AND lon BETWEEN @minLon AND @maxLon');
      Object.assign(params, q.bbox);
    }
    const sql = `SELECT * FROM detections ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY best_at DESC LIMIT @limit OFFSET @offset`;
    return (this.db.prepare(sql).all(params) as DetectionRow[]).map(toSummary);
  }

  /**
   * Reads captured since `sinceMs`, oldest stored first, for retroactive hot-list matching.
   * Fetched a page at a time, so the caller may write (addRetroactive) while iterating.
   */
  *recentReads(sinceMs: number): Iterable<RecentRead> {
    let after = 0;
    for (;;) {
      const rows = this.readsStmt.all(sinceMs, after, READS_PAGE);
      for (const r of rows) {
        yield { detectionId: r.id, candidates: JSON.parse(r.candidates) as Candidate[], cameraId: r.camera_id, at: r.best_at };
      }
      if (rows.length < READS_PAGE) return;
      after = rows[rows.length - 1]!.n;
    }
  }

  image(id: string, kind: ImageKind): Buffer | null {
    return this.imageGetStmt.get(id, kind)?.data ?? null;
  }

  /** Detections on evidence hold, most recently held first (administrator's records view); no plate text. */
  held(limit = 500): HeldDetection[] {
    const rows = this.db
      .prepare<[number], { id: string; camera_id: string; best_at: number; hold_by: string | null; hold_reason: string | null; hold_at: number | null }>(
        'SELECT id, camera_id, best_at, hold_by, hold_reason, hold_at FROM detections WHERE evidence_hold = 1 ORDER BY hold_at DESC, n DESC LIMIT ?',
      )
      .all(limit);
    return rows.map((r) => ({ id: r.id, cameraId: r.camera_id, bestAt: r.best_at, heldBy: r.hold_by, reason: r.hold_reason, heldAt: r.hold_at }));
  }

  /**
   * Puts a detection on (or takes it off) evidence hold: held detections survive retention and
   * quota purges (sacramento-pd C.1: "unless it is evidence"). Recorded in the audit log in the
   * same transaction; false when there is no such detection.
   */
  setEvidenceHold(id: string, hold: boolean, user: string, reason: string): boolean {
    return this.db.transaction((): boolean => {
      const changed = this.holdStmt.run({ id, hold: hold ? 1 : 0, user, reason, at: this.clock.now() }).changes > 0;
      if (changed) {
        this.audit.append({
          user,
          action: hold ? 'evidence_hold' : 'evidence_release',
          object: `detection:${id}`,
          purpose: reason,
          caseNumber: null,
          details: null,
          ip: null,
        });
      }
      return changed;
    })();
  }

  /** The whole record as uploaded; null when it no longer exists. */
  loadForUpload(n: number, withImages: boolean): StoredDetection | null {
    return this.loadManyForUpload([n], withImages).get(n) ?? null;
  }

  /** Several records by row number, three queries in all (the uploader's batch path). */
  loadManyForUpload(ns: readonly number[], withImages: boolean): Map<number, StoredDetection> {
    const out = new Map<number, StoredDetection>();
    if (ns.length === 0) return out;
    const list = JSON.stringify(ns);
    const withHits: number[] = [];
    for (const r of this.manyStmt.all(list)) {
      out.set(r.n, toStored(r));
      if (r.hit_count > 0) withHits.push(r.n);
    }
    for (const i of (withImages ? this.imagesManyStmt : this.imagesManyNoDataStmt).all(list)) {
      const d = out.get(i.detection_n);
      if (d) d.images[i.kind] = { sha256: i.sha256, bytes: i.bytes, data: i.data };
    }
    for (const [n, hits] of this.hits.forDetections(withHits)) {
      const d = out.get(n);
      if (d) d.hits = hits;
    }
    return out;
  }
}

function clampLimit(limit: number): number {
  return Math.min(Math.max(Math.floor(limit), 1), MAX_LIMIT);
}
