/**
 * RecognizerPool: N worker threads, each with its own onnxruntime sessions, fed from one small
 * bounded queue per camera: the only place where frames wait between a camera and recognition.
 *
 *   submit(frame) ─▶ [camera's queue: cameras[].queue_size, drop-oldest] ─┐
 *                                          (cameras taken in turn)    ─▶ idle worker ─▶ onResult(reads, frame)
 *                                                                          │ watchdog: task_timeout_s
 *                                                                          └─ hung or dead → replaced; > 5 in 60 s → failed
 *
 * A camera's dropped frames are counted on its own status entry (`dropped`, and `queue`: frames
 * waiting now) and in the pool's `frames_dropped`. A camera whose queue is full cannot hold up
 * another: free workers take the cameras' oldest frames in turn. At most the cameras' queue sizes
 * plus one frame per worker are held, whatever the cameras deliver.
 *
 * `submit` takes ownership of `frame.data`: when the Buffer owns its whole ArrayBuffer it is
 * transferred to the worker and back (no copy), otherwise it is copied once. The frame handed
 * to `onResult` carries the returned pixels, so the tracker can cut evidence crops from it.
 * The cameras' queues and their turns are camera-queues.ts.
 */
import type { Worker } from 'node:worker_threads';
import type { Frame } from '../camera/frame.js';
import type { CameraConfig } from '../config/sections/camera.js';
import type { RecognizerConfig } from '../config/sections/recognizer.js';
import type { Clock } from '../shared/clock.js';
import { AlprError } from '../shared/errors.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import { BUNDLED_MODELS_DIR, loadModelContract } from './contract.js';
import { RecognizerErrors } from './errors.js';
import { CameraQueues } from './camera-queues.js';
import { LatencyWindow } from '../shared/latency-window.js';
import { startWorker, stopWorker, workerEntry } from '../shared/worker.js';
import type { ReaderOptions } from './plate-reader.js';
import { readerOptions } from './reader-options.js';
import type { FrameReads, SecondOpinion } from './types.js';
import type { FromWorker, TaskFrame, ToWorker, WorkerInit } from './worker-protocol.js';

export type ResultCallback = (reads: FrameReads, frame: Frame) => void;

export interface RecognizerPoolDeps {
  config: RecognizerConfig;
  logger: Logger;
  status: StatusReporter;
  clock: Clock;
  onResult: ResultCallback;
  /** The cameras (`cameras[]` of the config): each one's frames wait in a queue of its `queue_size`.
   *  A camera not listed gets `DEFAULT_QUEUE_SIZE`. */
  cameras?: readonly Pick<CameraConfig, 'id' | 'queue_size'>[];
  /** A camera's status entry, where its drops and waiting frames are shown; without it they
   *  appear only in the pool's totals. */
  cameraStatus?: (cameraId: string) => StatusReporter;
  /** Worker module; tests start a protocol-compatible worker of their own. */
  workerUrl?: URL;
  /**
   * The second opinions a camera's open tracks hold at a capture time (the tracker's
   * `secondOpinions`), sent with each of its frames when `second_reader.once_per_track` is on:
   * the second reader's network then runs once per vehicle instead of once per frame.
   */
  opinions?: (cameraId: string, capturedAt: number) => SecondOpinion[];
}

/** Queue size of a camera the pool was not told about (the default of `cameras[].queue_size`). */
export const DEFAULT_QUEUE_SIZE = 2;

/** More restarts than this within the window mark the unit failed instead of looping (a restart storm
 *  on a broken model or a bad driver would otherwise spin the CPU for ever). */
const RESTART_LIMIT = 5;
const RESTART_WINDOW_MS = 60_000;
/** Delay before retrying a worker whose start failed, so a broken model cannot spin a core. */
const RESPAWN_DELAY_MS = 1_000;
/** How long a worker gets to finish its frame and release its ONNX sessions before it is terminated. */
const CLOSE_GRACE_MS = 3_000;

interface Task {
  id: number;
  frame: Frame;
  submittedAt: number;
}

