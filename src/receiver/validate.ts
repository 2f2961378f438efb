/**
 * Validation of uploaded items by the reference receiver: one reason string per bad item (or
 * null). A real server may check more; these are the checks the contract requires.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { decodeBody, imageBytes } from '../upload/codec.js';
import { AUDIT_HEAD_HASH, type WireAudit, type WireAuditHead, type WireBatch, type WireCorrection, type WireDetection, type WireHit } from '../upload/wire.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLATE = /^[A-Z0-9]{1,16}$/;

export function validateDetection(d: WireDetection | null | undefined): string | null {
  if (!d || typeof d !== 'object') return 'not an object';
  if (typeof d.id !== 'string' || !UUID.test(d.id)) return 'id must be a UUID';
  if (typeof d.text !== 'string' || !PLATE.test(d.text)) return 'text must be 1-16 characters A-Z 0-9';
  if (typeof d.confidence !== 'number' || !(d.confidence >= 0 && d.confidence <= 1)) return 'confidence must be within 0..1';
  if (!Number.isInteger(d.revision) || d.revision < 0) return 'revision must be a non-negative integer';
  for (const k of ['first_seen', 'last_seen', 'best_at', 'stored_at'] as const) {
    if (!Number.isFinite(d[k])) return `${k} must be a time in ms`;
  }
  if (typeof d.camera_id !== 'string' || d.camera_id === '') return 'camera_id is required';
  if (!Array.isArray(d.candidates) || !Array.isArray(d.hits)) return 'candidates and hits must be arrays';
  if (!d.images || typeof d.images !== 'object') return 'images is required';
  for (const kind of ['plate', 'overview'] as const) {
    const img = d.images[kind];
    if (img === null || img === undefined) continue;
    if (typeof img.sha256 !== 'string') return `images.${kind}.sha256 is required`;
    const bytes = imageBytes(img);
    if (bytes && createHash('sha256').update(bytes).digest('hex') !== img.sha256) return `images.${kind}: data does not match its sha256`;
  }
  for (const h of d.hits) {
    const p = validateHit(h);
    if (p) return `hit ${String(h?.id)}: ${p}`;
  }
  return null;
}

export function validateHit(h: WireHit | null | undefined): string | null {
  if (!h || typeof h !== 'object') return 'not an object';
  if (!Number.isInteger(h.id)) return 'id must be an integer';
  if (typeof h.detection_id !== 'string' || !UUID.test(h.detection_id)) return 'detection_id must be a UUID';
  if (!h.entry || typeof h.entry !== 'object') return 'entry is required';
  return null;
}

export function validateAudit(a: WireAudit | null | undefined): string | null {
  if (!a || typeof a !== 'object') return 'not an object';
  if (!Number.isInteger(a.id)) return 'id must be an integer';
  if (typeof a.hash !== 'string' || typeof a.prev_hash !== 'string') return 'hash and prev_hash are required';
  if (typeof a.action !== 'string' || a.action === '') return 'action is required';
  return null;
}

export function validateCorrection(c: WireCorrection | null | undefined): string | null {
  if (!c || typeof c !== 'object') return 'not an object';
  if (!Number.isSafeInteger(c.id) || c.id < 1) return 'id must be a positive integer';
  if (typeof c.detection_id !== 'string' || !UUID.test(c.detection_id)) return 'detection_id must be a UUID';
  if (c.hit_id !== null && !Number.isSafeInteger(c.hit_id)) return 'hit_id must be an integer or null';
  if (typeof c.original_text !== 'string' || !PLATE.test(c.original_text)) return 'original_text must be 1-16 characters A-Z 0-9';
  if (typeof c.corrected_text !== 'string' || !PLATE.test(c.corrected_text)) return 'corrected_text must be 1-16 characters A-Z 0-9';
  if (typeof c.note !== 'string' || c.note.length > 2000) return 'note must be a string of at most 2000 characters';
  if (typeof c.reported_by !== 'string' || c.reported_by === '' || c.reported_by.length > 200) return 'reported_by is required (at most 200 characters)';
  if (!Number.isFinite(c.reported_at)) return 'reported_at must be a time in ms';
  return null;
}

/** A problem with the batch as a whole (answered 400), or null. */
export function batchShapeProblem(b: unknown): string | null {
  const x = b as Partial<WireBatch> | null;
  if (!x || typeof x !== 'object') return 'body must be a batch object';
  if (typeof x.device_id !== 'string' || x.device_id === '') return 'device_id is required';
  if (typeof x.batch_id !== 'string' || x.batch_id === '') return 'batch_id is required';
  for (const k of ['detections', 'hits', 'audit'] as const) if (!Array.isArray(x[k])) return `${k} must be an array`;
  if (x.corrections !== undefined && !Array.isArray(x.corrections)) return 'corrections must be an array when present';
  return x.audit_head === undefined ? null : auditHeadProblem(x.audit_head);
}

/**
 * The optional `audit_head` (issue 19): a row id and a chain hash, nothing else. The hash must
 * look like one the device's chain makes, so the field cannot carry text (plate text least of all).
 */
export function auditHeadProblem(h: WireAuditHead | null | undefined): string | null {
  if (!h || typeof h !== 'object' || Array.isArray(h)) return 'audit_head must be an object {id, hash} when present';
  if (!Number.isSafeInteger(h.id) || h.id < 0) return 'audit_head.id must be a non-negative integer';
  if (typeof h.hash !== 'string' || !AUDIT_HEAD_HASH.test(h.hash)) return 'audit_head.hash must be 64 hex digits (k1: before them for a keyed row)';
  if (Object.keys(h).some((k) => k !== 'id' && k !== 'hash')) return 'audit_head has only id and hash';
  return null;
}

/**
 * A batch request's body, inflated (at most `maxDecoded` bytes: a small gzip must not take the
 * receiver's memory) and decoded, with its shape checked; or the status and message to answer.
 * Both receivers (the reference one and the central tier's) read batches through this.
 */
export function readBatchRequest(
  body: Buffer,
  headers: { contentType: string | undefined; contentEncoding: string | undefined },
  maxDecoded: number,
): { batch: WireBatch } | { status: 400 | 413; message: string } {
  let batch: WireBatch;
  try {
    let bytes = body;
    let encoding = headers.contentEncoding;
    if (encoding?.trim().toLowerCase() === 'gzip') {
      bytes = gunzipSync(bytes, { maxOutputLength: maxDecoded });
      encoding = 'identity';
    }
    batch = decodeBody(bytes, headers.contentType, encoding) as WireBatch;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { status: 413, message: `the body inflates past ${maxDecoded} bytes` };
    return { status: 400, message: `unreadable body: ${err instanceof Error ? err.message : String(err)}` };
  }
  const shape = batchShapeProblem(batch);
  return shape ? { status: 400, message: shape } : { batch };
}
