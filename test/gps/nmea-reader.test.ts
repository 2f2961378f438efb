import { describe, expect, it } from 'vitest';
import type { GpsFix } from '../../src/gps/fix.js';
import { NmeaReader, type NmeaCounter } from '../../src/gps/nmea-reader.js';
import { driveText, expectFixMatches, loadTruth } from './helpers/drive.js';

function reader(): { r: NmeaReader; fixes: GpsFix[]; counts: Record<string, number> } {
  const fixes: GpsFix[] = [];
  const counts: Record<string, number> = {};
  const r = new NmeaReader({
    fix: (f) => fixes.push(f),
    count: (c: NmeaCounter, n) => (counts[c] = (counts[c] ?? 0) + n),
  });
  return { r, fixes, counts };
}

const GGA = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47';
const RMC = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A';
const VTG = '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48';

describe('NmeaReader on the recorded drive', () => {
  it('reports every epoch of the drive with the position, speed, heading and quality the log encodes', () => {
    const truth = loadTruth();
    const { r, fixes, counts } = reader();
    r.push(Buffer.from(driveText(), 'latin1'), Date.parse(truth.start));
    r.flush();
    expect(fixes).toHaveLength(truth.epochs.length);
    fixes.forEach((f, i) => expectFixMatches(f, truth.epochs[i]!));
    expect(counts).toEqual({ bytes: Buffer.byteLength(driveText()), sentences: 3600 });
  });

  it('gives the same fixes whatever the chunking of the byte stream', () => {
    const bytes = Buffer.from(driveText(), 'latin1').subarray(0, 40_000);
    const whole = reader();
    whole.r.push(bytes, 0);
    whole.r.flush();
    for (const size of [1, 7, 64, 333]) {
      const chunked = reader();
      for (let i = 0; i < bytes.length; i += size) chunked.r.push(bytes.subarray(i, i + size), 0);
      chunked.r.flush();
      expect(chunked.fixes).toEqual(whole.fixes);
      expect(chunked.counts).toEqual(whole.counts);
    }
  });
});

describe('NmeaReader epoch ends', () => {
  it('emits an epoch as soon as the sentence that closed the previous one arrives, without waiting for quiet', () => {
    const { r, fixes } = reader();
    const epochs = driveText().split(/(?=\$GNRMC)/).slice(1, 4);
    r.push(Buffer.from(epochs[0]!, 'latin1'), 0);
    expect(fixes).toHaveLength(0);
    // The next epoch's RMC closes the first one; its GSA#2 (the learned last sentence) closes itself.
    r.push(Buffer.from(epochs[1]!, 'latin1'), 0);
    expect(fixes).toHaveLength(2);
    r.push(Buffer.from(epochs[2]!, 'latin1'), 0);
    expect(fixes).toHaveLength(3);
  });

  it('falls back to the next epoch or a flush when the learned last sentence does not come', () => {
    const { r, fixes } = reader();
    const epochs = driveText().split(/(?=\$GNRMC)/).slice(1, 4);
    r.push(Buffer.from(epochs[0]! + epochs[1]!, 'latin1'), 0);
    expect(fixes).toHaveLength(2);
    // This epoch lacks its second GSA: it ends only when flushed.
    r.push(Buffer.from(epochs[2]!.split('\r\n').slice(0, 4).join('\r\n') + '\r\n', 'latin1'), 0);
    expect(fixes).toHaveLength(2);
    r.flush();
    expect(fixes).toHaveLength(3);
  });
});

describe('NmeaReader with noise', () => {
  it('counts bytes outside sentences as garbage and still reads the sentences between them', () => {
    const { r, fixes, counts } = reader();
    r.push(Buffer.from(`\x00\xff\xfe${RMC}\r\nnoise${GGA}\r\n\r\n${VTG}\r\n`, 'latin1'), 0);
    r.flush();
    expect(fixes).toHaveLength(1);
    expect(counts.garbage_bytes).toBe(3 + 5);
    expect(counts.sentences).toBe(3);
  });

  it('counts a sentence cut short by the next $ as malformed and keeps the next one', () => {
    const { r, fixes, counts } = reader();
    r.push(Buffer.from(`${GGA.slice(0, 30)}${RMC}\r\n`, 'latin1'), 0);
    r.flush();
    expect(counts.malformed).toBe(1);
    expect(counts.sentences).toBe(1);
    expect(fixes).toHaveLength(1);
  });

  it('cuts off an endless line, counts one malformed line and the rest as garbage', () => {
    const { r, counts } = reader();
    r.push(Buffer.from(`$${'A'.repeat(10_000)}\r\n${VTG}\r\n`, 'latin1'), 0);
    expect(counts.malformed).toBe(1);
    expect(counts.sentences).toBe(1);
    expect(counts.garbage_bytes).toBe(10_001 - 121 + 1);
  });

  it('emits nothing for epochs without a timed sentence', () => {
    const { r, fixes } = reader();
    r.push(Buffer.from(`${VTG}\r\n$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39\r\n`, 'latin1'), 0);
    r.flush();
    expect(fixes).toEqual([]);
  });

  it('drops a partial line on reset, as after a baud switch', () => {
    const { r, counts } = reader();
    r.push(Buffer.from(GGA.slice(0, 40), 'latin1'), 0);
    r.reset();
    r.push(Buffer.from(`${GGA.slice(40)}\r\n`, 'latin1'), 0);
    expect(counts.sentences).toBeUndefined();
    expect(counts.garbage_bytes).toBe(GGA.length);
  });
});
