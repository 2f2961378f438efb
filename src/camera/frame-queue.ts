/**
 * The bounded hand-off between a camera and recognition. When recognition falls behind, the
 * OLDEST frame is dropped and counted: the newest frame is the one most likely to still show
 * the plate, and latency stays bounded by the queue length.
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

  clear(): void {
    this.items.length = 0;
  }

  get length(): number {
    return this.items.length;
  }
}

/**
 * Delivers queued frames to a sink one at a time. A sink that returns a promise is awaited
 * before the next frame (that is the back-pressure that fills the queue); a sink that throws or
 * rejects never stops the pump: the error is handed to `onError`.
 */
export class FramePump<T> {
  private busy = false;
  private sink: ((item: T) => unknown) | null = null;

  constructor(
    private readonly queue: FrameQueue<T>,
    private readonly onError: (err: unknown) => void,
  ) {}

  setSink(sink: ((item: T) => unknown) | null): void {
    this.sink = sink;
    this.kick();
  }

  push(item: T): T | undefined {
    const dropped = this.queue.push(item);
    this.kick();
    return dropped;
  }

  private kick(): void {
    if (this.busy || this.sink === null) return;
    const item = this.queue.shift();
    if (item === undefined) return;
    let result: unknown;
    try {
      result = this.sink(item);
    } catch (err) {
      this.onError(err);
      this.kick();
      return;
    }
    if (result instanceof Promise) {
      this.busy = true;
      result.then(
        () => this.done(),
        (err: unknown) => {
          this.onError(err);
          this.done();
        },
      );
    } else {
      this.kick();
    }
  }

  private done(): void {
    this.busy = false;
    this.kick();
  }
}
