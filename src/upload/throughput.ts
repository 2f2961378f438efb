import type { Clock } from '../shared/clock.js';

/** Items and bytes per second over a sliding window, for the status page. */
export class Throughput {
  private readonly samples: { at: number; items: number; bytes: number }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  add(items: number, bytes: number): void {
    this.samples.push({ at: this.clock.now(), items, bytes });
    this.trim();
  }

  rate(): { itemsPerS: number; bytesPerS: number } {
    this.trim();
    if (this.samples.length === 0) return { itemsPerS: 0, bytesPerS: 0 };
    let items = 0;
    let bytes = 0;
    for (const s of this.samples) {
      items += s.items;
      bytes += s.bytes;
    }
    const seconds = this.windowMs / 1000;
    return { itemsPerS: items / seconds, bytesPerS: bytes / seconds };
  }

  private trim(): void {
    const cutoff = this.clock.now() - this.windowMs;
    while (this.samples.length > 0 && this.samples[0]!.at < cutoff) this.samples.shift();
  }
}
