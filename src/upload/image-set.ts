/**
 * One detection's images after its record (`upload.images: deferred`): each image sent by the
 * ImageSender (in pieces or whole), then the detection's outbox row settled: done when every
 * image is stored, quarantined when the receiver will never take one, else handed back to pending
 * (stopping, a hit took the link, a failure waiting out the pacing rule).
 */
import { AlprError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { ImageWork, OutboxRepo } from '../store/outbox-repo.js';
import { UploadErrors } from './errors.js';
import type { ImageResult, ImageSender } from './image-sender.js';
import type { ReceiverFeatures } from './receiver-features.js';
import type { UploadHealth } from './upload-health.js';

export interface ImageSetDeps {
  /** The store's outbox (a getter: read at each use, as the store may close meanwhile). */
  outbox: () => OutboxRepo;
  images: ImageSender;
  features: ReceiverFeatures;
  health: UploadHealth;
  status: StatusReporter;
  logger: Logger;
}

/** Sends the images of one claimed detection; returns the pause before the next request. */
export async function sendImageSet(deps: ImageSetDeps, work: ImageWork): Promise<number> {
  const { status } = deps;
  const outbox = deps.outbox;
  let settled = false;
  try {
    for (const img of work.images) {
      const r: ImageResult = await deps.images.send(work, img, deps.features.has('image_pieces'));
      switch (r.kind) {
        case 'stored':
          outbox().imageSent(work.entry.outboxId, img.kind);
          status.count('uploaded_images');
          continue;
        case 'gone':
          continue;
        case 'paused':
          return 0;
        case 'no-pieces':
          // The receiver announced pieces but has no such route (replaced behind a balancer?):
          // whole images until it is asked again.
          deps.features.drop('image_pieces');
          return 0;
        case 'rejected':
          outbox().quarantine(work.entry.outboxId, r.reason);
          settled = true;
          status.count('quarantined');
          deps.logger.warn({ stream: 'detection', id: work.detectionId, reason: r.reason }, new AlprError(UploadErrors.UPLOAD_REJECTED, { stream: 'detection', id: work.detectionId, reason: r.reason }).message);
          return 0;
        case 'retry':
          deps.health.fail(r.reason, r.refused);
          return deps.health.pause(r.retryAfterMs);
      }
    }
    outbox().imagesDone(work.entry);
    settled = true;
    status.count('uploaded_image_sets');
    return 0;
  } finally {
    if (!settled) outbox().release([work.entry.outboxId]);
  }
}
