/**
 * From an upload batch (docs/upload-api.yaml) to the items the central store keeps, and the
 * per-item acknowledgement the device gets. Pure: the same function serves the direct receiver
 * and the JetStream edge, so both answer a device exactly alike.
 *
 * Item validation is the reference receiver's (src/receiver/validate.ts), plus what a
 * time-partitioned store needs: every detection id must be a UUIDv7 (the device makes them so)
 * whose timestamp picks the month partition. The key is therefore a function of the id alone,
 * and a later revision always lands on the row it replaces.
 */
import { createHash } from 'node:crypto';
import { validateAudit, validateCorrection, validateDetection, validateHit } from '../receiver/validate.js';
import { imageBytes } from '../upload/codec.js';
import type { ImageKind, WireAck, WireAudit, WireBatch, WireCorrection, WireDetection, WireHit } from '../upload/wire.js';


export interface ImageItem {
  kind: 'image';
  device: string;
  detectionId: string;
  capturedAt: number;
  imageKind: ImageKind;
  sha256: string;
  data: Buffer;
}

export interface DetectionItem {
  kind: 'detection';
  device: string;
  /** Time encoded in the UUIDv7 id (ms): the partition key. */
  capturedAt: number;
  /** The detection as sent, image bytes removed (they travel as ImageItems). */
  detection: WireDetection;
  images: ImageItem[];
}

export interface HitItem {
  kind: 'hit';
  device: string;
  capturedAt: number;
  hit: WireHit;
}

/** One per accepted batch: the device's heartbeat (last contact, counts). */
export interface ContactItem {
  kind: 'contact';
  device: string;
  batchId: string;
  sentAt: number;
  receivedAt: number;
  detections: number;
}

/** A misread correction (issue 20), stored once beside the detections by (device, id). */
export interface CorrectionItem {
  kind: 'correction';
  device: string;
  correction: WireCorrection;
}

export type IngestItem = DetectionItem | HitItem | ImageItem | ContactItem | CorrectionItem;

/**
 * What became of an audit row: stored (or already held, identical), ahead of a gap (not
 * acknowledged: the device sends it again after the rows before it), or refused with a reason.
 */
export type AuditVerdict = 'stored' | 'ahead' | { reason: string };

/** Where an item goes in the acknowledgement once durable; null = nothing to acknowledge. */
export type AckRef = { stream: 'detection'; id: string } | { stream: 'hit' | 'correction'; id: number } | null;

export interface PreparedBatch {
  device: string;
  items: { item: IngestItem; ack: AckRef }[];
  /** Audit rows in id order; validated and chained by the store, synchronously (see CentralStore.appendAudit). */
  audit: WireAudit[];
  /** The acknowledgement with `rejected` filled in and `acknowledged` still empty. */
  ack: WireAck;
}

