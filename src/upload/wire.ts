/**
 * The upload API's wire format (docs/upload-api.yaml), shared by the uploader and the
 * reference receiver. Field names are snake_case as in the document; times are ms since the
 * epoch; images are JPEG bytes (msgpack bin, or base64 in JSON).
 */
import type { Position } from '../gps/fix.js';
import type { HotlistEntryInfo } from '../hotlist/types.js';
import type { Box, Candidate } from '../recognizer/types.js';
import type { AuditRecord } from '../store/audit-repo.js';
import type { ImageKind, StoredDetection, StoredImage } from '../store/detections-repo.js';
import type { HitRecord } from '../store/hits-repo.js';
import type { Correction } from '../store/users-repo.js';

/** The two evidence images of a detection (one declaration: the store's), as the wire names them. */
export type { ImageKind };

export const API_VERSION = 1;
export type WireStream = 'detection' | 'hit' | 'audit' | 'correction';

/**
 * Optional parts of the API a receiver announces at `GET /v1/capabilities` (a receiver without
 * that route has none of them, and the device keeps to version 1 as first published):
 * `corrections` = the batch's `corrections` array is stored and acknowledged;
 * `image_pieces` = images may be sent in resumable pieces (`/v1/images/{id}/{kind}/upload`).
 */
export const FEATURES = ['corrections', 'image_pieces'] as const;
export type Feature = (typeof FEATURES)[number];

export interface WireCapabilities {
  api: number;
  features: string[];
  /** Largest piece body the receiver takes (bytes). */
  max_piece_bytes?: number;
  /** Largest whole image the receiver takes (bytes). */
  max_image_bytes?: number;
}

/**
 * A misread reported at the station (issue 20): the detection's text as read and what a person
 * says it is. The original detection is never changed; the correction is stored beside it.
 */
export interface WireCorrection {
  /** Unique per device. */
  id: number;
  detection_id: string;
  hit_id: number | null;
  original_text: string;
  corrected_text: string;
  note: string;
  reported_by: string;
  reported_at: number;
}

/** Where a receiver stands with one image sent in pieces. */
export interface WirePieceState {
  /** Bytes held so far: the next piece starts here. */
  offset: number;
  bytes: number;
  /** The whole image is stored (assembled and its SHA-256 verified). */
  complete: boolean;
}

export interface WireImage {
  sha256: string;
  bytes: number;
  content_type: 'image/jpeg';
  /** Present when images travel inline. */
  data?: Uint8Array | string;
}

export interface WireHit {
  id: number;
  detection_id: string;
  entry: HotlistEntryInfo;
  generation: string;
  kind: string;
  read_text: string;
  explanation: string;
  informational: boolean;
  retroactive: boolean;
  created_at: number;
  outcome: string | null;
  verified_by: string | null;
  verified_at: number | null;
  note: string | null;
}

export interface WireDetection {
  id: string;
  revision: number;
  camera_id: string;
  text: string;
  confidence: number;
  candidates: Candidate[];
  region: string | null;
  first_seen: number;
  last_seen: number;
  best_at: number;
  frame_count: number;
  direction: string;
  box: Box;
  position: Position | null;
  stored_at: number;
  evidence_hold: boolean;
  images: Record<ImageKind, WireImage | null>;
  hits: WireHit[];
}

export interface WireAudit {
  id: number;
  at: number;
  user: string | null;
  action: string;
  object: string | null;
  purpose: string | null;
  case_number: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The device's audit-chain head when the batch was built (issue 19): its newest audit row's id
 * and hash, `{ id: 0, hash: 64 zeros }` for an empty log. Ids and a hex hash only, never row
 * content, so never plate text. Optional: receivers without it and devices without it still
 * work; a central that has it sees rows missing at the end of the log and a log that went back.
 */
export interface WireAuditHead {
  id: number;
  /** 64 hex digits, or `k1:` and 64 hex digits for a keyed row (store.audit_key). */
  hash: string;
}

/** What an audit_head's hash may look like: the hashes the device's chain makes, nothing else. */
export const AUDIT_HEAD_HASH = /^(k1:)?[0-9a-f]{64}$/;

export interface WireBatch {
  api: number;
  device_id: string;
  /** The idempotency key: the same batch retried carries the same id. */
  batch_id: string;
  sent_at: number;
  detections: WireDetection[];
  hits: WireHit[];
  audit: WireAudit[];
  /** Only to a receiver that announced the `corrections` feature. */
  corrections?: WireCorrection[];
  /** The device's audit-chain head (absent from devices before issue 19). */
  audit_head?: WireAuditHead;
}

export interface WireRejection {
  stream: WireStream;
  id: string | number;
  reason: string;
}

export interface WireAck {
  batch_id: string;
  acknowledged: { detections: string[]; hits: number[]; audit: number[]; corrections?: number[] };
  rejected: WireRejection[];
}

export function wireImage(img: StoredImage | null, inline: boolean): WireImage | null {
  if (!img) return null;
  const out: WireImage = { sha256: img.sha256, bytes: img.bytes, content_type: 'image/jpeg' };
  if (inline && img.data) out.data = img.data;
  return out;
}

export function wireHit(h: HitRecord): WireHit {
  return {
    id: h.id,
    detection_id: h.detectionId,
    entry: h.entry,
    generation: h.generation,
    kind: h.kind,
    read_text: h.readText,
    explanation: h.explanation,
    informational: h.informational,
    retroactive: h.retroactive,
    created_at: h.createdAt,
    outcome: h.outcome,
    verified_by: h.verifiedBy,
    verified_at: h.verifiedAt,
    note: h.note,
  };
}

export function wireDetection(d: StoredDetection, inlineImages: boolean): WireDetection {
  return {
    id: d.id,
    revision: d.revision,
    camera_id: d.cameraId,
    text: d.text,
    confidence: d.confidence,
    candidates: d.candidates,
    region: d.region,
    first_seen: d.firstSeen,
    last_seen: d.lastSeen,
    best_at: d.bestAt,
    frame_count: d.frameCount,
    direction: d.direction,
    box: d.box,
    position: d.position,
    stored_at: d.storedAt,
    evidence_hold: d.evidenceHold,
    images: { plate: wireImage(d.images.plate, inlineImages), overview: wireImage(d.images.overview, inlineImages) },
    hits: d.hits.map(wireHit),
  };
}

export function wireAudit(a: AuditRecord): WireAudit {
  return {
    id: a.id,
    at: a.at,
    user: a.user,
    action: a.action,
    object: a.object,
    purpose: a.purpose,
    case_number: a.caseNumber,
    details: a.details,
    ip: a.ip,
    prev_hash: a.prevHash,
    hash: a.hash,
  };
}

export function wireCorrection(c: Correction): WireCorrection {
  return {
    id: c.id,
    detection_id: c.detectionId,
    hit_id: c.hitId,
    original_text: c.originalText,
    corrected_text: c.correctedText,
    note: c.note,
    reported_by: c.reportedBy,
    reported_at: c.reportedAt,
  };
}
