/**
 * The frames waiting for a recognizer worker: one bounded FrameQueue per camera (drop-oldest), in
 * the order of each camera's first frame, served in turn. A camera whose queue is full cannot hold
 * up another: each free worker takes the oldest frame of the next camera that has one waiting. A
 * camera's drops and its frames waiting now are shown on its own status entry (`dropped`, `queue`).
 */
import type { StatusReporter } from '../status/registry.js';
import { FrameQueue } from './frame-queue.js';

export interface CameraQueuesDeps {
  /** Queue length of a camera (its `cameras[].queue_size`). */
  sizeOf(cameraId: string): number;
  /** A camera's status entry, or null: its drops then show only in the pool's totals. */
  statusOf(cameraId: string): StatusReporter | null;
}

interface CameraQueue<T> {
  frames: FrameQueue<T>;
  status: StatusReporter | null;
}

export class CameraQueues<T> {
  /** One per camera, in the order of their first frame; `turn` (mod their number) is the next to be served. */
  private readonly queues: CameraQueue<T>[] = [];
  private readonly queueOf = new Map<string, CameraQueue<T>>();
  private turn = 0;
  private count = 0;

  constructor(private readonly deps: CameraQueuesDeps) {}

  /** Frames waiting in all queues. */
  get waiting(): number {
    return this.count;
  }

  /** Queues `item` for its camera; returns true when the camera's oldest frame was dropped for it. */
  push(cameraId: string, item: T): boolean {
    const queue = this.queueFor(cameraId);
    if (queue.frames.push(item) === undefined) {
      this.count++;
      return false;
    }
    queue.status?.count('dropped');
    return true;
  }

  /** The oldest frame of the next camera in turn that has one waiting. */
  next(): T | undefined {
    const n = this.queues.length;
    for (let i = 0; i < n; i++) {
      const k = (this.turn + i) % n;
      const queue = this.queues[k]!;
      const item = queue.frames.shift();
      if (item === undefined) continue;
      // The camera after this one is next, including a camera whose first frame comes later.
      this.turn = k + 1;
      this.count--;
      show(queue);
      return item;
    }
    return undefined;
  }

  /** Shows a camera's waiting frames on its status entry. */
  show(cameraId: string): void {
    const queue = this.queueOf.get(cameraId);
    if (queue) show(queue);
  }

  /** Empties every camera's queue; returns how many frames were waiting. */
  clear(): number {
    for (const queue of this.queues) {
      queue.frames.clear();
      show(queue);
    }
    const n = this.count;
    this.count = 0;
    return n;
  }

  private queueFor(cameraId: string): CameraQueue<T> {
    let queue = this.queueOf.get(cameraId);
    if (!queue) {
      queue = { frames: new FrameQueue<T>(this.deps.sizeOf(cameraId)), status: this.deps.statusOf(cameraId) };
      this.queueOf.set(cameraId, queue);
      this.queues.push(queue);
    }
    return queue;
  }
}

function show<T>(queue: CameraQueue<T>): void {
  queue.status?.detail('queue', queue.frames.length);
}