export interface TimeWindow {
  now: number;
  /** Oldest accepted capture time (ms): the retention cut-off. */
  oldestMs: number;
  /** Newest accepted capture time (ms): now plus the allowed clock skew. */
  newestMs: number;
}

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The millisecond timestamp of a UUIDv7, or null when the string is not one. */
export function uuidv7Time(id: string): number | null {
  if (!UUID7.test(id)) return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

function timeProblem(field: string, id: string, w: TimeWindow): string | { at: number } {
  const at = uuidv7Time(id);
  if (at === null) return `${field} must be a UUIDv7`;
  if (at < w.oldestMs) return `${field} is older than the central retention period`;
  if (at > w.newestMs) return `${field} is dated in the future (device clock?)`;
  return { at };
}


/**
 * `conflicts`: detection id → the image kind for which a different image is already stored
 * (evidence is write-once, as the reference receiver has it).
 */
export function prepareBatch(batch: WireBatch, w: TimeWindow, conflicts: ReadonlyMap<string, ImageKind> = new Map()): PreparedBatch {
  const device = batch.device_id;
  const ack: WireAck = { batch_id: batch.batch_id, acknowledged: { detections: [], hits: [], audit: [], corrections: [] }, rejected: [] };
  const items: PreparedBatch['items'] = [];
  for (const d of batch.detections) {
    const idText = typeof d?.id === 'string' ? d.id : String(d?.id);
    let problem: string | { at: number } | null = validateDetection(d);
    if (!problem) problem = timeProblem('id', d.id, w);
    if (!problem || typeof problem === 'string') {
      ack.rejected.push({ stream: 'detection', id: idText, reason: problem ?? 'invalid' });
      continue;
    }
    const conflict = conflicts.get(d.id);
    if (conflict) {
      ack.rejected.push({ stream: 'detection', id: d.id, reason: `a different ${conflict} image is already stored; evidence is write-once` });
      continue;
    }
    const hitProblem = d.hits.map((h) => (uuidv7Time(h.detection_id) === null ? `hit ${h.id}: detection_id must be a UUIDv7` : null)).find(Boolean);
    if (hitProblem) {
      ack.rejected.push({ stream: 'detection', id: idText, reason: hitProblem });
      continue;
    }
    items.push({ item: detectionItem(device, d, problem.at), ack: { stream: 'detection', id: d.id } });
  }
  for (const h of batch.hits) {
    const idOut = typeof h?.id === 'number' ? h.id : String(h?.id);
    let problem: string | { at: number } | null = validateHit(h);
    if (!problem) problem = timeProblem('detection_id', h.detection_id, w);
    if (!problem || typeof problem === 'string') {
      ack.rejected.push({ stream: 'hit', id: idOut, reason: problem ?? 'invalid' });
      continue;
    }
    items.push({ item: { kind: 'hit', device, capturedAt: problem.at, hit: h }, ack: { stream: 'hit', id: h.id } });
  }
  for (const c of batch.corrections ?? []) {
    const problem = validateCorrection(c);
    if (problem) ack.rejected.push({ stream: 'correction', id: typeof c?.id === 'number' ? c.id : String(c?.id), reason: problem });
    else items.push({ item: { kind: 'correction', device, correction: c }, ack: { stream: 'correction', id: c.id } });
  }
  const audit = [...batch.audit].sort((a, b) => (typeof a?.id === 'number' && typeof b?.id === 'number' ? a.id - b.id : 0));
  if (items.length > 0 || audit.length > 0) {
    const n = items.filter((i) => i.item.kind === 'detection').length;
    items.push({ item: { kind: 'contact', device, batchId: batch.batch_id, sentAt: Number(batch.sent_at) || 0, receivedAt: w.now, detections: n }, ack: null });
  }
  return { device, items, audit, ack };
}

function detectionItem(device: string, d: WireDetection, capturedAt: number): DetectionItem {
  const images: ImageItem[] = [];
  for (const k of ['plate', 'overview'] as const) {
    const img = d.images[k];
    const data = imageBytes(img);
    if (img && data) images.push({ kind: 'image', device, detectionId: d.id, capturedAt, imageKind: k, sha256: img.sha256, data });
  }
  const meta = (k: ImageKind): WireDetection['images'][ImageKind] => {
    const i = d.images[k];
    return i ? { sha256: i.sha256, bytes: i.bytes, content_type: i.content_type } : null;
  };
  return { kind: 'detection', device, capturedAt, detection: { ...d, images: { plate: meta('plate'), overview: meta('overview') } }, images };
}

/**
 * Fills `acknowledged` from the items that became durable and picks the status: 200 when
 * anything was stored, 422 when every item was rejected, 503 when nothing could be made durable
 * (the device retries the same batch).
 */
export function finishAck(p: PreparedBatch, durable: boolean[], audit: readonly AuditVerdict[] = []): { status: number; ack: WireAck } {
  const ack = p.ack;
  let failed = 0;
  p.audit.forEach((a, i) => {
    const v = audit[i];
    const problem = validateAudit(a);
    if (problem) ack.rejected.push({ stream: 'audit', id: typeof a?.id === 'number' ? a.id : String(a?.id), reason: problem });
    else if (v === 'stored') ack.acknowledged.audit.push(a.id);
    else if (v && v !== 'ahead') ack.rejected.push({ stream: 'audit', id: a.id, reason: v.reason });
  });
  p.items.forEach(({ ack: ref }, i) => {
    if (!ref) return;
    if (!durable[i]) {
      failed++;
      return;
    }
    if (ref.stream === 'detection') ack.acknowledged.detections.push(ref.id);
    else if (ref.stream === 'hit') ack.acknowledged.hits.push(ref.id);
    else ack.acknowledged.corrections!.push(ref.id);
  });
  const acked = ack.acknowledged.detections.length + ack.acknowledged.hits.length + ack.acknowledged.audit.length + (ack.acknowledged.corrections?.length ?? 0);
  if (acked > 0) return { status: 200, ack };
  if (failed > 0) return { status: 503, ack };
  return { status: ack.rejected.length > 0 ? 422 : 200, ack };
}

/**
 * A device-chosen string (device id, batch id) as part of a message id: hashed, so that no
 * character a device sends can reach a NATS header line.
 */
export function idPart(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 22);
}

/** The JetStream message id of an item: equal ids within the window are stored by JetStream once. */
export function messageId(item: IngestItem): string {
  const dev = idPart(item.device);
  switch (item.kind) {
    case 'detection':
      return `d:${dev}:${item.detection.id}:${item.detection.revision}`;
    case 'hit':
      // A hit is updated in place (verification outcome): the id alone would drop the update.
      return `h:${dev}:${item.hit.id}:${createHash('sha256').update(JSON.stringify(item.hit)).digest('hex').slice(0, 20)}`;
    case 'image':
      return `i:${dev}:${item.detectionId}:${item.imageKind}:${item.sha256}`;
    case 'contact':
      return `c:${dev}:${idPart(item.batchId)}`;
    case 'correction':
      return `m:${dev}:${item.correction.id}`;
  }
}
