/**
 * Turns claimed outbox entries into one wire batch (docs/upload-api.yaml): each entry's record
 * read from the store, keyed for settlement, with the audit log's head. An entry whose record is
 * gone (purged since it was queued) leaves the outbox here. Corrections go only to a receiver that
 * announced them; to one that did not, the audit row that recorded them is their upload.
 */
import type { UploadConfig } from '../config/sections/upload.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/uuid.js';
import type { StatusReporter } from '../status/registry.js';
import { GENESIS_HASH } from '../store/audit-repo.js';
import type { OutboxEntry } from '../store/outbox-repo.js';
import type { UploadRecords } from './ports.js';
import type { ReceiverFeatures } from './receiver-features.js';
import { itemKey, type Batch } from './settlement.js';
import { API_VERSION, wireAudit, wireCorrection, wireDetection, wireHit, type WireAuditHead, type WireBatch } from './wire.js';

export interface BatchBuilderDeps {
  images: UploadConfig['images'];
  deviceId: string;
  store: UploadRecords;
  clock: Clock;
  status: StatusReporter;
  features: ReceiverFeatures;
}

export class BatchBuilder {
  constructor(private readonly deps: BatchBuilderDeps) {}

  /** The batch of `entries`; `imagesPhase`: records the server holds, sent again with their images inline. */
  build(entries: OutboxEntry[], estimatedBytes: number, imagesPhase: boolean): Batch {
    const { store, clock, deviceId, features } = this.deps;
    const wire: WireBatch = { api: API_VERSION, device_id: deviceId, batch_id: uuidv7(clock.now()), sent_at: clock.now(), detections: [], hits: [], audit: [], audit_head: this.auditHead() };
    if (features.has('corrections')) wire.corrections = [];
    const byKey = new Map<string, OutboxEntry>();
    const withImages = imagesPhase || this.deps.images === 'inline' || this.deps.images === 'separate';
    const detections = store.detections.loadManyForUpload(
      entries.filter((e) => e.stream === 'detection').map((e) => e.ref),
      withImages,
    );
    // An entry's record into the batch, keyed for settlement; a record gone since it was queued leaves the outbox.
    const take = <R extends { id: string | number }>(e: OutboxEntry, record: R | null | undefined, add: (r: R) => void): void => {
      if (!record) return store.outbox.remove(e.outboxId);
      add(record);
      byKey.set(itemKey(e.stream, record.id), e);
    };
    for (const e of entries) {
      switch (e.stream) {
        case 'detection':
          take(e, detections.get(e.ref), (d) => wire.detections.push(wireDetection(d, withImages)));
          break;
        case 'hit':
          take(e, store.hits.get(e.ref), (h) => wire.hits.push(wireHit(h)));
          break;
        case 'audit':
          take(e, store.audit.get(e.ref), (a) => wire.audit.push(wireAudit(a)));
          break;
        case 'correction': {
          const c = store.outbox.correction(e.ref);
          if (!c) store.outbox.remove(e.outboxId);
          else if (wire.corrections) {
            wire.corrections.push(wireCorrection(c));
            byKey.set(itemKey('correction', c.id), e);
          } else if (features.known) {
            // The receiver keeps no corrections of its own: the audit row that recorded the
            // report (action read.error.reported) is its upload, as before the stream existed.
            store.outbox.ack([e]);
            this.deps.status.count('corrections_audit_only');
          } else store.outbox.release([e.outboxId]); // not known yet: asked again next time
          break;
        }
      }
    }
    return { wire, entries, byKey, estimatedBytes, imagesPhase };
  }

  /**
   * The audit log's newest row as the batch is built (issue 19): with it the central sees rows
   * missing at the end of the log, which no later row would reveal. Read after the claim, so it
   * is never below the rows the batch carries; a retry resends it unchanged. Id and hash only.
   */
  private auditHead(): WireAuditHead {
    const last = this.deps.store.audit.query({ limit: 1 })[0];
    return last ? { id: last.id, hash: last.hash } : { id: 0, hash: GENESIS_HASH };
  }
}
