/**
 * Turns ended tracks into detections: decides whether a pass qualifies, continues a recent
 * pass of the same plate (de-duplication), encodes the evidence JPEGs and calls the listener.
 *
 * Evidence failures: the encoder is retried (`encode_retries`, default once: sharp failing on
 * one frame is usually a transient memory or thread-pool hiccup), then the detection is
 * emitted with empty images (`emit_without_images`, default). Text, time, camera and position
 * are the record the policies require (sacramento-pd 525.08 A.4) and a hot-list hit must still
 * alert; losing the vehicle would be worse than losing its picture. Either way the failure is
 * counted, logged with its code and shown as the unit's last error.
 */
import type { Frame } from '../camera/frame.js';
import type { TrackerConfig } from '../config/sections/tracker.js';
import type { Box, PlateRead } from '../recognizer/types.js';
import type { Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { uuidv7 } from '../shared/uuid.js';
import type { StatusReporter } from '../status/registry.js';
import type { Detection, Direction } from './detection.js';
import { ReadsErrors } from './errors.js';
import { LatencyWindow } from '../shared/latency-window.js';
import { ConfusionTable } from '../plate/confusion-table.js';
import { plateDistance } from '../plate/edit-alignment.js';
import type { PlateVote } from './plate-vote.js';
import type { BestFrame, PassRef, Track } from './track.js';

export interface Evidence {
  plateJpeg: Buffer;
  overviewJpeg: Buffer;
}

/** Encodes the plate crop and the overview frame (the recognizer's sharp-based encoder). */
export type EvidenceEncoder = (frame: Frame, box: Box, corners: PlateRead['corners']) => Promise<Evidence>;

export type EndReason = 'left' | 'max_duration' | 'evicted' | 'shutdown';

export interface PassEmitterDeps {
  config: TrackerConfig;
  logger: Logger;
  status: StatusReporter;
  clock: Clock;
  encode: EvidenceEncoder;
  onDetection: (detection: Detection) => void;
  /** The configured confusion classes (`hotlist.confusion_classes`); unset: the defaults. */
  confusion?: ConfusionTable;
  /**
   * Hits on the first confident read: a track still in view whose consensus reaches
   * `minConfidence` (and qualifies as a pass) is emitted at once, marked `provisional`, when
   * `wanted` says its candidates are worth it (the composition root asks the hot list); the
   * pass's end then emits it again as the next revision. Unset: detections only at pass end.
   */
  firstRead?: FirstReadOptions;
}

export interface FirstReadOptions {
  minConfidence: number;
  wanted(candidates: readonly { text: string; confidence: number }[]): boolean;
}

/** A track emitted on its first confident read: the pass's end continues its id and chain. */
interface FirstRead {
  id: string;
  best: BestFrame;
  evidence: Promise<Evidence | null>;
  done: Promise<void>;
  /** Consensus texts already offered to `wanted` (a changed consensus is asked again). */
  asked: Set<string>;
}

/** An emitted pass, kept for `dedupe_window_s` so that the same plate re-appearing continues it. */
interface EmittedPass extends PassRef {
  revision: number;
  vote: PlateVote;
  firstSeen: number;
  frames: number;
  direction: Direction;
  region: string | null;
  bestScore: number;
  bestBox: Box;
  bestAt: number;
  evidence: Promise<Evidence | null>;
  /** Emissions of one pass run in revision order. */
  chain: Promise<void>;
  endedAt: number;
}

/** Emitted passes remembered per camera for de-duplication. */
const MAX_RECENT = 32;

export class PassEmitter {
  private readonly recent = new Map<string, EmittedPass[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly latency = new LatencyWindow(256);
  /** Durations (ms) of the last successful encodings, newest last. */
  private readonly encodeMs: number[] = [];
  private lastEncodeFailed = false;
  private readonly firstReads = new WeakMap<Track, FirstRead | { asked: Set<string> }>();

  constructor(private readonly deps: PassEmitterDeps) {}

  /** Passes that a track starting at `capturedAt` on `cameraId` may continue. */
  recentFor(cameraId: string, capturedAt: number): PassRef[] {
    const windowMs = this.deps.config.dedupe_window_s * 1000;
    if (windowMs <= 0) return [];
    return (this.recent.get(cameraId) ?? []).filter((p) => capturedAt - p.lastSeen <= windowMs);
  }

  /**
   * Called after a track gained a read: emits it now, once, if its consensus is confident, it
   * would qualify as a pass, it does not continue a pass already emitted, and `firstRead.wanted`
   * accepts its candidates.
   */
  offerFirstRead(track: Track): void {
    const opts = this.deps.firstRead;
    const { config, status } = this.deps;
    if (!opts || !track.best) return;
    const state = this.firstReads.get(track) ?? { asked: new Set<string>() };
    if ('id' in state) return;
    const consensus = track.vote.consensus();
    if (consensus.text.length < config.min_text_length || consensus.confidence < Math.max(opts.minConfidence, config.min_confidence)) return;
    if (track.frames < config.min_frames && consensus.confidence < config.single_frame_confidence) return;
    if (state.asked.has(consensus.text) || state.asked.size >= 8) return;
    state.asked.add(consensus.text);
    this.firstReads.set(track, state);
    if (this.continued(track, consensus.text)) return;
    const candidates = track.vote.candidates(config.top_n);
    if (!opts.wanted(candidates)) return;
    const best = track.best;
    const id = uuidv7(track.firstSeen);
    const evidence = this.encode(best, id, track.cameraId);
    const snapshot: Omit<Detection, 'plateJpeg' | 'overviewJpeg'> = {
      id,
      cameraId: track.cameraId,
      text: consensus.text,
      confidence: consensus.confidence,
      candidates,
      region: track.region(),
      firstSeen: track.firstSeen,
      lastSeen: track.lastSeen,
      bestAt: best.frame.capturedAt,
      frameCount: track.frames,
      direction: track.motion.direction(config.direction_min_size_change),
      box: best.read.box,
      revision: 0,
      provisional: true,
    };
    const done = this.emit(snapshot, evidence);
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
    this.firstReads.set(track, { id, best, evidence, done, asked: state.asked });
    status.count('first_reads_emitted');
  }

  finish(track: Track, reason: EndReason): void {
    const { status, config } = this.deps;
    status.count(`ended_${reason}`);
    const consensus = track.vote.consensus();
    const best = track.best;
    track.best = null; // the encoder's closure holds the frame from here on, and only until it is done
    const early = this.firstReads.get(track);
    const first = early && 'id' in early ? early : undefined;
    const prev = consensus.text && !first ? this.continued(track, consensus.text) : undefined;
    if (prev) {
      this.continuePass(prev, track, best);
      return;
    }
    const qualifies =
      consensus.text.length >= config.min_text_length &&
      consensus.confidence >= config.min_confidence &&
      (track.frames >= config.min_frames || consensus.confidence >= config.single_frame_confidence);
    // A pass already emitted on its first confident read is always emitted again at its end.
    const bestFrame = best ?? first?.best;
    if ((!qualifies && !first) || !bestFrame) {
      status.count('tracks_discarded');
      return;
    }
    // A pass emitted on its first confident read keeps that id and follows that emission.
    const id = first?.id ?? uuidv7(track.firstSeen);
    const pass: EmittedPass = {
      cameraId: track.cameraId,
      id,
      text: consensus.text,
      revision: first ? 1 : 0,
      vote: track.vote,
      firstSeen: track.firstSeen,
      lastSeen: track.lastSeen,
      frames: track.frames,
      direction: track.motion.direction(config.direction_min_size_change),
      region: track.region(),
      bestScore: bestFrame.score,
      bestBox: bestFrame.read.box,
      bestAt: bestFrame.frame.capturedAt,
      evidence: first && first.best === bestFrame ? first.evidence : this.encode(bestFrame, id, track.cameraId),
      chain: first?.done ?? Promise.resolve(),
      endedAt: this.deps.clock.now(),
    };
    this.remember(pass);
    this.schedule(pass);
  }

  /** Drops remembered passes that no new track can continue any more. */
  prune(now: number): void {
    const keepMs = this.deps.config.dedupe_window_s * 1000;
    for (const [camera, list] of this.recent) {
      const kept = list.filter((p) => now - p.endedAt <= keepMs);
      if (kept.length === 0) this.recent.delete(camera);
      else this.recent.set(camera, kept);
    }
  }

  /** Resolves when every emission started so far has reached the listener (or failed). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Slowest of the recent encodings (ms): how much earlier a pass must end to be emitted in time. */
  get encodeBudgetMs(): number {
    return this.encodeMs.length ? Math.max(...this.encodeMs) : 0;
  }

  get rememberedPasses(): number {
    let n = 0;
    for (const list of this.recent.values()) n += list.length;
    return n;
  }

  /**
   * The recent pass this track continues, if any: candidates remembered when the track opened
   * (they may have been pruned since) and passes that ended while it was open (a vehicle whose
   * reads were split over two tracks).
   */
  private continued(track: Track, text: string): EmittedPass | undefined {
    const max = this.deps.config.dedupe_max_distance;
    const candidates = new Set<PassRef>([...track.dedupeCandidates, ...this.recentFor(track.cameraId, track.firstSeen)]);
    let best: EmittedPass | undefined;
    let bestD = Infinity;
    for (const ref of candidates) {
      const pass = ref as EmittedPass; // every PassRef handed out by recentFor is an EmittedPass
      const d = plateDistance(text, pass.text, this.deps.confusion ?? ConfusionTable.DEFAULT);
      if (d <= max && d < bestD) {
        best = pass;
        bestD = d;
      }
    }
    return best;
  }

  private continuePass(pass: EmittedPass, track: Track, best: BestFrame | null): void {
    const { config, status } = this.deps;
    pass.vote.merge(track.vote);
    pass.text = pass.vote.consensus().text;
    pass.frames += track.frames;
    pass.firstSeen = Math.min(pass.firstSeen, track.firstSeen);
    pass.lastSeen = Math.max(pass.lastSeen, track.lastSeen);
    pass.revision++;
    pass.endedAt = this.deps.clock.now();
    if (pass.direction === 'unknown') pass.direction = track.motion.direction(config.direction_min_size_change);
    pass.region ??= track.region();
    if (best) {
      const previous = pass.evidence;
      const better = best.score > pass.bestScore;
      if (better) {
        pass.bestScore = best.score;
        pass.bestBox = best.read.box;
        pass.bestAt = best.frame.capturedAt;
      }
      // A better frame replaces the evidence; a failed earlier encoding is retried with this pass's frame.
      pass.evidence = previous.then((old) => (better || !old ? this.encode(best, pass.id, pass.cameraId) : old));
    }
    status.count('passes_merged');
    this.schedule(pass);
  }

  private remember(pass: EmittedPass): void {
    const list = this.recent.get(pass.cameraId) ?? [];
    list.push(pass);
    if (list.length > MAX_RECENT) list.shift();
    this.recent.set(pass.cameraId, list);
  }

  /** Queues an emission of the pass as it is now, after the pass's earlier emissions. */
  private schedule(pass: EmittedPass): void {
    const consensus = pass.vote.consensus();
    const snapshot: Omit<Detection, 'plateJpeg' | 'overviewJpeg'> = {
      id: pass.id,
      cameraId: pass.cameraId,
      text: consensus.text,
      confidence: consensus.confidence,
      candidates: pass.vote.candidates(this.deps.config.top_n),
      region: pass.region,
      firstSeen: pass.firstSeen,
      lastSeen: pass.lastSeen,
      bestAt: pass.bestAt,
      frameCount: pass.frames,
      direction: pass.direction,
      box: pass.bestBox,
      revision: pass.revision,
    };
    const evidence = pass.evidence;
    const run = pass.chain.then(() => this.emit(snapshot, evidence));
    pass.chain = run;
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async emit(snapshot: Omit<Detection, 'plateJpeg' | 'overviewJpeg'>, evidence: Promise<Evidence | null>): Promise<void> {
    const { status, logger, config } = this.deps;
    const images = await evidence;
    if (!images && !config.emit_without_images) {
      const err = new AlprError(ReadsErrors.TRACKER_DETECTION_LOST, { id: snapshot.id, camera: snapshot.cameraId });
      status.count('detections_lost');
      status.error(err);
      logger.error({ code: ReadsErrors.TRACKER_DETECTION_LOST, id: snapshot.id, camera: snapshot.cameraId }, err.message);
      return;
    }
    if (!images) status.count('detections_without_images');
    const detection: Detection = { ...snapshot, plateJpeg: images?.plateJpeg ?? Buffer.alloc(0), overviewJpeg: images?.overviewJpeg ?? Buffer.alloc(0) };
    const latencyMs = this.deps.clock.now() - snapshot.lastSeen;
    this.latency.add(latencyMs);
    status.gauge('last_latency_ms', Math.round(latencyMs));
    status.detail('latency_ms', this.latency.summary());
    status.count(snapshot.revision ? 'detections_updated' : 'detections_emitted');
    logger.debug(
      { id: snapshot.id, camera: snapshot.cameraId, revision: snapshot.revision, frames: snapshot.frameCount, confidence: snapshot.confidence, latency_ms: latencyMs },
      'detection',
    );
    try {
      this.deps.onDetection(detection);
    } catch (err) {
      // The listener's failure is the next stage's problem; the tracker keeps running.
      const e = new AlprError(ReadsErrors.TRACKER_LISTENER_FAILED, { id: snapshot.id, detail: errorMessage(err) }, { cause: err });
      status.count('listener_errors');
      status.error(e);
      logger.error({ code: ReadsErrors.TRACKER_LISTENER_FAILED, id: snapshot.id, err }, e.message);
    }
  }

  private async encode(best: BestFrame, id: string, camera: string): Promise<Evidence | null> {
    const { status, logger, config } = this.deps;
    for (let attempt = 1; attempt <= config.encode_retries + 1; attempt++) {
      try {
        const t0 = this.deps.clock.now();
        const images = await this.deps.encode(best.frame, best.read.box, best.read.corners);
        this.encodeMs.push(this.deps.clock.now() - t0);
        if (this.encodeMs.length > 16) this.encodeMs.shift();
        if (this.lastEncodeFailed) {
          this.lastEncodeFailed = false;
          status.set('ok');
        }
        return images;
      } catch (err) {
        const e = new AlprError(ReadsErrors.TRACKER_ENCODE_FAILED, { id, camera, attempt, detail: errorMessage(err) }, { cause: err });
        status.count('encode_errors');
        status.error(e);
        logger.warn({ code: ReadsErrors.TRACKER_ENCODE_FAILED, id, camera, attempt, err }, e.message);
      }
    }
    this.lastEncodeFailed = true;
    status.set('degraded', `evidence encoding failing (${config.emit_without_images ? 'detections emitted without images' : 'detections dropped'})`);
    return null;
  }
}
