/**
 * One detection per vehicle pass. Per camera, each read of a frame joins the open track it
 * matches best (predicted box + text, see association.ts) or opens a new one; a track ends when
 * its plate has not been seen for `leave_timeout_s`, when it outlasts `max_track_s`, when the
 * camera has too many open tracks, or at shutdown, and then becomes a detection (pass-emitter.ts).
 *
 *   FrameReads + Frame ──push──▶ associate ──▶ Track (vote, motion, best frame)
 *                                                 │ ends (left / max duration / evicted / stop)
 *                                                 ▼
 *                           PassEmitter: qualify or continue a recent pass ─▶ encode ─▶ onDetection
 *
 * Frames are retained by reference (the best one per open track): a camera must hand over a
 * fresh buffer per frame and never write into one it has emitted.
 */
import type { Frame } from '../camera/frame.js';
import type { TrackerConfig } from '../config/sections/tracker.js';
import type { Box, FrameReads, PlateRead, SecondOpinion, SecondReaderFrames } from '../recognizer/types.js';
import type { Clock } from '../shared/clock.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import { assignGreedy, matchScore, type Pair } from './association.js';
import type { Detection } from './detection.js';
import { ConfusionTable } from '../plate/confusion-table.js';
import { normalisePlate } from '../plate/normalise.js';
import { PassEmitter, type EndReason, type EvidenceEncoder, type FirstReadOptions } from './pass-emitter.js';
import { Track } from './track.js';
import { iou as boxIou } from './box-motion.js';

/** A place where the second reader read no text (see `blankSpots`). */
interface BlankSpot {
  box: Box;
  frames: SecondReaderFrames;
  lastSeen: number;
}
/** Bounded memory: at most this many blank spots per camera. */
const MAX_BLANK_SPOTS = 16;

export interface PlateTrackerDeps {
  config: TrackerConfig;
  logger: Logger;
  status: StatusReporter;
  clock: Clock;
  /** Encodes the best frame's plate crop and overview as JPEG. */
  encode: EvidenceEncoder;
  /** Receives every detection (and every later revision of one). A throw is counted, not fatal. */
  onDetection: (detection: Detection) => void;
  /** The configured confusion classes (`hotlist.confusion_classes`), so that association, voting
   *  and de-duplication use the table the hot list matches with; unset: the defaults. */
  confusion?: ConfusionTable;
  /** Emit a confident pass still in view at once (hits on the first confident read); see pass-emitter.ts. */
  firstRead?: FirstReadOptions;
}

export class PlateTracker implements Unit {
  readonly name = 'tracker';
  private readonly cameras = new Map<string, Track[]>();
  private readonly emitter: PassEmitter;
  private readonly leaveMs: number;
  private readonly maxTrackMs: number;
  /** Period of the leave check. */
  readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private nextSeq = 0;
  private readonly table: ConfusionTable;
  /**
   * Per camera, the places where the second reader read no text at all (clutter the detector
   * fires on, which it reads as blank): no track keeps such a read, so without these the network
   * would run on it again in every frame (most of its runs on the demo clip).
   */
  private readonly blankSpots = new Map<string, BlankSpot[]>();

  constructor(private readonly deps: PlateTrackerDeps) {
    this.emitter = new PassEmitter(deps);
    this.table = deps.confusion ?? ConfusionTable.DEFAULT;
    this.leaveMs = deps.config.leave_timeout_s * 1000;
    this.maxTrackMs = deps.config.max_track_s * 1000;
    this.tickMs = Math.round(Math.min(250, Math.max(20, this.leaveMs / 20)));
  }

  start(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
    this.deps.status.set('ok');
    this.deps.status.detail('tick_ms', this.tickMs);
    return Promise.resolve();
  }

  /** Ends every open track (a clean shutdown must not lose a vehicle in view) and waits for their emission. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      this.timer = undefined;
      this.blankSpots.clear();
      for (const [camera, tracks] of this.cameras) {
        for (const t of tracks) this.emitter.finish(t, 'shutdown');
        this.cameras.delete(camera);
      }
      this.report();
      await this.emitter.drain();
      this.deps.status.set('stopped');
    })();
    return this.stopping;
  }

  /** One frame's reads, with the frame they came from (kept only if it becomes a track's best). */
  push(reads: FrameReads, frame: Frame): void {
    const { status } = this.deps;
    if (this.stopping) {
      status.count('reads_after_stop', reads.plates.length);
      return;
    }
    if (frame.cameraId !== reads.cameraId || frame.seq !== reads.seq) {
      status.count('frame_mismatch');
      this.deps.logger.warn({ camera: reads.cameraId, seq: reads.seq, frameCamera: frame.cameraId, frameSeq: frame.seq }, 'reads paired with the wrong frame; dropped');
      return;
    }
    const now = this.deps.clock.now();
    const t = reads.capturedAt;
    const tracks = this.cameras.get(reads.cameraId) ?? [];
    this.cameras.set(reads.cameraId, tracks);
    this.endWhere(tracks, (tr) => t - tr.firstSeen >= this.maxTrackMs, 'max_duration');

    const plates: PlateRead[] = [];
    for (const p of reads.plates) {
      if (normalisePlate(p.text)) plates.push(p);
      else {
        status.count('reads_empty');
        this.noteBlank(reads.cameraId, p, t);
      }
    }
    status.count('reads_in', plates.length);

    const pairs: Pair[] = [];
    tracks.forEach((tr, j) => {
      if (Math.abs(t - tr.lastSeen) > this.leaveMs) return;
      const consensus = tr.vote.consensus();
      const side = { text: consensus.text, confidence: consensus.confidence, predicted: tr.motion.predict(t), hasVelocity: tr.motion.hasVelocity };
      plates.forEach((p, i) => {
        const score = matchScore({ text: normalisePlate(p.text), confidence: p.confidence, box: p.box }, side, this.deps.config, this.table);
        if (score !== null) pairs.push({ read: i, track: j, score });
      });
    });
    const assigned = new Set<number>();
    const touched: Track[] = [];
    for (const pair of assignGreedy(pairs)) {
      tracks[pair.track]!.add(plates[pair.read]!, frame, t, now);
      touched.push(tracks[pair.track]!);
      assigned.add(pair.read);
      status.count('reads_merged');
    }
    plates.forEach((p, i) => {
      if (assigned.has(i)) return;
      if (tracks.length >= this.deps.config.max_tracks_per_camera) this.evictOldest(tracks);
      const track = new Track(this.nextSeq++, reads.cameraId, t, now, this.emitter.recentFor(reads.cameraId, t), this.table);
      track.add(p, frame, t, now);
      tracks.push(track);
      touched.push(track);
      status.count('tracks_opened');
    });
    for (const track of touched) this.emitter.offerFirstRead(track);
    this.report();
  }

