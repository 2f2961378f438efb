/**
 * One camera: an ffmpeg child decoding to raw frames, a watchdog that restarts it, paced
 * reconnects, and the frame intake (frame-intake.ts: speed-driven thinning, motion gate) in
 * front of the consumer (the recognizer pool, which queues the frames in the camera's bounded queue).
 *
 *   [onvif: resolve URI] → ffmpeg → FrameReader ─thin (speed)─▶ Frame ─motion gate─▶ onFrame()
 *                             ▲                      │            └─▶ latestFrame() (live view)
 *                             │                      └─▶ picture health (covered, blur, glare, frozen, moved)
 *        watchdog: no first frame / stall → stop → backoff → reconnect (URI resolved again)
 *
 * The camera's state joins both: the link (frames arriving, at what rate) and the picture. An
 * outage keeps its start across retries; a camera that never delivered a frame turns red after
 * `down_after_s`. A URL with credentials reaches ffmpeg through a 0600 ffconcat file in a private
 * folder, never its command line (ffmpeg-args.ts). The link's counters and state are link-status.ts,
 * the decode rate capped at the camera's own source-rate.ts, why a connection ended exit-reason.ts.
 */
import { Backoff } from '../shared/backoff.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import { Sleeper } from '../shared/sleeper.js';
import type { StatusReporter } from '../status/registry.js';
import type { CameraConfig } from '../config/sections/camera.js';
import type { ChildTracker } from './child-tracker.js';
import { CameraErrors } from './errors.js';
import { CameraHealth } from './camera-health.js';
import { ffmpegInputOf, resolveTarget, type Target } from './camera-target.js';
import { ffconcatInput, ffmpegArgs, type FfmpegInput } from './ffmpeg-args.js';
import { FfmpegProcess, type FfmpegExit } from './ffmpeg-process.js';
import { FrameIntake, type FrameSink } from './frame-intake.js';
import type { Frame, JpegEncoder } from './frame.js';
import { HealthStore } from './health-store.js';
import { LinkStatus } from './link-status.js';
import { isoSeconds } from './camera-outage.js';
import { SourceRate } from './source-rate.js';
import { exitReason } from './exit-reason.js';
import { MPS_TO_MPH } from './rate-schedule.js';
import { InputFile } from './input-file.js';
import { displayUrl } from './stream-url.js';
import { Watchdog, type TripReason } from './watchdog.js';

export type { FrameSink } from './frame-intake.js';

export type CameraSourceDeps = CameraSourceUnits & CameraSourceKeep;

interface CameraSourceUnits {
  config: CameraConfig;
  /** Child logger, e.g. `logger.child({ unit: 'camera', camera: id })`. */
  logger: Logger;
  /** `registry.reporter('camera:<id>', 'camera')`. */
  status: StatusReporter;
  clock?: Clock;
  ffmpegPath?: string;
  /** Vehicle speed in m/s (GPS), or null when unknown. Absent = fixed camera: `fps` always. */
  speed?: () => number | null;
  tracker?: ChildTracker;
  random?: () => number;
}

/** A data dir comes with the JPEG encoder of the reference picture kept in it. */
type CameraSourceKeep =
  | { dataDir?: undefined; jpeg?: undefined }
  | {
      /**
       * device.data_dir: the picture-health memory and reference view (`cameras/<id>/`) and the private
       * folder for ffmpeg's input file. Absent = nothing kept across restarts, input file in the OS temp dir.
       */
      dataDir: string;
      /** Encodes the reference view (app.ts passes recognizer/evidence.ts `frameToJpeg`). */
      jpeg: JpegEncoder;
    };

/** Lines of ffmpeg's stderr put in the log when it dies, and on the status page. */
const TAIL_IN_LOG = 20;
/** Longest wait in stop() for the connect loop, after ffmpeg itself is gone. */
const STOP_WAIT_MS = 2_000;

