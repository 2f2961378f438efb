import { describe, expect, it } from 'vitest';
import { parseReplayLog } from '../../src/gps/replay-log.js';
import { driveText, loadTruth } from './helpers/drive.js';

describe('parseReplayLog', () => {
  it('splits the drive into its 600 one-second epochs, untimed sentences staying with their epoch', () => {
    const log = parseReplayLog(driveText());
    const truth = loadTruth();
    expect(log.epochs).toHaveLength(truth.epochs.length);
    expect(log.periodMs).toBe(1000);
    expect(log.epochs[599]!.offsetMs).toBe(599_000);
    expect(log.epochs[0]!.lines.map((l) => l.slice(0, 6))).toEqual(['$GNRMC', '$GNVTG', '$GNGGA', '$GNGSA', '$GNGSA', '$GPGSV', '$GPGSV', '$GPGSV', '$GLGSV', '$GLGSV']);
    expect(log.epochs[1]!.lines).toHaveLength(5);
  });

  it('keeps counting across midnight and keeps garbage lines in place', () => {
    const log = parseReplayLog(
      [
        '$GNGGA,235959.00,,,,,0,00,99.99,,,,,,*79',
        'garbage',
        '$GNGGA,000000.00,,,,,0,00,99.99,,,,,,*78',
        '$GNGGA,000001.00,,,,,0,00,99.99,,,,,,*79',
      ].join('\r\n'),
    );
    expect(log.epochs.map((e) => e.offsetMs)).toEqual([0, 1000, 2000]);
    expect(log.epochs[0]!.lines).toEqual(['$GNGGA,235959.00,,,,,0,00,99.99,,,,,,*79', 'garbage']);
  });

  it('finds no epochs in a file without timed sentences', () => {
    expect(parseReplayLog('$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48\nhello\n').epochs).toEqual([]);
  });
});
