/**
 * All cameras of the device as one unit: checks ffmpeg once, kills ffmpeg children a crashed
 * previous run left behind, keeps the pid file, and starts one CameraSource per enabled camera.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CameraConfig } from '../config/sections/camera.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import type { StatusRegistry } from '../status/registry.js';
import { CameraSource, type FrameSink } from './camera-source.js';
import { ffmpegChildren, sweepPidFile, type ChildTracker } from './child-tracker.js';
import { probeFfmpeg } from './ffmpeg-process.js';
import type { Frame, JpegEncoder } from './frame.js';

export interface CamerasDeps {
  configs: readonly CameraConfig[];
  /** Parent logger; each camera gets `child({ unit: 'camera', camera: id })`. */
  logger: Logger;
  registry: StatusRegistry;
  /** device.data_dir: holds the ffmpeg pid file and each camera's picture-health memory. */
  dataDir: string;
  /** Encodes each camera's reference view (app.ts passes recognizer/evidence.ts `frameToJpeg`). */
  jpeg: JpegEncoder;
  clock?: Clock;
  ffmpegPath?: string;
  /** Vehicle speed (m/s) for patrol cameras; leave out on fixed installations. */
  speed?: () => number | null;
  tracker?: ChildTracker;
}

export const PID_FILE = 'ffmpeg.pids';

export class Cameras implements Unit {
  readonly name = 'cameras';
  readonly sources: readonly CameraSource[];
  private readonly tracker: ChildTracker;
  private readonly log: Logger;

  constructor(private readonly deps: CamerasDeps) {
    this.tracker = deps.tracker ?? ffmpegChildren;
    this.log = deps.logger.child({ unit: 'cameras' });
    this.sources = deps.configs
      .filter((c) => c.enabled)
      .map(
        (config) =>
          new CameraSource({
            config,
            logger: deps.logger.child({ unit: 'camera', camera: config.id }),
            status: deps.registry.reporter(`camera:${config.id}`, 'camera'),
            clock: deps.clock ?? systemClock,
            tracker: this.tracker,
            dataDir: deps.dataDir,
            jpeg: deps.jpeg,
            ...(deps.ffmpegPath ? { ffmpegPath: deps.ffmpegPath } : {}),
            ...(deps.speed ? { speed: deps.speed } : {}),
          }),
      );
    for (const c of deps.configs.filter((c) => !c.enabled)) deps.registry.reporter(`camera:${c.id}`, 'camera').set('disabled', 'enabled: false');
  }

  /** Every camera's frames go to one sink, which must not block (the recognizer pool queues them per camera). */
  onFrame(sink: FrameSink | null): void {
    for (const s of this.sources) s.onFrame(sink);
  }

  latestFrame(cameraId: string): Frame | null {
    return this.source(cameraId)?.latestFrame() ?? null;
  }

  /** The read confidences of the plates recognition found in a frame of a camera (picture health). */
  plates(cameraId: string, confidences: readonly number[]): void {
    this.source(cameraId)?.plates(confidences);
  }

  /** The camera's stored reference view (JPEG); null for an unknown camera or before one was taken. */
  referenceImage(cameraId: string): Buffer | null {
    return this.source(cameraId)?.referenceImage() ?? null;
  }

  /** Re-takes a camera's reference view from its next pictures; false for an unknown or disabled camera. */
  retakeReference(cameraId: string): boolean {
    const s = this.source(cameraId);
    s?.retakeReference();
    return s !== undefined;
  }

  private source(cameraId: string): CameraSource | undefined {
    return this.sources.find((s) => s.name === `camera:${cameraId}`);
  }

  async start(): Promise<void> {
    const binary = this.deps.ffmpegPath ?? 'ffmpeg';
    if (this.sources.length > 0) probeFfmpeg(binary);
    // Swept even with no camera configured: a camera removed after a crash leaves its ffmpeg too.
    mkdirSync(this.deps.dataDir, { recursive: true });
    const pidFile = join(this.deps.dataDir, PID_FILE);
    const swept = sweepPidFile(pidFile, binary);
    if (swept.killed.length > 0) this.log.warn({ pids: swept.killed.map((k) => k.pid) }, 'killed ffmpeg processes left by a previous run');
    this.tracker.usePidFile(pidFile);
    if (this.tracker.lastWriteError) this.log.warn({ error: this.tracker.lastWriteError }, 'cannot write the ffmpeg pid file; leftovers of a crash will not be swept');
    for (const s of this.sources) await s.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.stop()));
    // Every child is gone and the file says so; later children (another Cameras) set their own.
    this.tracker.usePidFile(null);
  }
}
