/**
 * What the uploader needs of the store, as narrow interfaces (house review F2): the outbox it
 * claims and settles, the records a batch carries read by id, and the `onStored` subscription
 * that ends an idle wait. upload/ depends on these, not on the store class; the `Store`
 * satisfies them structurally and app.ts passes it as it is. Its repositories are getters that
 * throw STORE_NOT_STARTED until it starts, so the uploader reads them at each use, never once.
 */
import type { AuditRepo } from '../store/audit-repo.js';
import type { DetectionsRepo } from '../store/detections-repo.js';
import type { HitsRepo } from '../store/hits-repo.js';
import type { OutboxRepo } from '../store/outbox-repo.js';
import type { StoredEvent } from '../store/store-writer.js';

/** The outbox and the records its entries point at (batch-builder.ts). */
export interface UploadRecords {
  /** Whole: the outbox is the uploader's queue, claimed, settled and released only here. */
  readonly outbox: OutboxRepo;
  readonly detections: Pick<DetectionsRepo, 'loadManyForUpload'>;
  readonly hits: Pick<HitsRepo, 'get'>;
  /** Rows by id, and the log's newest row (the batch's audit head). */
  readonly audit: Pick<AuditRepo, 'get' | 'query'>;
}

/** The store as the uploader sees it (uploader.ts). */
export interface UploadStore extends UploadRecords {
  /** Subscribes to commits; returns the unsubscribe function. */
  onStored(listener: (e: StoredEvent) => void): () => void;
}
