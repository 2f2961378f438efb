/**
 * The bounded hand-off between a camera and recognition: the frames of one camera that wait for
 * a free recognizer worker (the pool keeps one per camera, `cameras[].queue_size` long). When
 * recognition falls behind, the OLDEST frame is dropped and counted: the newest frame is the one
 * most likely to still show the plate, and latency and memory stay bounded by the queue length.
 */
export class FrameQueue<T> {
  private readonly items: T[] = [];
  /** Frames dropped because the queue was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  /** Adds an item; returns the item dropped to make room, if any. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.items.length >= this.capacity) {
      dropped = this.items.shift();
      this.dropped++;
    }
    this.items.push(item);
    return dropped;
  }

  shift(): T | undefined {
    return this.items.shift();
  }

  /** Empties the queue; returns how many items it held. */
  clear(): number {
    const n = this.items.length;
    this.items.length = 0;
    return n;
  }

  get length(): number {
    return this.items.length;
  }
}
