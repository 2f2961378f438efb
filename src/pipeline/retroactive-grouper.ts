/**
 * Retroactive matches (a plate newly listed, found in reads already stored) become one silent
 * notice per listed plate: "seen 22 times, last 15:49", never 22 alarms. Hits of one entry that
 * arrive within the group window of the group's first are told together when the window closes.
 */
import type { DetectionSummary } from '../store/detections-repo.js';
import type { AlertPresentation } from '../store/hit-alerts-repo.js';
import type { HitRecord } from '../store/hits-repo.js';
import type { LiveEvent } from './live-event.js';

type Notice = Extract<LiveEvent, { type: 'notice' }>;

interface Group {
  event: Notice;
  timer: NodeJS.Timeout | null;
}

export class RetroactiveGrouper {
  private readonly open = new Map<string, Group>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly tell: (e: Notice) => void,
  ) {}

  /** Adds a retroactive hit to its entry's open group (opening one); returns the group's alert id. */
  add(hit: HitRecord, detection: DetectionSummary, presentation: AlertPresentation): number {
    const g = this.open.get(hit.entry.id);
    if (g) {
      const n = g.event.notice;
      n.count++;
      n.hitIds.push(hit.id);
      n.firstAt = Math.min(n.firstAt, detection.bestAt);
      if (detection.bestAt >= n.lastAt) {
        n.lastAt = detection.bestAt;
        n.lastCameraId = detection.cameraId;
        n.lastDetectionId = detection.id;
      }
      g.event.eventId = Math.max(g.event.eventId ?? 0, hit.id);
      g.event.alert.hitId = g.event.eventId;
      return g.event.alert.alertId;
    }
    const event: Notice = {
      type: 'notice',
      eventId: hit.id,
      alert: { alertId: hit.id, hitId: hit.id, change: 'retroactive', presentation, sound: 'none', stage: 'pass_end', at: this.now() },
      notice: { kind: 'retroactive', entry: hit.entry, count: 1, firstAt: detection.bestAt, lastAt: detection.bestAt, lastCameraId: detection.cameraId, hitIds: [hit.id], lastDetectionId: detection.id },
    };
    const group: Group = { event, timer: null };
    this.open.set(hit.entry.id, group);
    if (this.windowMs <= 0) queueMicrotask(() => this.flush(hit.entry.id));
    else {
      group.timer = setTimeout(() => this.flush(hit.entry.id), this.windowMs);
      group.timer.unref();
    }
    return hit.id;
  }

  /** Tells every open group now (shutdown). */
  flushAll(): void {
    for (const key of [...this.open.keys()]) this.flush(key);
  }

  get pending(): number {
    return this.open.size;
  }

  private flush(key: string): void {
    const g = this.open.get(key);
    if (!g) return;
    clearTimeout(g.timer ?? undefined);
    this.open.delete(key);
    g.event.alert.at = this.now();
    this.tell(g.event);
  }
}
