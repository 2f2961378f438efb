/**
 * What the operator station needs from the rest of the daemon, as narrow interfaces. The store's
 * repositories, the hot list and the composition root's event bus satisfy them structurally:
 * `app.ts` passes the hot list and the events as they are, and for the store small adapters
 * that look the repository up per call (the store opens its database in start(), after the
 * server is built); tests pass small in-memory versions.
 */
import type { LocalEntryInput, LocalEntryResult } from '../hotlist/local-entries.js';
import type { HotlistEntryInfo, HotlistHit } from '../hotlist/types.js';
import type { FragmentAnswer } from '../hotlist/fragment-search.js';
import type { DetectionSummary, HeldDetection, ImageKind, SearchQuery } from '../store/detections-repo.js';
import type { HitFollowUp, HitHistoryEntry, HitOutcome, HitRecord } from '../store/hits-repo.js';
import type { DamageReport, DamageReportInput } from '../store/damage-reports-repo.js';
import type { RecordsSettings } from './pages/records.js';

// Records the store and the hot list define are used as they are (one definition, no drift; a
// test checks that this file declares none of the store's names); the ports below only narrow
// which methods the station may call.
export type { DetectionSummary, HitOutcome, HitRecord, ImageKind, LocalEntryInput, LocalEntryResult };
// The accounts and the audit log are their own domain (src/accounts/), shared with the
// command-line tools; the station takes their ports as they are.
export { ROLES } from '../accounts/ports.js';
export type { AuditInput, AuditPort, AuditQuery, AuditRecord, AuditVerifyResult, Role, UserPatch, UserRecord, UsersPort } from '../accounts/ports.js';
/** A detection search, as the detection repository takes it. */
export type DetectionQuery = SearchQuery;

export interface DetectionsPort {
  search(q: DetectionQuery): DetectionSummary[];
  get(id: string): DetectionSummary | null;
  recent(limit: number): DetectionSummary[];
  image(id: string, kind: ImageKind): Buffer | null;
  setEvidenceHold(id: string, hold: boolean, user: string, reason: string): boolean;
}

export const HIT_OUTCOMES: readonly HitOutcome[] = ['confirmed', 'misread', 'not_vehicle'];
export const HIT_FOLLOW_UPS: readonly HitFollowUp[] = ['dispatch_confirmed', 'stop_made', 'vehicle_recovered', 'arrest', 'no_action'];
export type { HitFollowUp, HitHistoryEntry };

export interface HitsPort {
  list(q: { since?: number; unverifiedOnly?: boolean; limit?: number }): HitRecord[];
  get(id: number): HitRecord | null;
  verify(id: number, v: { outcome: HitOutcome; user: string; note: string | null; at: number }): boolean;
  /** What came of a confirmed hit (dispatch, stop, recovery, arrest, no action). */
  annotate(id: number, v: { outcome: HitFollowUp; user: string; note: string | null; at: number }): HitHistoryEntry | 'not_found' | 'not_confirmed';
  /** Verification and outcomes, oldest first; kept when the detection is purged. */
  history(id: number): HitHistoryEntry[];
}

export interface HotlistPort {
  addLocalEntry(input: LocalEntryInput, actor: string): LocalEntryResult;
  removeLocalEntry(id: string, actor: string): boolean;
  listLocalEntries(): HotlistEntryInfo[];
  /** Quick look-up of a typed plate (full or partial): the matching entries in force, best first. */
  lookup(text: string): HotlistHit[];
  /** Listed plates containing a fragment (`?` one character, `*` any run), at most `limit` entries. */
  lookupFragment(text: string, limit: number): FragmentAnswer | { refused: string };
}

// The live events are the pipeline's (src/pipeline/live-event.ts); the station only reads them.
export type { AlertInfo, LiveEvent, RetroactiveNotice } from '../pipeline/live-event.js';
import type { LiveEvent } from '../pipeline/live-event.js';

export interface EventsPort {
  /** Returns the unsubscribe function. */
  subscribe(listener: (e: LiveEvent) => void): () => void;
  /** Alerts stored after hit id `afterId`, oldest first, as they were told live (replay on reconnect). */
  replay?(afterId: number, limit: number): { events: LiveEvent[]; truncated: boolean };
  /** The newest hit id: where a fresh stream stands. */
  lastId?(): number;
}

export interface SnapshotPort {
  /** JPEG of the camera's latest decoded frame, or null when it has none. */
  snapshot(cameraId: string): Promise<Buffer | null>;
}

export interface CameraReferencePort {
  /** The stored reference view (JPEG), or null before one was taken. */
  referenceImage(cameraId: string): Buffer | null;
  /** Re-takes the reference view from the camera's next pictures; false for an unknown or disabled camera. */
  retakeReference(cameraId: string): boolean;
}

export interface DamageReportsPort {
  add(r: DamageReportInput): DamageReport;
  get(id: number): DamageReport | null;
  list(limit?: number, offset?: number): DamageReport[];
  snapshot(id: number): Buffer | null;
}

/** The store's side: its retention configuration and the detections on hold. */
export interface RecordsPort {
  settings: RecordsSettings;
  held(limit: number): HeldDetection[];
}
