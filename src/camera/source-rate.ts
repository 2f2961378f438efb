/**
 * The rate each connection of a camera decodes at. ffmpeg's fps filter fills a slower camera up to
 * the requested rate with duplicated frames, which recognition would read twice for nothing. When
 * the camera turns out slower, its connection restarts once at the camera's own rate (~1 s of
 * frames, once per camera lifetime), and later connections decode at that rate.
 */
export class SourceRate {
  /** The camera's own rate once seen below the decode rate: later connections decode at it. */
  private cap: number | null = null;
  /** Rate of the running ffmpeg's fps filter. */
  fps: number;
  /** The running ffmpeg is being replaced by one at the camera's own rate: its last frames are not news. */
  restarting = false;

  constructor(private readonly decodeFps: number) {
    this.fps = decodeFps;
  }

  /** A connection starts: the rate it decodes at. */
  begin(): number {
    this.fps = Math.min(this.decodeFps, this.cap ?? Infinity);
    return this.fps;
  }

  /** ffmpeg reported the camera's own rate; returns the rate to restart at, or null to go on as is. */
  capTo(sourceFps: number | null): number | null {
    if (sourceFps === null || sourceFps < 1 || sourceFps > 240 || sourceFps + 0.5 >= this.fps) return null;
    this.cap = Math.round(sourceFps * 100) / 100;
    this.restarting = true;
    return this.cap;
  }

  /** The connection ended: true (once) when it ended only to restart at the camera's own rate. */
  takeRestart(): boolean {
    const restart = this.restarting;
    this.restarting = false;
    return restart;
  }

  /** What ffmpeg can deliver: the camera's own rate caps the filter's. */
  expected(sourceFps: number | null | undefined): number {
    return sourceFps && sourceFps > 0 ? Math.min(this.fps, sourceFps) : this.fps;
  }
}
