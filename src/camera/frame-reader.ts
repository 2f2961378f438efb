/**
 * Cuts ffmpeg's raw stdout into fixed-size frames. Chunks from the pipe (64 KiB) never line up
 * with frames (2.7 MB at 720p rgb24), so bytes are copied into one buffer per frame. A frame the
 * scheduler does not want (thinned for the sampling rate) is only counted through: skipped
 * frames neither allocate nor copy.
 */
export class FrameReader {
  private current: Buffer | null = null;
  /** Bytes of the frame in progress so far (kept or skipped). */
  private filled = 0;
  private inFrame = false;
  /** Frames passed over because `want()` said no. */
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
      if (!this.inFrame) {
        this.inFrame = true;
        this.filled = 0;
        // allocUnsafeSlow: frames are large and outlive the pool's 8 KiB slabs anyway.
        this.current = this.want() ? Buffer.allocUnsafeSlow(this.frameBytes) : null;
      }
      const n = Math.min(this.frameBytes - this.filled, chunk.length - off);
      if (this.current) chunk.copy(this.current, this.filled, off, off + n);
      this.filled += n;
      off += n;
      if (this.filled === this.frameBytes) {
        const done = this.current;
        this.current = null;
        this.inFrame = false;
        if (done) this.emit(done);
        else this.skipped++;
      }
    }
  }

  /** Bytes of an incomplete frame held back (a frame cut short by ffmpeg's exit is discarded). */
  get pendingBytes(): number {
    return this.inFrame ? this.filled : 0;
  }
}
