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

export const API_VERSION = 1;
export type WireStream = 'detection' | 'hit' | 'audit';

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

export interface WireBatch {
  api: number;
  device_id: string;
  /** The idempotency key: the same batch retried carries the same id. */
  batch_id: string;
  sent_at: number;
  detections: WireDetection[];
  hits: WireHit[];
  audit: WireAudit[];
}

export interface WireRejection {
  stream: WireStream;
  id: string | number;
  reason: string;
}

export interface WireAck {
  batch_id: string;
  acknowledged: { detections: string[]; hits: number[]; audit: number[] };
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
