/**
 * The junction after the tracker: every detection gets its position at capture time, is matched
 * against the hot list (every candidate), stored durably, and only then told to the operator
 * station — a detection event, and an alert for each new hit.
 *
 *   tracker ──detection──▶ position at bestAt ──▶ hot-list match ──▶ store.ingest (durable)
 *                                                                     │ onStored ──▶ uploader
 *                                                                     ▼
 *                                  alert policy (new / revised / seen again) ──▶ live events ──▶ station
 *   hot list ──retroactive hits──▶ store ──▶ grouped notice per plate (silent) ─┘
 *
 * Policy held here, and nowhere else:
 * - a hit is told once: a later revision of the same pass (the pass ended after a hit on its
 *   first confident read, or a re-appearance continued it) updates the alert ("revised");
 * - no floods: another pass of a plate on an entry with an alert raised or handled within
 *   `alerts.seen_again_window_min` updates that alert ("seen again") instead of alarming;
 * - retroactive matches are one silent notice per listed plate, never alarms;
 * - presentation (alarm / amber / informational) per list (presentation.ts);
 * - a detection the store could not keep (disk full even after the reserve and a purge) still
 *   has its hits told, from memory and marked `unstored`, by the same rules (the no-flood and
 *   revision rules from memory, recent-alerts.ts); the loss is counted and logged, never with
 *   plate text (issue 17 item 3).
 * How each hit was told is stored with it (store/hit-alerts-repo.ts), so a page that reconnects
 * gets what it missed, told the same way (`replay`). The uploader hears of new rows from the
 * store itself; nothing here wakes it. Plate text is never logged (shasta 467.6 (a)).
 */
