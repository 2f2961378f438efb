/**
 * Retention policy as pure functions of the configuration and the time. The SQL in
 * `purge-repo.ts` selects exactly what `retentionVerdict` says, and the tests check both at the
 * boundaries.
 *
 * - Nothing older than `max_age_d` survives unless on evidence hold, uploaded or not
 *   (sacramento-pd C.1: "maximum of two years ... purged after the retention period unless it
 *   is evidence"; shasta 467.5).
 * - An acknowledged detection stays `grace_after_upload_h` after the acknowledgement and at least
 *   `min_age_d` after capture; the central server keeps the agency's copy for the legal
 *   minimum (sacramento-pd C.1: 90 days; shasta 467.5: one year).
 * - Detections the server has not acknowledged are never purged by retention before the maximum.
 */
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface RetentionSettings {
  min_age_d: number;
  max_age_d: number;
  grace_after_upload_h: number;
}

export interface RetentionCutoffs {
  /** Captured strictly before this: past the maximum age. */
  maxAgeBefore: number;
  /** Captured at or before this: old enough to purge once acknowledged. */
  minAgeAtOrBefore: number;
  /** Acknowledged at or before this: the grace has run out. */
  uploadedAtOrBefore: number;
}

export type RetentionReason = 'max_age' | 'acknowledged';

export function retentionCutoffs(s: RetentionSettings, now: number): RetentionCutoffs {
  return {
    maxAgeBefore: now - s.max_age_d * DAY_MS,
    minAgeAtOrBefore: now - s.min_age_d * DAY_MS,
    uploadedAtOrBefore: now - s.grace_after_upload_h * HOUR_MS,
  };
}

export interface RetentionSubject {
  bestAt: number;
  uploadedAt: number | null;
  evidenceHold: boolean;
}

/** Why this detection is due for purging now, or null when it stays. */
export function retentionVerdict(d: RetentionSubject, s: RetentionSettings, now: number): RetentionReason | null {
  if (d.evidenceHold) return null;
  const c = retentionCutoffs(s, now);
  if (d.bestAt < c.maxAgeBefore) return 'max_age';
  if (d.uploadedAt !== null && d.uploadedAt <= c.uploadedAtOrBefore && d.bestAt <= c.minAgeAtOrBefore) return 'acknowledged';
  return null;
}

/** Next batch size so that one batch takes about `targetMs`: shrink fast, grow slowly. */
export function nextBatchSize(current: number, tookMs: number, targetMs: number, max = 5000): number {
  if (tookMs > targetMs) return Math.max(1, Math.floor((current * targetMs * 0.8) / tookMs));
  if (tookMs < targetMs / 2) return Math.min(max, current * 2);
  return current;
}
