/**
 * A typed fan-out for in-process events (detections, hits). A listener that throws is reported
 * to `onListenerError` and never breaks the emitter or the other listeners.
 */
export class EventBus<T> {
  private readonly listeners = new Set<(event: T) => void>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  subscribe(listener: (event: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: T): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
