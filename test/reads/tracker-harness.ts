/**
 * A PlateTracker with everything its tests look at: a manual (or Date-based) clock, a real
 * status registry, an encoder that returns bytes derived from the frame it was given and
 * records its calls, and the emitted detections.
 */
import { Value } from '@sinclair/typebox/value';
import type { Frame } from '../../src/camera/frame.js';
import { TrackerSection, type TrackerConfig } from '../../src/config/sections/tracker.js';
import type { ConfusionTable } from '../../src/plate/confusion-table.js';
import type { Detection } from '../../src/reads/detection.js';
import type { Evidence, EvidenceEncoder } from '../../src/reads/pass-emitter.js';
import { PlateTracker } from '../../src/reads/plate-tracker.js';
import type { Box, PlateRead } from '../../src/recognizer/types.js';
import { ManualClock, type Clock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry, type UnitStatus } from '../../src/status/registry.js';
import { boxAt, frameReads, makeFrame, readAt, type PassSpec } from './synthetic-passes.js';

export function trackerConfig(over: Partial<TrackerConfig> = {}): TrackerConfig {
  return { ...(Value.Default(TrackerSection, {}) as TrackerConfig), ...over };
}

/** Evidence bytes that name the frame they were made from. */
export function evidenceOf(frame: Frame): Evidence {
  return { plateJpeg: Buffer.from(`plate:${frame.cameraId}:${frame.seq}`), overviewJpeg: Buffer.from(`overview:${frame.cameraId}:${frame.seq}`) };
}

export interface Harness {
  tracker: PlateTracker;
  clock: Clock;
  detections: Detection[];
  encodeCalls: { frame: Frame; box: Box }[];
  status(): UnitStatus;
  /** Pushes one frame with the given reads, captured at `at`, arriving `latencyMs` later. */
  frame(camera: string, seq: number, at: number, reads: PlateRead[], latencyMs?: number): Frame;
  /** Feeds whole passes (frame i of every spec at `start + i / fps`), ticking after each frame. */
  feed(camera: string, specs: PassSpec[], start: number, fps?: number, firstSeq?: number): Frame[];
  /** Moves the clock to `at`, ticks, and lets the emissions reach the listener. */
  settle(at: number): Promise<void>;
}

export interface HarnessOptions {
  config?: Partial<TrackerConfig>;
  encode?: EvidenceEncoder;
  onDetection?: (d: Detection) => void;
  /** Use this clock instead of a ManualClock (fake timers drive `Date.now`). */
  clock?: Clock;
  /** Configured confusion classes (`hotlist.confusion_classes`). */
  confusion?: ConfusionTable;
}

export const T0 = Date.UTC(2026, 0, 1, 12);

export function harness(opts: HarnessOptions = {}): Harness {
  const clock = opts.clock ?? new ManualClock(T0);
  const registry = new StatusRegistry(clock);
  const status = registry.reporter('tracker', 'tracker');
  const detections: Detection[] = [];
  const encodeCalls: { frame: Frame; box: Box }[] = [];
  const encode: EvidenceEncoder =
    opts.encode ??
    ((frame, box) => {
      encodeCalls.push({ frame, box });
      return Promise.resolve(evidenceOf(frame));
    });
  const tracker = new PlateTracker({
    config: trackerConfig(opts.config),
    logger: silentLogger(),
    status,
    clock,
    encode,
    onDetection: opts.onDetection ?? ((d) => detections.push(d)),
    ...(opts.confusion ? { confusion: opts.confusion } : {}),
  });
  const setClock = (ms: number): void => {
    if (clock instanceof ManualClock) clock.set(Math.max(clock.now(), ms));
  };
  const h: Harness = {
    tracker,
    clock,
    detections,
    encodeCalls,
    status: () => status.get(),
    frame(camera, seq, at, reads, latencyMs = 40) {
      const frame = makeFrame(camera, seq, at, reads.map((r) => r.box));
      setClock(at + latencyMs);
      tracker.push(frameReads(frame, reads), frame);
      return frame;
    },
    feed(camera, specs, start, fps = 10, firstSeq = 0) {
      const frames: Frame[] = [];
      const n = Math.max(...specs.map((s) => (s.startFrame ?? 0) + s.frames));
      for (let i = 0; i < n; i++) {
        const at = start + Math.round((i * 1000) / fps);
        const reads = specs
          .filter((s) => i >= (s.startFrame ?? 0) && i < (s.startFrame ?? 0) + s.frames)
          .map((s) => readAt(s, i - (s.startFrame ?? 0)));
        frames.push(h.frame(camera, firstSeq + i, at, reads));
        tracker.tick();
      }
      return frames;
    },
    async settle(at) {
      setClock(at);
      tracker.tick();
      await flush();
    },
  };
  return h;
}

/** Lets pending promise chains (encoder → emission → listener) run to the end. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

export { boxAt };
