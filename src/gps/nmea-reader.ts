/**
 * Bytes in, fixes out: splitter → parser → epoch assembler, with every candidate line ending in
 * exactly one counter (sentences, bad_checksum, malformed, unsupported) and every byte outside
 * a line in garbage_bytes. Pure: the serial and replay sources feed it.
 */
import type { GpsFix } from './fix.js';
import { NmeaFixAssembler } from './nmea-assembler.js';
import { NmeaLineSplitter } from './nmea-line-splitter.js';
import { parseNmea } from './nmea-parser.js';

export type NmeaCounter = 'bytes' | 'garbage_bytes' | 'sentences' | 'bad_checksum' | 'malformed' | 'unsupported';

export interface NmeaReaderSink {
  fix(fix: GpsFix): void;
  count(counter: NmeaCounter, by: number): void;
}

/** What one `push` saw; the baud detector keys on valid sentences per byte. */
export interface PushSummary {
  bytes: number;
  /** Lines with a correct checksum, used or not: proof the baud rate is right. */
  valid: number;
}

export class NmeaReader {
  private readonly splitter: NmeaLineSplitter;
  private readonly assembler: NmeaFixAssembler;
  private now = 0;
  private valid = 0;
  /** Per-push tallies, handed to the sink once per chunk rather than per line. */
  private readonly tally: Record<NmeaCounter, number> = { bytes: 0, garbage_bytes: 0, sentences: 0, bad_checksum: 0, malformed: 0, unsupported: 0 };

  constructor(private readonly sink: NmeaReaderSink) {
    this.assembler = new NmeaFixAssembler((fix) => sink.fix(fix));
    this.splitter = new NmeaLineSplitter({
      candidate: (text, overlong) => this.line(text, overlong),
      garbage: (n) => (this.tally.garbage_bytes += n),
    });
  }

  push(chunk: Uint8Array, now: number): PushSummary {
    this.now = now;
    this.valid = 0;
    this.tally.bytes += chunk.length;
    this.splitter.push(chunk);
    const summary = { bytes: chunk.length, valid: this.valid };
    this.report();
    return summary;
  }

  /** Ends the current epoch (the line went quiet). */
  flush(): void {
    this.assembler.flush();
  }

  /** Forgets a partial line and the open epoch: after a baud switch or a reconnect. */
  reset(): void {
    this.splitter.reset();
    this.assembler.reset();
    this.report();
  }

  private line(text: string, overlong: boolean): void {
    if (overlong) {
      this.tally.malformed += 1;
      return;
    }
    const r = parseNmea(text);
    switch (r.kind) {
      case 'sentence':
        this.tally.sentences += 1;
        this.valid += 1;
        this.assembler.add(r.sentence, this.now);
        break;
      case 'unsupported':
        this.tally.unsupported += 1;
        this.valid += 1;
        break;
      case 'bad_checksum':
        this.tally.bad_checksum += 1;
        break;
      case 'malformed':
        this.tally.malformed += 1;
        break;
    }
  }

  private report(): void {
    for (const k of Object.keys(this.tally) as NmeaCounter[]) {
      const n = this.tally[k];
      if (n > 0) {
        this.sink.count(k, n);
        this.tally[k] = 0;
      }
    }
  }
}