interface Slot {
  index: number;
  worker: Worker | null;
  ready: boolean;
  task: (Task & { startedAt: number; timer: NodeJS.Timeout }) | null;
}

export class RecognizerPool implements Unit {
  readonly name = 'recognizer';
  private readonly queues: CameraQueues<Task>;
  private readonly slots: Slot[] = [];
  private readonly restarts: number[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly latency = new LatencyWindow(200);
  private readonly workerLatency = new LatencyWindow(200);
  private init: WorkerInit | null = null;
  private nextId = 1;
  private state: 'idle' | 'running' | 'failed' | 'stopped' = 'idle';

  constructor(private readonly deps: RecognizerPoolDeps) {
    this.queues = new CameraQueues<Task>({
      sizeOf: (cameraId) => deps.cameras?.find((c) => c.id === cameraId)?.queue_size ?? DEFAULT_QUEUE_SIZE,
      statusOf: (cameraId) => deps.cameraStatus?.(cameraId) ?? null,
    });
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    const { config, status } = this.deps;
    status.set('starting', 'loading models');
    const dir = config.models_dir || BUNDLED_MODELS_DIR;
    const contract = loadModelContract(dir);
    const reader: ReaderOptions = readerOptions(config, contract);
    this.init = { modelsDir: dir, threads: config.threads_per_worker, reader };
    status.detail('workers', config.workers);
    status.detail('threads_per_worker', config.threads_per_worker);
    status.detail('detector_input', `${reader.inputWidth}x${reader.inputHeight}`);
    status.detail('region', config.region === 'auto' ? `auto (${config.regions.join(', ')})` : config.region);
    status.detail('regions', config.regions.join(', '));
    this.state = 'running';
    for (let i = 0; i < config.workers; i++) this.slots.push({ index: i, worker: null, ready: false, task: null });
    try {
      await Promise.all(this.slots.map((s) => this.spawn(s)));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.updateState();
    this.deps.logger.info({ workers: config.workers, threads: config.threads_per_worker, input: `${reader.inputWidth}x${reader.inputHeight}` }, 'recognizer workers ready');
  }

  /** Non-blocking; the frame is read later or dropped (counted), never queued without bound. */
  submit(frame: Frame): void {
    const status = this.deps.status;
    status.count('frames_submitted');
    if (this.state !== 'running') {
      status.count('frames_dropped');
      return;
    }
    const bpp = frame.format === 'rgb24' ? 3 : 1;
    if (frame.width <= 0 || frame.height <= 0 || frame.data.length !== frame.width * frame.height * bpp) {
      status.count('frames_invalid');
      status.error(new AlprError(RecognizerErrors.RECOGNIZER_FRAME_INVALID, { camera: frame.cameraId, seq: frame.seq, detail: `${frame.data.length} bytes for ${frame.width}x${frame.height} ${frame.format}` }));
      return;
    }
    // Drop-oldest: under overload the newest frames are the ones worth reading ("Bounded hand-offs").
    if (this.queues.push(frame.cameraId, { id: this.nextId++, frame, submittedAt: performance.now() })) status.count('frames_dropped');
    this.dispatch();
    this.queues.show(frame.cameraId);
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.clearQueues();
    const workers = this.slots.map((s) => this.retire(s)).filter((w): w is Worker => w !== null);
    const close: ToWorker = { type: 'close' };
    await Promise.all(workers.map((w) => stopWorker(w, close, CLOSE_GRACE_MS)));
    this.deps.status.set('stopped');
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queues.waiting === 0) break;
      if (!slot.ready || slot.task || !slot.worker) continue;
      const task = this.queues.next()!;
      const { frame: taskFrame, transfer, copied } = toTaskFrame(task.frame);
      this.deps.status.count(copied ? 'frames_copied' : 'frames_transferred');
      const timer = setTimeout(() => this.onTimeout(slot), this.deps.config.task_timeout_s * 1000);
      slot.task = { ...task, startedAt: performance.now(), timer };
      const opinions = this.opinionsFor(task.frame);
      const msg: ToWorker = { type: 'task', id: task.id, frame: taskFrame, ...(opinions ? { opinions } : {}) };
      slot.worker.postMessage(msg, transfer);
    }
    this.deps.status.gauge('queue_depth', this.queues.waiting);
  }