import type { AlertsConfig } from '../config/sections/alerts.js';
import type { Position } from '../gps/fix.js';
import type { HotlistHit } from '../hotlist/types.js';
import type { Detection } from '../reads/detection.js';
import type { Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import { EventBus } from '../shared/event-bus.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { DetectionSummary } from '../store/detections-repo.js';
import type { AlertChange, AlertStage, HitAlertsRepo } from '../store/hit-alerts-repo.js';
import type { HitRecord } from '../store/hits-repo.js';
import type { StoreErrors } from '../store/errors.js';
import type { StoredRef } from '../store/store.js';
import type { AlertInfo, LiveEvent, UnstoredReason } from './live-event.js';
import { presentationOf, presentationRules, soundOf, type PresentationRules } from './presentation.js';
import { entryKey, RecentAlerts } from './recent-alerts.js';
import { RetroactiveGrouper } from './retroactive-grouper.js';

/** What the sink needs of the store. */
export interface SinkStore {
  ingest(d: Detection, position: Position | null, hits: HotlistHit[]): Promise<StoredRef>;
  addRetroactiveHits(detectionId: string, hits: HotlistHit[]): HitRecord[];
  readonly detections: { get(id: string): DetectionSummary | null };
  readonly hits: { get(id: number): HitRecord | null };
  readonly hitAlerts: Pick<HitAlertsRepo, 'record' | 'get' | 'openAlert' | 'alertOnSameDetection' | 'seenAgainCount' | 'after' | 'lastId'>;
}

export interface DetectionSinkDeps {
  config: AlertsConfig;
  /** `hotlist.special_lists`: informational only. */
  specialLists: readonly string[];
  logger: Logger;
  /** Counts stored detections, hits and losses (the tracker's unit: its detections end here). */
  status: StatusReporter;
  clock: Clock;
  positionAt(captureTimeMs: number): Position | null;
  match(candidates: readonly { text: string; confidence: number }[]): HotlistHit[];
  store: SinkStore;
}

/** The live events with the replay a reconnecting page asks for (the station's `EventsPort`). */
export class LiveEvents extends EventBus<LiveEvent> {
  constructor(
    onListenerError: (err: unknown) => void,
    private readonly source: { replay(afterId: number, limit: number): { events: LiveEvent[]; truncated: boolean }; lastId(): number },
  ) {
    super(onListenerError);
  }

  replay(afterId: number, limit: number): { events: LiveEvent[]; truncated: boolean } {
    return this.source.replay(afterId, limit);
  }

  lastId(): number {
    return this.source.lastId();
  }
}

export class DetectionSink implements Unit {
  readonly name = 'pipeline';
  readonly events: LiveEvents;
  private readonly rules: PresentationRules;
  private readonly grouper: RetroactiveGrouper;
  private readonly log: Logger;
  private readonly recent: RecentAlerts;
  /**
   * Ids of unstored alerts: negative, so no stored hit has them, and unique across restarts (the
   * page remembers the ids it has shown for a whole session): minus the start time in µs, down.
   */
  private nextUnstoredId: number;
  /**
   * Unstored alerts told this run, for pages that reconnect (newest UNSTORED_REPLAY_MAX): each
   * with the newest stored hit id when it was told, so it is replayed after exactly those.
   */
  private readonly unstoredLog: { afterStored: number; event: LiveEvent }[] = [];

  constructor(private readonly deps: DetectionSinkDeps) {
    this.log = deps.logger;
    this.recent = new RecentAlerts(deps.config.seen_again_window_min * 60_000);
    this.nextUnstoredId = -deps.clock.now() * 1000 - 1;
    this.rules = presentationRules(deps.config, deps.specialLists);
    this.events = new LiveEvents((err) => this.log.warn({ err: errorMessage(err) }, 'a live-event listener threw'), {
      replay: (afterId, limit) => this.replay(afterId, limit),
      lastId: () => this.deps.store.hitAlerts.lastId(),
    });
    this.grouper = new RetroactiveGrouper(deps.config.retroactive_group_s * 1000, () => deps.clock.now(), (e) => this.events.emit(e));
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Tells the retroactive notices still waiting for their group to close. */
  stop(): Promise<void> {
    this.grouper.flushAll();
    return Promise.resolve();
  }

  /** Detection → position at capture time → hot-list match → durable store → live event and alerts. */
  onDetection(d: Detection): void {
    const { store, status } = this.deps;
    const position = this.deps.positionAt(d.bestAt);
    // A detection always has its best text; older emitters sent no candidate list.
    const candidates = d.candidates.length > 0 ? d.candidates : [{ text: d.text, confidence: d.confidence }];
    const hits = this.deps.match(candidates);
    store
      .ingest(d, position, hits)
      .then(
        (ref) => this.stored(ref, d),
        (err: unknown) => {
          // The store has already turned its status red, logged and counted `lost_detections`;
          // this count shows the loss on the pipeline's line. Hits are still told, from memory.
          status.count('store_failed');
          if (hits.length > 0) status.count('hits_unstored', hits.length);
          this.log.error({ id: d.id, camera: d.cameraId, hits: hits.length, err: errorMessage(err) }, 'detection could not be stored');
          if (hits.length > 0) this.alertUnstored(d, position, hits, isDiskFull(err) ? 'disk_full' : 'store_failed');
        },
      )
      // Stored, but not told (the store closing under a shutdown): the page's replay will tell it.
      .catch((err: unknown) => {
        status.count('tell_failed');
        this.log.warn({ id: d.id, err: errorMessage(err) }, 'a stored detection could not be told to the station');
      });
  }

  /** Hits of an older read against a newer list: stored, then one silent notice per listed plate. */
  onRetroactiveHit(detectionId: string, hits: HotlistHit[]): void {
    const { store, clock } = this.deps;
    const records = store.addRetroactiveHits(detectionId, hits);
    const detection = store.detections.get(detectionId);
    if (!detection) return;
    for (const hit of records) {
      if (store.hitAlerts.get(hit.id)) continue;
      const presentation = presentationOf(hit.entry, this.rules);
      const alertId = this.grouper.add(hit, detection, presentation);
      store.hitAlerts.record({ hitId: hit.id, alertId, change: 'retroactive', presentation, stage: 'pass_end', at: clock.now() });
      this.deps.status.count('retroactive_hits');
      this.log.info({ hit: hit.id, alert: alertId, detection: detectionId, list: hit.entry.list }, 'retroactive hit stored (grouped notice, silent)');
    }
  }

  private stored(ref: StoredRef, d: Detection): void {
    const { store, status } = this.deps;
    const detection = store.detections.get(ref.id);
    if (!detection) return;
    status.count(d.provisional ? 'first_read_stored' : 'detections_stored');
    this.log.info(
      { id: ref.id, camera: d.cameraId, revision: d.revision ?? 0, confidence: Math.round(d.confidence * 100) / 100, hits: ref.hitIds.length, ...(d.provisional ? { stage: 'first_read' } : {}) },
      d.provisional ? 'first confident read stored' : 'detection stored',
    );
    this.events.emit({ type: 'detection', detection });
    const stage: AlertStage = d.provisional ? 'first_read' : 'pass_end';
    for (const id of ref.hitIds) {
      const hit = store.hits.get(id);
      if (hit) this.alert(hit, detection, stage);
    }
  }

  /** Decides how one stored hit is told, records that with it, and tells it. */
  private alert(hit: HitRecord, detection: DetectionSummary, stage: AlertStage): void {
    const { store, clock, config } = this.deps;
    const told = store.hitAlerts.get(hit.id);
    const presentation = presentationOf(hit.entry, this.rules);
    if (told) {
      // The same hit reported again by a later revision of its pass: update, never alarm again.
      const alert = this.alertInfo(told.alertId, hit.id, 'revised', presentation, stage);
      this.events.emit({ type: 'hit-update', hit, detection, alert });
      return;
    }
    let change: AlertChange = 'new';
    let alertId = hit.id;
    let seenAgain: AlertInfo['seenAgain'];
    const sameDetection = store.hitAlerts.alertOnSameDetection(hit.id, hit.entry.id);
    if (sameDetection !== null) {
      change = 'revised';
      alertId = sameDetection;
    } else if (config.seen_again_window_min > 0) {
      const open = store.hitAlerts.openAlert(hit.id, hit.entry.id, hit.readText, clock.now() - config.seen_again_window_min * 60_000);
      if (open) {
        change = 'seen_again';
        alertId = open.alertId;
        seenAgain = { count: open.seenAgain + 1, lastAt: detection.bestAt, cameraId: detection.cameraId };
      }
    }
    store.hitAlerts.record({ hitId: hit.id, alertId, change, presentation, stage, at: clock.now() });
    this.recent.note({ alertId, detectionId: detection.id, entryId: hit.entry.id, key: entryKey(hit.entry.id, hit.kind, hit.readText), at: clock.now(), seenAgain: seenAgain?.count ?? 0 });
    const alert = { ...this.alertInfo(alertId, hit.id, change, presentation, stage), ...(seenAgain ? { seenAgain } : {}) };
    this.deps.status.count(change === 'new' ? `alerts_${presentation}` : `alerts_${change}`);
    this.log.info(
      { hit: hit.id, alert: alertId, detection: detection.id, camera: detection.cameraId, list: hit.entry.list, match: hit.kind, presentation, change, stage },
      change === 'new' ? `HIT: ${presentation} alert` : `hit ${change.replace('_', ' ')} (no new alarm)`,
    );
    if (change === 'new') this.events.emit({ type: 'hit', hit, detection, alert, eventId: hit.id });
    else this.events.emit({ type: 'hit-update', hit, detection, alert, eventId: hit.id });
  }

  /**
   * Tells the hits of a detection the store could not keep, from memory: the same presentation,
   * sound and no-flood rules as a stored hit (recent-alerts.ts), marked `unstored`, with negative
   * ids and no SSE id (nothing to verify; replayed from memory). A listener that throws is the bus's concern;
   * anything else here is logged and counted, never thrown at the store's promise.
   */
  private alertUnstored(d: Detection, position: Position | null, hits: HotlistHit[], reason: UnstoredReason): void {
    const { clock, status } = this.deps;
    try {
      const now = clock.now();
      const detection = unstoredSummary(d, position, hits.length);
      const stage: AlertStage = d.provisional ? 'first_read' : 'pass_end';
      for (const h of hits) {
        const hit: HitRecord = {
          id: this.nextUnstoredId--,
          detectionId: d.id,
          entry: h.entry,
          generation: h.generation,
          kind: h.kind,
          readText: h.readText,
          explanation: h.explanation,
          informational: h.entry.informational,
          retroactive: h.retroactive,
          createdAt: now,
          outcome: null,
          verifiedBy: null,
          verifiedAt: null,
          note: null,
        };
        const presentation = presentationOf(h.entry, this.rules);
        const key = entryKey(h.entry.id, h.kind, h.readText);
        const decision = this.recent.decide(d.id, h.entry.id, key, now);
        const alertId = decision.change === 'new' ? hit.id : decision.alertId;
        const seenAgain = decision.change === 'seen_again' ? { count: decision.count, lastAt: d.bestAt, cameraId: d.cameraId } : undefined;
        this.recent.note({ alertId, detectionId: d.id, entryId: h.entry.id, key, at: now, seenAgain: seenAgain?.count ?? 0 });
        const alert: AlertInfo = { ...this.alertInfo(alertId, hit.id, decision.change, presentation, stage, now), ...(seenAgain ? { seenAgain } : {}), unstored: reason };
        status.count(decision.change === 'new' ? `alerts_${presentation}` : `alerts_${decision.change}`);
        status.count('alerts_unstored');
        this.log.warn(
          { alert: alertId, detection: d.id, camera: d.cameraId, list: h.entry.list, match: h.kind, presentation, change: decision.change, stage, unstored: reason },
          decision.change === 'new' ? `HIT: ${presentation} alert (not stored: ${reason.replace('_', ' ')})` : `unstored hit ${decision.change.replace('_', ' ')} (no new alarm)`,
        );
        const event: LiveEvent = decision.change === 'new' ? { type: 'hit', hit, detection, alert } : { type: 'hit-update', hit, detection, alert };
        this.unstoredLog.push({ afterStored: this.storedLastId(), event: { ...event, replayed: true } });
        if (this.unstoredLog.length > UNSTORED_REPLAY_MAX) this.unstoredLog.shift();
        this.events.emit(event);
      }
    } catch (err) {
      status.count('tell_failed');
      this.log.error({ id: d.id, err: errorMessage(err) }, 'the hits of an unstored detection could not be told to the station');
    }
  }

  /** The newest stored hit id; 0 when the store cannot say (no database). */
  private storedLastId(): number {
    try {
      return this.deps.store.hitAlerts.lastId();
    } catch {
      return 0;
    }
  }

  private alertInfo(alertId: number, hitId: number, change: AlertChange, presentation: AlertInfo['presentation'], stage: AlertStage, at = this.deps.clock.now()): AlertInfo {
    return { alertId, hitId, change, presentation, sound: soundOf(presentation, change), stage, at };
  }

  /**
   * Every hit stored after `afterId`, oldest first, told as it was live: new alerts as `hit`,
   * revisions and seen-again passes as `hit-update`, retroactive hits grouped into one notice per
   * listed plate (at the place of the group's newest hit).
   */
  private replay(afterId: number, limit: number): { events: LiveEvent[]; truncated: boolean } {
    const { store } = this.deps;
    const rows = store.hitAlerts.after(afterId, limit + 1);
    const truncated = rows.length > limit;
    const out: LiveEvent[] = [];
    const groups = new Map<string, Extract<LiveEvent, { type: 'notice' }>>();
    for (const { hitId, alert } of rows.slice(0, limit)) {
      const hit = store.hits.get(hitId);
      const detection = hit ? store.detections.get(hit.detectionId) : null;
      if (!hit || !detection) continue;
      const presentation = alert?.presentation ?? presentationOf(hit.entry, this.rules);
      const change = alert?.change ?? 'new';
      const info = this.alertInfo(alert?.alertId ?? hit.id, hit.id, change, presentation, alert?.stage ?? 'pass_end', alert?.at ?? hit.createdAt);
      if (change === 'retroactive') {
        const g = groups.get(hit.entry.id);
        if (!g) {
          const notice = { kind: 'retroactive' as const, entry: hit.entry, count: 1, firstAt: detection.bestAt, lastAt: detection.bestAt, lastCameraId: detection.cameraId, hitIds: [hit.id], lastDetectionId: detection.id };
          const event = { type: 'notice' as const, alert: info, eventId: hit.id, replayed: true, notice };
          groups.set(hit.entry.id, event);
          out.push(event);
          continue;
        }
        const n = g.notice;
        n.count++;
        n.hitIds.push(hit.id);
        n.firstAt = Math.min(n.firstAt, detection.bestAt);
        if (detection.bestAt >= n.lastAt) {
          n.lastAt = detection.bestAt;
          n.lastCameraId = detection.cameraId;
          n.lastDetectionId = detection.id;
        }
        g.eventId = hit.id;
        g.alert.hitId = hit.id;
        continue;
      }
      if (change === 'seen_again') info.seenAgain = { count: store.hitAlerts.seenAgainCount(info.alertId, hit.id), lastAt: detection.bestAt, cameraId: detection.cameraId };
      out.push({ type: change === 'new' ? 'hit' : 'hit-update', hit, detection, alert: info, eventId: hit.id, replayed: true });
    }
    // Unstored alerts told after the stored ones the page has (a page that saw one live drops it
    // by its id); on a truncated page only those told before its last stored hit.
    const upTo = truncated ? (rows[limit - 1]?.hitId ?? afterId) : Infinity;
    const order = new Map<LiveEvent, number>();
    for (const { afterStored, event } of this.unstoredLog) {
      if (afterStored < afterId || afterStored >= upTo) continue;
      order.set(event, afterStored + 0.5);
      out.push(event);
    }
    // A grouped notice takes the place of its newest hit, so the ids a page sees only grow.
    out.sort((a, b) => (order.get(a) ?? eventIdOf(a)) - (order.get(b) ?? eventIdOf(b)));
    return { events: out, truncated };
  }
}

/** Unstored alerts kept for pages that reconnect. */
const UNSTORED_REPLAY_MAX = 200;

/** The store's code, checked by the compiler, without importing store code (a later stage). */
const DISK_FULL: keyof typeof StoreErrors = 'STORE_DISK_FULL';

function isDiskFull(err: unknown): boolean {
  return err instanceof AlprError && err.code === DISK_FULL;
}

/** What the station is told of a detection that was not stored: its own fields, no images. */
function unstoredSummary(d: Detection, position: Position | null, hitCount: number): DetectionSummary {
  return {
    id: d.id,
    cameraId: d.cameraId,
    text: d.text,
    confidence: d.confidence,
    candidates: d.candidates.length > 0 ? d.candidates : [{ text: d.text, confidence: d.confidence }],
    region: d.region,
    firstSeen: d.firstSeen,
    lastSeen: d.lastSeen,
    bestAt: d.bestAt,
    frameCount: d.frameCount,
    direction: d.direction,
    lat: position?.lat ?? null,
    lon: position?.lon ?? null,
    positionTrusted: position?.trusted ?? false,
    position,
    hitCount,
    uploaded: false,
    evidenceHold: false,
  };
}

function eventIdOf(e: LiveEvent): number {
  return e.type === 'detection' ? 0 : (e.eventId ?? 0);
}