async function settleWithin(p: Promise<unknown> | null, ms: number): Promise<void> {
  if (!p) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export class CameraSource implements Unit {
  readonly name: string;
  private readonly config: CameraConfig;
  private readonly log: Logger;
  private readonly status: StatusReporter;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly intake: FrameIntake;
  private readonly watchdog: Watchdog;

  private running: Promise<void> | null = null;
  private stopped = false;
  private generation = 0;
  private proc: FfmpegProcess | null = null;
  private readonly backoffWait = new Sleeper();
  private trip: TripReason | null = null;
  private readonly rate: SourceRate;
  private target: Target | null = null;
  private readonly health: CameraHealth;
  private readonly link: LinkStatus;
  /** Private folder (0700) and file (0600) that hand a URL with credentials to ffmpeg. */
  private readonly inputFile: InputFile;

  constructor(private readonly deps: CameraSourceDeps) {
    this.config = deps.config;
    this.name = `camera:${this.config.id}`;
    this.log = deps.logger;
    this.status = deps.status;
    this.clock = deps.clock ?? systemClock;
    this.backoff = new Backoff({ initial_ms: this.config.retry_initial_s * 1000, max_ms: this.config.retry_max_s * 1000, jitter: 0.5 }, deps.random);
    this.intake = new FrameIntake(this.config, this.status, this.log, deps.speed);
    this.link = new LinkStatus({
      status: this.status,
      clock: this.clock,
      downAfterMs: this.config.down_after_s * 1000,
      stallMs: this.config.stall_timeout_s * 1000,
      frames: () => ({ first: this.watchdog.firstFrameAt, last: this.watchdog.lastFrameAt }),
      running: () => this.proc !== null,
      expectedFps: () => this.rate.expected(this.proc?.info.sourceFps),
      details: () => this.intake.details(),
    });
    this.inputFile = new InputFile(deps.dataDir, this.config.id);
    this.rate = new SourceRate(this.intake.decodeFps);
    this.health = new CameraHealth({
      config: this.config.health,
      status: this.status,
      logger: this.log,
      store: deps.dataDir ? new HealthStore(deps.dataDir, this.config.id, deps.jpeg) : null,
      speedMph: () => {
        const mps = deps.speed?.() ?? null;
        return mps === null ? null : mps * MPS_TO_MPH;
      },
    });
    this.watchdog = new Watchdog(
      { connectTimeoutMs: this.config.connect_timeout_s * 1000, stallMs: this.config.stall_timeout_s * 1000, tickMs: 1000 },
      this.clock,
      (reason) => this.onTrip(reason),
      () => this.refreshStatus(),
    );
  }

  /** Where frames go. A sink returning a promise gets the next frame only once it settles. */
  onFrame(sink: FrameSink | null): void {
    this.intake.setSink(sink);
  }

  /** A recent decoded frame (at most 0.5 s old while frames flow), for the live view. Never handed to a consumer. */
  latestFrame(): Frame | null {
    return this.intake.latestFrame();
  }

  /** The ffmpeg child's pid while one runs. */
  get ffmpegPid(): number | undefined {
    return this.proc?.pid;
  }

  /** The running ffmpeg's argv with credentials removed (diagnostics), or [] between runs. */
  ffmpegArgv(): string[] {
    return this.proc ? this.proc.args.map((a) => displayUrl(a)) : [];
  }

  /** The ffconcat text handed to the running ffmpeg (credentials removed), or '' when the URL was in argv. */
  ffmpegInput(): string {
    return this.proc ? this.inputFile.text : '';
  }

  /** The read confidences of the plates recognition found in one frame of this camera (picture health). */
  plates(confidences: readonly number[]): void {
    const readable = confidences.filter((c) => c >= this.config.health.unreadable.min_confidence).length;
    this.health.plates(confidences.length, readable, this.clock.now());
  }

  /** Takes a new reference view from the next pictures (after re-aiming; the caller audits who asked). */
  retakeReference(): void {
    this.health.retakeReference(this.clock.now());
  }

  /** The stored reference view (JPEG), or null before one was taken. */
  referenceImage(): Buffer | null {
    return this.health.referenceImage();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.stopped = false;
    const generation = ++this.generation;
    // A unit just registered is already 'starting': its since is then when this outage began.
    const current = this.status.get();
    const since = current.state === 'starting' ? Date.parse(current.since) : this.clock.now();
    this.link.begin(since);
    this.status.set('starting', 'connecting', since);
    this.status.detail('expected_fps', this.intake.decodeFps);
    this.running = this.loop(generation).catch((err: unknown) => {
      // The loop handles its own errors; reaching here is a bug, reported rather than crashing.
      this.log.error({ err }, 'camera loop failed');
      this.status.error(err);
      this.status.set('failed', errorMessage(err));
    });
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.backoffWait.wake();
    this.watchdog.stop();
    await this.proc?.stop();
    // An ONVIF request in flight cannot be cancelled; the loop sees `stopped` when it returns and
    // starts nothing, so shutdown need not wait for the device's timeout.
    await settleWithin(this.running, STOP_WAIT_MS);
    this.running = null;
    this.inputFile.remove(true);
    await this.health.stop(this.clock.now());
    if (this.status.get().state !== 'stopped') this.status.set('stopped', '');
  }

  /** A loop left over from before a stop() (still waiting on ONVIF) must not carry on after a new start(). */
  private halted(generation: number): boolean {
    return this.stopped || generation !== this.generation;
  }

  private async loop(generation: number): Promise<void> {
    while (!this.halted(generation)) {
      const reason = await this.session(generation);
      if (this.halted(generation)) break;
      if (reason === null) continue; // restarted at the camera's own rate: not a failure
      const now = this.clock.now();
      const delay = this.backoff.next();
      const redAt = this.link.failed(now, this.watchdog.lastFrameAt, reason, delay);
      // A long wait must not keep a camera that never delivered amber past down_after_s.
      const turnRed = redAt !== null ? setTimeout(() => this.link.showOutage(this.clock.now()), redAt - now) : undefined;
      await this.backoffWait.sleep(delay);
      clearTimeout(turnRed);
      this.link.waited();
    }
  }

  /**
   * One connection: resolve, run ffmpeg until it exits or the watchdog stops it. Returns why it
   * ended, or null when it was stopped only to decode at the camera's own (lower) rate.
   */
  private async session(generation: number): Promise<string | null> {
    const target = await this.nextTarget();
    if (typeof target === 'string') return target;
    if (this.halted(generation)) return 'stopped';
    const proc = await this.launch(target);
    if (typeof proc === 'string') return proc;
    const exit = await this.watch(proc);
    if (this.halted(generation)) return 'stopped';
    if (this.rate.takeRestart()) return null;
    return this.ended(exit, proc);
  }

  /** Starts this connection's ffmpeg on `target`; a string: why it could not start. */
  private async launch(target: Target): Promise<FfmpegProcess | string> {
    this.target = target;
    this.status.detail('url', target.display);
    this.trip = null;
    this.intake.startSession(this.rate.begin());
    this.link.connecting(this.clock.now());
    const password = this.config.password?.reveal() ?? '';
    const input = this.inputFor(target, password);
    if (typeof input === 'string') return input;
    const args = ffmpegArgs(input);
    const proc = this.ffmpeg(args, password);
    this.proc = proc;
    this.log.debug({ url: target.display, argv: args.map((a) => displayUrl(a)).join(' ') }, 'starting ffmpeg');
    try {
      proc.start();
    } catch (err) {
      await proc.stop();
      this.proc = null;
      this.status.error(err);
      return errorMessage(err);
    }
    return proc;
  }

  /** Runs the watchdog over `proc` until it exits (by itself, or stopped by the watchdog or stop()). */
  private async watch(proc: FfmpegProcess): Promise<FfmpegExit> {
    this.watchdog.start();
    const exit = await proc.exit();
    this.watchdog.stop();
    this.proc = null;
    this.inputFile.remove(false);
    return exit;
  }

  /** The target of the next connection (an ONVIF camera asked again), or why there is none. */
  private async nextTarget(): Promise<Target | string> {
    try {
      const { target, onvif } = await resolveTarget(this.config);
      if (onvif) {
        this.status.detail('onvif_profile', onvif);
        if (this.target && this.target.display !== target.display) this.log.info({ from: this.target.display, to: target.display }, 'ONVIF stream URI changed');
      }
      return target;
    } catch (err) {
      this.status.error(err);
      this.logFailure(errorMessage(err), [], err);
      return errorMessage(err);
    }
  }

  /** ffmpeg's input for this connection; a secret URL goes into a private input file. A string: why it could not be made. */
  private inputFor(target: Target, password: string): FfmpegInput | string {
    const input = ffmpegInputOf(this.config, target, this.rate.fps);
    if (!target.secret) {
      this.inputFile.none();
      return input;
    }
    try {
      input.inputFile = this.inputFile.write(ffconcatInput(input), password);
    } catch (err) {
      this.status.error(err);
      return `cannot write ffmpeg's input file: ${errorMessage(err)}`;
    }
    return input;
  }

  /** The ffmpeg child of one connection (not started), its frames going to picture health and the intake. */
  private ffmpeg(args: string[], password: string): FfmpegProcess {
    const proc: FfmpegProcess = new FfmpegProcess({
      binary: this.deps.ffmpegPath ?? 'ffmpeg',
      args,
      cameraId: this.config.id,
      pixelFormat: this.config.pixel_format,
      secrets: password ? [password] : [],
      want: () => this.wantFrame(),
      onFrame: (data, w, h) => {
        const now = this.clock.now();
        // Health looks first: the consumer may take the buffer (transferred to a worker).
        this.health.frame(data, w, h, this.config.pixel_format, now);
        this.intake.deliver(data, w, h, now);
      },
      onInfo: (info) => {
        // ffmpeg has opened its input and read the file that named it: nothing keeps it longer.
        this.inputFile.remove(false);
        this.status.detail('resolution', `${info.width}x${info.height}`);
        this.status.detail('source_fps', info.sourceFps);
        this.status.detail('codec', info.sourceCodec);
        this.capToSourceRate(info.sourceFps, proc);
      },
      ...(this.deps.tracker ? { tracker: this.deps.tracker } : {}),
    });
    return proc;
  }

  /** A connection that ended by itself or by the watchdog: why, on the status and in the log. */
  private ended(exit: FfmpegExit, proc: FfmpegProcess): string {
    const reason = exitReason(exit, this.trip, this.config, this.deps.ffmpegPath ?? 'ffmpeg');
    this.status.error(new AlprError(CameraErrors.CAMERA_FFMPEG_EXITED, { camera: this.config.id, detail: reason }));
    const tail = proc.stderrTail();
    this.status.detail('last_exit', { at: new Date(this.clock.now()).toISOString(), reason, stderr: tail.slice(-TAIL_IN_LOG) });
    this.logFailure(reason, tail);
    return reason;
  }

  /** At the start of each decoded frame: count it, and decide whether to keep it (thinning). */
  private wantFrame(): boolean {
    if (this.rate.restarting) return false;
    const now = this.clock.now();
    this.watchdog.frame(now);
    const ended = this.link.frame(now);
    if (ended && ended.attempts > 0) this.log.info({ outage_since: isoSeconds(ended.since), attempts: ended.attempts }, 'camera frames are back');
    this.status.count('frames');
    return this.intake.accept();
  }

  /** A camera slower than the requested rate: its connection restarts at its own rate (source-rate.ts). */
  private capToSourceRate(sourceFps: number | null, proc: FfmpegProcess): void {
    const cap = this.rate.capTo(sourceFps);
    if (cap === null) return;
    this.log.info({ source_fps: cap, requested_fps: this.rate.fps }, 'camera is slower than the requested rate; decoding at its own rate');
    void proc.stop();
  }

  private onTrip(reason: TripReason): void {
    this.trip = reason;
    const seconds = Math.round(reason.afterMs / 1000);
    this.log.debug({ reason: reason.kind, seconds }, 'watchdog stopping ffmpeg');
    void this.proc?.stop();
  }

  /** The first failure after frames flowed is logged loudly with ffmpeg's last words; repeats quietly. */
  private logFailure(reason: string, tail: string[], err?: unknown): void {
    const fields = { reason, attempt: this.backoff.failures + 1, stderr: tail.slice(-TAIL_IN_LOG), ...(err ? { err } : {}) };
    if (this.backoff.failures === 0) this.log.warn(fields, 'camera connection lost');
    else this.log.debug(fields, 'camera reconnect failed');
  }

  /** Every watchdog tick: quality verdict, backoff reset once frames have flowed long enough. */
  private refreshStatus(): void {
    const now = this.clock.now();
    const first = this.watchdog.firstFrameAt;
    if (first !== null && now - first >= this.config.stable_after_s * 1000 && this.backoff.failures > 0) {
      this.log.info({ attempts: this.backoff.failures }, 'camera frames flowing again');
      this.backoff.reset();
    }
    this.link.refresh(now, this.health.tick(now));
  }

}