  /** The opinions a frame is sent with; undefined: the worker reads it as a still (every frame runs the second reader). */
  private opinionsFor(frame: Frame): SecondOpinion[] | undefined {
    const sr = this.deps.config.second_reader;
    if (!sr.enabled || !sr.once_per_track || !this.deps.opinions) return undefined;
    try {
      return this.deps.opinions(frame.cameraId, frame.capturedAt);
    } catch (err) {
      // The frame is still read, only with the network where a track held an opinion.
      this.deps.status.error(err);
      return [];
    }
  }

  /** Empties every camera's queue; returns how many frames were waiting. */
  private clearQueues(): number {
    const n = this.queues.clear();
    this.deps.status.gauge('queue_depth', 0);
    return n;
  }

  private async spawn(slot: Slot): Promise<void> {
    let worker: Worker;
    try {
      worker = await startWorker(this.deps.workerUrl ?? workerEntry('worker', import.meta.url), { workerData: this.init, name: `recognizer-${slot.index}` });
    } catch (err) {
      throw new AlprError(RecognizerErrors.RECOGNIZER_WORKER_START_FAILED, { worker: slot.index, detail: err instanceof Error ? err.message : String(err) }, { cause: err });
    }
    if (this.state !== 'running') {
      // Stopped (or failed) while this worker was starting: it has nothing to do.
      void worker.terminate();
      return;
    }
    slot.worker = worker;
    slot.ready = false;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            settled = true;
            slot.ready = true;
            this.deps.status.detail(`worker_${slot.index}_warmup_ms`, Math.round(msg.warmup_ms));
            this.updateState();
            resolve();
            this.dispatch();
            return;
          case 'init-failed': {
            const err = new AlprError(RecognizerErrors.RECOGNIZER_WORKER_START_FAILED, { worker: slot.index, detail: msg.message });
            if (!settled) {
              settled = true;
              reject(err);
            } else {
              this.deps.status.error(err);
            }
            if (slot.worker === worker) slot.worker = null;
            void worker.terminate();
            return;
          }
          case 'result':
          case 'task-failed':
            this.onDone(slot, msg);
            return;
        }
      });
      worker.on('error', (err) => {
        this.deps.logger.error({ worker: slot.index, err: err.message }, 'recognizer worker error');
        if (!settled) {
          settled = true;
          if (slot.worker === worker) slot.worker = null;
          reject(new AlprError(RecognizerErrors.RECOGNIZER_WORKER_START_FAILED, { worker: slot.index, detail: err.message }));
        }
      });
      worker.on('exit', (code) => {
        if (slot.worker !== worker) return; // replaced or retired on purpose
        if (!settled) {
          settled = true;
          reject(new AlprError(RecognizerErrors.RECOGNIZER_WORKER_START_FAILED, { worker: slot.index, detail: `exited with code ${code}` }));
          return;
        }
        if (this.state !== 'running') return;
        const err = new AlprError(RecognizerErrors.RECOGNIZER_WORKER_CRASHED, { worker: slot.index, detail: `exit code ${code}` });
        this.deps.status.count('worker_crashes');
        this.deps.status.error(err);
        this.deps.logger.error({ worker: slot.index, code }, err.message);
        this.replace(slot);
      });
    });
  }

  private onDone(slot: Slot, msg: Extract<FromWorker, { type: 'result' | 'task-failed' }>): void {
    const task = slot.task;
    if (!task || task.id !== msg.id) return;
    clearTimeout(task.timer);
    slot.task = null;
    const status = this.deps.status;
    const frame: Frame = { ...task.frame, data: Buffer.from(msg.pixels) };
    if (msg.type === 'task-failed') {
      status.count('frames_failed');
      status.error(new Error(msg.message));
      this.deps.logger.warn({ camera: frame.cameraId, seq: frame.seq, err: msg.message }, 'frame could not be read');
    } else {
      status.count('frames_read');
      status.count('plates_read', msg.reads.plates.length);
      this.latency.add(performance.now() - task.submittedAt);
      this.workerLatency.add(msg.reads.timings.total_ms);
      status.detail('latency_ms', this.latency.summary());
      status.detail('worker_ms', this.workerLatency.summary());
      try {
        this.deps.onResult(msg.reads, frame);
      } catch (err) {
        // A consumer's failure must not stop recognition: it is a status error and a log line.
        status.error(err);
        this.deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'recognizer result consumer threw');
      }
    }
    this.dispatch();
  }

  private onTimeout(slot: Slot): void {
    const task = slot.task;
    if (!task || this.state !== 'running') return;
    slot.task = null;
    const err = new AlprError(RecognizerErrors.RECOGNIZER_WORKER_TIMEOUT, { worker: slot.index, timeout_s: this.deps.config.task_timeout_s });
    this.deps.status.count('tasks_timed_out');
    this.deps.status.count('frames_dropped');
    this.deps.status.error(err);
    this.deps.logger.warn({ worker: slot.index, camera: task.frame.cameraId, seq: task.frame.seq }, err.message);
    this.replace(slot);
  }

  /** Replaces a hung or dead worker, unless workers are restarting too often. */
  private replace(slot: Slot): void {
    const now = this.deps.clock.now();
    this.restarts.push(now);
    while (this.restarts.length > 0 && now - this.restarts[0]! >= RESTART_WINDOW_MS) this.restarts.shift();
    this.deps.status.count('worker_restarts');
    const old = this.retire(slot);
    if (old) void old.terminate();
    if (this.restarts.length > RESTART_LIMIT) {
      this.fail();
      return;
    }
    this.updateState();
    this.spawn(slot).catch((err: unknown) => {
      if (this.state !== 'running') return;
      this.deps.status.error(err);
      this.deps.logger.error({ worker: slot.index, err: err instanceof Error ? err.message : String(err) }, 'recognizer worker restart failed');
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.state === 'running') this.replace(slot);
      }, RESPAWN_DELAY_MS);
      this.timers.add(t);
    });
  }

  private fail(): void {
    this.state = 'failed';
    const err = new AlprError(RecognizerErrors.RECOGNIZER_RESTART_STORM, { count: this.restarts.length });
    this.deps.status.error(err);
    this.deps.status.set('failed', err.message);
    this.deps.logger.error(err.message);
    this.deps.status.count('frames_dropped', this.clearQueues());
    for (const s of this.slots) {
      const w = this.retire(s);
      if (w) void w.terminate();
    }
  }

  /** Detaches a slot's worker (so its exit is not taken for a crash) and returns it. */
  private retire(slot: Slot): Worker | null {
    const w = slot.worker;
    if (slot.task) clearTimeout(slot.task.timer);
    slot.task = null;
    slot.worker = null;
    slot.ready = false;
    return w;
  }

  private updateState(): void {
    if (this.state !== 'running') return;
    const ready = this.slots.filter((s) => s.ready).length;
    this.deps.status.gauge('workers_ready', ready);
    if (ready === this.slots.length) this.deps.status.set('ok', `${ready} worker${ready === 1 ? '' : 's'} ready`);
    else this.deps.status.set('degraded', `${ready} of ${this.slots.length} workers ready`);
  }
}

/** The frame's pixels as an ArrayBuffer the worker may own: the Buffer's own, or a copy. */
function toTaskFrame(frame: Frame): { frame: TaskFrame; transfer: ArrayBuffer[]; copied: boolean } {
  const d = frame.data;
  let pixels: ArrayBuffer;
  let copied = false;
  if (d.buffer instanceof ArrayBuffer && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength) {
    pixels = d.buffer;
  } else {
    pixels = new ArrayBuffer(d.byteLength);
    new Uint8Array(pixels).set(d);
    copied = true;
  }
  const { cameraId, seq, capturedAt, width, height, format } = frame;
  return { frame: { cameraId, seq, capturedAt, width, height, format, pixels }, transfer: [pixels], copied };
}

