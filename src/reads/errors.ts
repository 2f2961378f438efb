import { defineErrors } from '../shared/errors.js';

/**
 * Error codes of the tracker (documented in docs/reads.md, "Error codes"). Messages carry ids,
 * never plate text: logs are not behind the audited login that stored reads are
 * (shasta 467.6 (a); roseville 426.8 (a)).
 */
export const ReadsErrors = defineErrors({
  TRACKER_ENCODE_FAILED: 'evidence encoding failed for detection {id} on camera {camera} (attempt {attempt}): {detail}',
  TRACKER_DETECTION_LOST: 'detection {id} on camera {camera} dropped: evidence encoding failed and tracker.emit_without_images is false',
  TRACKER_LISTENER_FAILED: 'detection listener failed for detection {id}: {detail}',
});
