/**
 * Cuts a serial byte stream into candidate sentences. A candidate starts at `$` and ends at the
 * line feed or at the next `$` (a sentence cut short by a glitch or a reconnect); bytes outside
 * any candidate are garbage and only counted. Memory is bounded: a candidate longer than a
 * sentence can be is cut off, reported as overlong, and the rest of it counted as garbage, so
 * megabytes of noise without a line feed cost nothing.
 */
import { MAX_SENTENCE_LENGTH } from './nmea-parser.js';

const DOLLAR = 0x24;
const LF = 0x0a;
const CR = 0x0d;

export interface SplitterSink {
  /** A candidate from `$` up to (not including) CR LF; `overlong` when it was cut off. */
  candidate(text: string, overlong: boolean): void;
  garbage(bytes: number): void;
}

export class NmeaLineSplitter {
  private readonly buf = Buffer.alloc(MAX_SENTENCE_LENGTH + 1);
  private len = 0;
  private inCandidate = false;
  /** Inside an overlong candidate: skip to the next `$` or line feed. */
  private skipping = false;

  constructor(private readonly sink: SplitterSink) {}

  push(chunk: Uint8Array): void {
    let garbage = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === DOLLAR) {
        if (this.inCandidate) this.emit();
        this.skipping = false;
        this.inCandidate = true;
        this.buf[0] = b;
        this.len = 1;
      } else if (b === LF) {
        if (this.inCandidate) this.emit();
        this.skipping = false;
      } else if (this.inCandidate) {
        if (this.len > MAX_SENTENCE_LENGTH) {
          this.inCandidate = false;
          this.skipping = true;
          this.sink.candidate(this.buf.toString('latin1', 0, this.len), true);
          garbage += 1;
        } else {
          this.buf[this.len++] = b;
        }
      } else if (b !== CR || this.skipping) {
        garbage += 1;
      }
    }
    if (garbage > 0) this.sink.garbage(garbage);
  }

  /** Drops a partial candidate (after a baud-rate switch or a reconnect), counting it as garbage. */
  reset(): void {
    if (this.inCandidate && this.len > 0) this.sink.garbage(this.len);
    this.inCandidate = false;
    this.skipping = false;
    this.len = 0;
  }

  private emit(): void {
    let end = this.len;
    if (end > 0 && this.buf[end - 1] === CR) end -= 1;
    this.inCandidate = false;
    this.len = 0;
    this.sink.candidate(this.buf.toString('latin1', 0, end), false);
  }
}
