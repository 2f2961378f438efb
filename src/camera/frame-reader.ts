/**
 * Cuts ffmpeg's raw stdout into fixed-size frames. Chunks from the pipe (64 KiB) never line up
 * with frames (2.7 MB at 720p rgb24), so bytes are copied into one buffer per frame. A frame the
 * scheduler does not want (thinned for the sampling rate) is read into a reused scratch buffer
 * instead, so skipped frames allocate nothing.
 */
export class FrameReader {
  private current: Buffer | null = null;
  private filled = 0;
  private wanted = true;
  private scratch: Buffer | null = null;
  /** Frames read into the scratch buffer because `want()` said no. */
  skipped = 0;

  constructor(
    readonly frameBytes: number,
    private readonly emit: (data: Buffer) => void,
    private readonly want: () => boolean = () => true,
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new RangeError(`frame size must be a positive integer, got ${frameBytes}`);
  }

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.current === null) {
        this.wanted = this.want();
        // allocUnsafeSlow: frames are large and outlive the pool's 8 KiB slabs anyway.
        this.current = this.wanted ? Buffer.allocUnsafeSlow(this.frameBytes) : (this.scratch ??= Buffer.allocUnsafeSlow(this.frameBytes));
        this.filled = 0;
      }
      const n = Math.min(this.frameBytes - this.filled, chunk.length - off);
      chunk.copy(this.current, this.filled, off, off + n);
      this.filled += n;
      off += n;
      if (this.filled === this.frameBytes) {
        const done = this.current;
        this.current = null;
        if (this.wanted) this.emit(done);
        else this.skipped++;
      }
    }
  }

  /** Bytes of an incomplete frame held back (a frame cut short by ffmpeg's exit is discarded). */
  get pendingBytes(): number {
    return this.current === null ? 0 : this.filled;
  }
}
