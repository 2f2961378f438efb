/**
 * What happens to a camera's decoded frames before the consumer sees them: thinning to the
 * speed band's rate, the motion gate, the detection zone and the live-view copy. The frame then
 * goes straight to the sink, which must not block: the recognizer pool queues it in the
 * camera's bounded drop-oldest queue (recognizer/frame-queue.ts, `queue_size`). The connection
 * side (ffmpeg, watchdog, reconnects) is in camera-source.ts.
 *
 *   accept() at each frame start ─thin─▶ deliver(pixels) ─motion gate─▶ sink
 *                                              └─▶ latest (copy ≤ 2/s)
 */
import type { CameraConfig } from '../config/sections/camera.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { Frame } from './frame.js';
import { MotionGate } from './motion-gate.js';
import { Decimator, decodeRate, MPS_TO_MPH, rateForSpeed } from './rate-schedule.js';
import { zoneToPixels } from './zone.js';

/** Takes the frame (and may take its buffer); returns at once. */
export type FrameSink = (frame: Frame) => void;

/**
 * The live view keeps its own copy of a frame at most this often. A copy is needed because the
 * consumer may take the frame's buffer (the recognizer pool transfers it to a worker thread,
 * which detaches it here); 2 copies a second cost ~1 ms, copying every frame ~30 ms/s at 720p.
 */
const SNAPSHOT_INTERVAL_MS = 500;

export class FrameIntake {
  /** Rate ffmpeg is asked for: the speed table's top rate, or `fps` without a speed source. */
  readonly decodeFps: number;
  private sampleFps: number;
  private readonly decimator: Decimator;
  private readonly motion: MotionGate | null;
  private sink: FrameSink | null = null;
  private zonePx: [number, number][] | undefined;
  private latest: Frame | null = null;
  private latestAt = Number.NEGATIVE_INFINITY;
  private seq = 0;

  constructor(
    private readonly config: CameraConfig,
    private readonly status: StatusReporter,
    private readonly log: Logger,
    /** Vehicle speed (m/s) or null; absent = a fixed camera sampled at `fps`. */
    private readonly speed: (() => number | null) | undefined,
  ) {
    const speedDriven = speed !== undefined && config.speed_rates.length > 0;
    this.decodeFps = speedDriven ? decodeRate(config.speed_rates, config.fps) : config.fps;
    this.sampleFps = this.decodeFps;
    this.decimator = new Decimator(this.decodeFps);
    this.motion = config.motion.enabled
      ? new MotionGate({ pixelDelta: config.motion.pixel_delta, thresholdPct: config.motion.threshold_pct, holdMs: config.motion.hold_s * 1000, sampleWidth: config.motion.sample_width }, config.zone)
      : null;
  }

  setSink(sink: FrameSink | null): void {
    this.sink = sink;
  }

  latestFrame(): Frame | null {
    return this.latest;
  }

  /** A new connection decoding at `sessionFps`: sequence numbers restart at 0. */
  startSession(sessionFps: number): void {
    this.seq = 0;
    this.decimator.setSourceRate(sessionFps, this.sampleFps);
  }

  /** Called at the start of each decoded frame: true = read it, false = pass over it (thinned). */
  accept(): boolean {
    this.updateSampleRate();
    const keep = this.decimator.accept();
    if (!keep) this.status.count('thinned');
    return keep;
  }

  /** A kept frame's pixels, complete. */
  deliver(data: Buffer, width: number, height: number, now: number): void {
    if (this.config.zone.length >= 3 && this.zonePx === undefined) this.zonePx = zoneToPixels(this.config.zone, width, height);
    const frame: Frame = { cameraId: this.config.id, seq: this.seq++, capturedAt: now, width, height, format: this.config.pixel_format, data };
    if (this.zonePx) frame.zone = this.zonePx;
    if (this.motion && !this.motion.check(frame, now)) {
      // Gated frames stay here: no consumer can take their buffer, so no copy is needed.
      this.latest = frame;
      this.latestAt = now;
      this.status.count('gated');
      return;
    }
    if (now - this.latestAt >= SNAPSHOT_INTERVAL_MS) {
      this.latest = { ...frame, data: Buffer.from(frame.data) };
      this.latestAt = now;
    }
    this.status.count('delivered');
    try {
      this.sink?.(frame);
    } catch (err) {
      // A consumer's failure never stops the camera.
      this.log.warn({ err }, 'frame consumer failed');
    }
  }

  /** Facts for the status page. */
  details(): Record<string, number> {
    return {
      sample_fps: this.sampleFps,
      ...(this.motion ? { motion_pct: Math.round(this.motion.lastChangedPct * 100) / 100 } : {}),
    };
  }

  private updateSampleRate(): void {
    if (this.speed === undefined || this.config.speed_rates.length === 0) return;
    const mps = this.speed();
    const fps = rateForSpeed(this.config.speed_rates, mps === null ? null : mps * MPS_TO_MPH, this.sampleFps, this.config.speed_hysteresis_mph);
    if (fps !== this.sampleFps) {
      this.sampleFps = fps;
      this.decimator.setRate(fps);
    }
  }
}
