import { Type, type Static } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';

export const TrackerSection = Type.Object(
  {
    leave_timeout_s: Type.Number({ default: 2, minimum: 0.2, maximum: 30, description: 'A vehicle pass ends this long after its plate was last seen; its detection is then emitted. Also the longest gap between two reads of one pass.' }),
    max_track_s: Type.Number({ default: 30, minimum: 1, maximum: 600, description: 'A pass that lasts longer than this is emitted anyway (a parked car in view); later reads continue it through de-duplication.' }),
    min_frames: Type.Integer({ default: 2, minimum: 1, maximum: 50, description: 'Frames a pass needs before it becomes a detection (unless single_frame_confidence is reached).' }),
    min_text_length: Type.Integer({ default: 3, minimum: 1, maximum: 10, description: 'Passes whose consensus text is shorter are discarded: one- and two-character reads are nearly always road markings, sign fragments or a plate too far away to read. Lower it where one- and two-character vanity plates matter.' }),
    min_confidence: Type.Number({ default: 0.25, minimum: 0, maximum: 1, description: 'Consensus confidence a pass needs to become a detection. Low on purpose: a plate read in many frames with one disputed character is still a vehicle to store and match (its candidates carry the alternatives); reads of things that are not plates disagree everywhere and stay far below.' }),
    single_frame_confidence: Type.Number({ default: 0.85, minimum: 0, maximum: 1, description: 'A pass seen in fewer than min_frames frames still becomes a detection at this consensus confidence (a fast car may be seen once).' }),
    dedupe_window_s: Type.Number({ default: 10, minimum: 0, maximum: 600, description: 'The same plate on the same camera re-appearing within this time after its pass ended continues that detection (same id, next revision) instead of making a new one. 0 = off.' }),
    dedupe_max_distance: Type.Number({ default: 0.5, minimum: 0, maximum: 3, description: 'Largest OCR-aware edit distance between two passes\' texts for de-duplication (0.35 = one look-alike swap such as O/0, 1 = one other edit).' }),
    max_tracks_per_camera: Type.Integer({ default: 16, minimum: 1, maximum: 256, description: 'Open passes per camera; beyond this the least recently seen one is ended early (emitted if it qualifies) and counted as dropped.' }),
    top_n: Type.Integer({ default: 5, minimum: 1, maximum: 20, description: 'Candidate texts kept per detection, consensus first.' }),
    min_match_score: Type.Number({ default: 0.5, minimum: 0, maximum: 1, description: 'Score (half geometry, half text similarity) a read needs to join an open pass rather than open a new one.' }),
    min_text_similarity: Type.Number({ default: 0.5, minimum: 0, maximum: 1, description: 'When both a read and a pass are confident (≥ 0.8), their texts must be at least this similar for the read to join the pass.' }),
    max_jump_widths: Type.Number({ default: 3, minimum: 0.5, maximum: 20, description: 'Farthest a read may lie from the predicted box centre, in plate widths, to join a pass (doubled while the pass has no velocity yet).' }),
    direction_min_size_change: Type.Number({ default: 0.15, minimum: 0.01, maximum: 2, description: 'Relative plate-size change over a pass that decides approaching (growing) or receding (shrinking).' }),
    encode_retries: Type.Integer({ default: 1, minimum: 0, maximum: 3, description: 'Further attempts at encoding the evidence JPEGs after a failure.' }),
    emit_without_images: Type.Boolean({ default: true, description: 'When evidence encoding still fails after the retries, emit the detection with empty images (true) or drop it with an error (false).' }),
  },
  { additionalProperties: false, default: {}, description: 'Grouping per-frame reads into one detection per vehicle pass.' },
);
export type TrackerConfig = Static<typeof TrackerSection>;

/** Cross-field checks JSON Schema cannot express. */
export const trackerChecks: ConfigCheck[] = [
  (config) => {
    const t = config.tracker;
    const errors: string[] = [];
    if (t.max_track_s <= t.leave_timeout_s) errors.push('tracker.max_track_s: must be longer than tracker.leave_timeout_s');
    if (t.single_frame_confidence < t.min_confidence) errors.push('tracker.single_frame_confidence: must not be below tracker.min_confidence');
    return errors;
  },
];
