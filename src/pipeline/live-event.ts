/**
 * What the detection sink tells the operator station, live and on replay (docs/operator.md,
 * "Event stream"). Records are the store's own types.
 */
import type { HotlistEntryInfo } from '../hotlist/types.js';
import type { DetectionSummary } from '../store/detections-repo.js';
import type { AlertChange, AlertPresentation, AlertStage } from '../store/hit-alerts-repo.js';
import type { HitRecord } from '../store/hits-repo.js';

/** How a hit is told to the station. */
export interface AlertInfo {
  /** Hit id of the alert this event belongs to (the first hit of a seen-again chain). */
  alertId: number;
  /** The stored hit this event reports. */
  hitId: number;
  change: AlertChange;
  presentation: AlertPresentation;
  /** alarm: repeat until acknowledged; amber: once; informational and notices: none. */
  sound: 'repeat' | 'once' | 'none';
  /** Raised on the pass's first confident read, or when the pass ended. */
  stage: AlertStage;
  at: number;
  /** On `seen_again`: passes folded into the alert so far, the latest one's time and camera. */
  seenAgain?: { count: number; lastAt: number; cameraId: string };
  /**
   * Set when the hit's detection could not be stored (`disk_full`, or `store_failed` for another
   * write error): the alert is told from memory. Its hit and alert ids are negative (no stored
   * hit has them), it has no SSE id, no images and nothing to verify; replayed from memory.
   */
  unstored?: UnstoredReason;
}

export type UnstoredReason = 'disk_full' | 'store_failed';

/** One silent notice per listed plate for retroactive matches (never an alarm). */
export interface RetroactiveNotice {
  kind: 'retroactive';
  entry: HotlistEntryInfo;
  count: number;
  firstAt: number;
  lastAt: number;
  lastCameraId: string;
  hitIds: number[];
  lastDetectionId: string;
}

type Hit = Omit<HitRecord, 'readText'> & { readText?: string };
type Detection = Omit<DetectionSummary, 'position'> & { position: unknown };

/** `eventId` (a hit id) is the SSE id of the events a reconnecting page must not miss. */
export type LiveEvent =
  | { type: 'detection'; detection: Detection }
  | { type: 'hit'; hit: Hit; detection: Detection; alert?: AlertInfo; eventId?: number; replayed?: boolean }
  | { type: 'hit-update'; hit: Hit; detection: Detection; alert: AlertInfo; eventId?: number; replayed?: boolean }
  | { type: 'notice'; notice: RetroactiveNotice; alert: AlertInfo; eventId?: number; replayed?: boolean };