  /**
   * The second opinions the camera's open tracks hold, at the boxes they expect at `capturedAt`:
   * sent with the camera's next frame so that the second reader's network runs once per vehicle.
   */
  secondOpinions(cameraId: string, capturedAt: number): SecondOpinion[] {
    const spots = (this.blankSpots.get(cameraId) ?? []).filter((s) => capturedAt - s.lastSeen <= this.leaveMs);
    if (spots.length > 0) this.blankSpots.set(cameraId, spots);
    else this.blankSpots.delete(cameraId);
    const out: SecondOpinion[] = spots.map((s) => ({ box: s.box, frames: s.frames }));
    for (const tr of this.cameras.get(cameraId) ?? []) {
      if (Math.abs(capturedAt - tr.lastSeen) > this.leaveMs) continue;
      const o = tr.secondOpinionAt(capturedAt);
      if (o) out.push(o);
    }
    return out;
  }

  /** A read with no text: where the second reader ran (a new spot) or reused a spot's opinion (it moves there). */
  private noteBlank(cameraId: string, read: PlateRead, t: number): void {
    const spots = this.blankSpots.get(cameraId) ?? [];
    const near = spots.find((s) => boxIou(s.box, read.box) >= 0.3);
    if (near) {
      near.box = read.box;
      near.lastSeen = t;
      if (read.secondOpinion) near.frames = read.secondOpinion;
    } else if (read.secondOpinion && spots.length < MAX_BLANK_SPOTS) {
      spots.push({ box: read.box, frames: read.secondOpinion, lastSeen: t });
    }
    if (spots.length > 0) this.blankSpots.set(cameraId, spots);
  }

  /**
   * Ends tracks whose plate left the view or that lasted too long; driven by the interval,
   * callable from tests. A track ends once its silence reaches leave − tick − encoding budget
   * (the slowest recent evidence encoding, at most a quarter of the leave timeout), so that its
   * detection, images included, is delivered no later than `leave_timeout_s` after the last read.
   */
  tick(now: number = this.deps.clock.now()): void {
    const endAfter = this.leaveMs - this.tickMs - Math.min(this.emitter.encodeBudgetMs, this.leaveMs / 4);
    for (const [camera, tracks] of this.cameras) {
      this.endWhere(tracks, (tr) => now - tr.lastArrival >= endAfter, 'left');
      this.endWhere(tracks, (tr) => tr.lastSeen - tr.firstSeen >= this.maxTrackMs, 'max_duration');
      if (tracks.length === 0) this.cameras.delete(camera);
    }
    this.emitter.prune(now);
    this.report();
  }

  private endWhere(tracks: Track[], ended: (t: Track) => boolean, reason: EndReason): void {
    for (let i = tracks.length - 1; i >= 0; i--) {
      const tr = tracks[i]!;
      if (!ended(tr)) continue;
      tracks.splice(i, 1);
      this.emitter.finish(tr, reason);
    }
  }

  /**
   * Bounded memory: a track makes room, emitted if it qualifies. Tentative tracks go first (one
   * read too weak to stand alone: clutter the detector fires on, read as different text in every
   * frame, opens many of these), the least recently seen first; a vehicle's track is only ended
   * early when the camera is full of other vehicles.
   */
  private evictOldest(tracks: Track[]): void {
    const { min_frames, single_frame_confidence } = this.deps.config;
    const tentative = (tr: Track): boolean => tr.frames < min_frames && tr.vote.consensus().confidence < single_frame_confidence;
    let victim = 0;
    tracks.forEach((tr, i) => {
      const v = tracks[victim]!;
      const [a, b] = [tentative(tr), tentative(v)];
      if ((a && !b) || (a === b && tr.lastArrival < v.lastArrival)) victim = i;
    });
    const [dropped] = tracks.splice(victim, 1);
    this.deps.status.count('tracks_dropped');
    this.emitter.finish(dropped!, 'evicted');
  }

  private report(): void {
    const { status } = this.deps;
    let open = 0;
    let frames = 0;
    let bytes = 0;
    const perCamera: Record<string, number> = {};
    for (const [camera, tracks] of this.cameras) {
      open += tracks.length;
      perCamera[camera] = tracks.length;
      for (const tr of tracks) {
        if (tr.best) frames++;
        bytes += tr.retainedBytes();
      }
    }
    status.gauge('open_tracks', open);
    status.gauge('retained_frames', frames);
    status.gauge('retained_bytes', bytes);
    status.gauge('remembered_passes', this.emitter.rememberedPasses);
    status.gauge('encode_budget_ms', Math.round(this.emitter.encodeBudgetMs));
    status.detail('open_tracks_by_camera', perCamera);
  }
}
