import { describe, expect, it } from 'vitest';
import { parseNmea } from '../../src/gps/nmea-parser.js';
import type { NmeaSentence } from '../../src/gps/nmea-sentences.js';

/** Parses and insists on a sentence. */
function sentence(line: string): NmeaSentence {
  const r = parseNmea(line);
  if (r.kind !== 'sentence') throw new Error(`${line}: ${JSON.stringify(r)}`);
  return r.sentence;
}

const T = (h: number, m: number, s: number): number => ((h * 60 + m) * 60 + s) * 1000;

// Sentences from receiver manuals and logs (NMEA reference examples, SiRF, u-blox, NovAtel), each
// with the checksum it was published with, plus the other talkers (GLONASS, Galileo, BeiDou).
describe('parseNmea: every sentence type and talker', () => {
  it.each([
    {
      line: '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47',
      want: { type: 'GGA', talker: 'GP', timeMs: T(12, 35, 19), lat: 48 + 7.038 / 60, lon: 11 + 31 / 60, quality: 1, satellites: 8, hdop: 0.9, altitude_m: 545.4 },
    },
    {
      line: '$GNGGA,001031.00,4404.13993,N,12118.86023,W,1,08,1.01,1122.8,M,-21.3,M,,*4F',
      want: { type: 'GGA', talker: 'GN', timeMs: T(0, 10, 31), lat: 44 + 4.13993 / 60, lon: -(121 + 18.86023 / 60), quality: 1, satellites: 8, hdop: 1.01, altitude_m: 1122.8 },
    },
    {
      line: '$GLGGA,010203.00,6000.00000,N,03000.00000,E,2,07,1.4,10.0,M,15.0,M,3.0,0120*6F',
      want: { type: 'GGA', talker: 'GL', timeMs: T(1, 2, 3), lat: 60, lon: 30, quality: 2, satellites: 7, hdop: 1.4, altitude_m: 10 },
    },
    {
      line: '$GNGGA,000000.00,,,,,0,00,99.99,,,,,,*78',
      want: { type: 'GGA', talker: 'GN', timeMs: 0, lat: null, lon: null, quality: 0, satellites: 0, hdop: 99.99, altitude_m: null },
    },
    {
      line: '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A',
      want: { type: 'RMC', talker: 'GP', timeMs: T(12, 35, 19), valid: true, lat: 48 + 7.038 / 60, lon: 11 + 31 / 60, speed_knots: 22.4, course_deg: 84.4, dateMs: Date.UTC(1994, 2, 23), modeIndicator: null },
    },
    {
      line: '$GPRMC,092750.000,A,5321.6802,N,00630.3372,W,0.02,31.66,280511,,,A*43',
      want: { type: 'RMC', talker: 'GP', timeMs: T(9, 27, 50), valid: true, lat: 53 + 21.6802 / 60, lon: -(6 + 30.3372 / 60), speed_knots: 0.02, course_deg: 31.66, dateMs: Date.UTC(2011, 4, 28), modeIndicator: 'A' },
    },
    {
      line: '$GNRMC,001031.00,A,4404.13993,N,12118.86023,W,0.146,,100117,,,A*7B',
      want: { type: 'RMC', talker: 'GN', valid: true, speed_knots: 0.146, course_deg: null, dateMs: Date.UTC(2017, 0, 10), modeIndicator: 'A' },
    },
    {
      line: '$GARMC,235959.50,A,0000.00000,S,18000.00000,W,1.000,359.99,311299,,,D*77',
      want: { type: 'RMC', talker: 'GA', timeMs: T(23, 59, 59.5), lat: -0, lon: -180, course_deg: 359.99, dateMs: Date.UTC(1999, 11, 31), modeIndicator: 'D' },
    },
    {
      line: '$GNRMC,000000.00,V,,,,,,,010126,,,N,V*1D',
      want: { type: 'RMC', talker: 'GN', valid: false, lat: null, lon: null, speed_knots: null, dateMs: Date.UTC(2026, 0, 1), modeIndicator: 'N' },
    },
    {
      line: '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48',
      want: { type: 'VTG', talker: 'GP', course_deg: 54.7, speed_knots: 5.5, speed_kmh: 10.2, modeIndicator: null },
    },
    {
      line: '$GNVTG,,T,,M,0.146,N,0.271,K,A*3A',
      want: { type: 'VTG', talker: 'GN', course_deg: null, speed_knots: 0.146, speed_kmh: 0.271, modeIndicator: 'A' },
    },
    {
      line: '$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39',
      want: { type: 'GSA', talker: 'GP', fixType: 3, prns: [4, 5, 9, 12, 24], pdop: 2.5, hdop: 1.3, vdop: 2.1, systemId: null },
    },
    {
      line: '$BDGSA,A,3,201,203,206,,,,,,,,,,2.10,1.20,1.72,4*39',
      want: { type: 'GSA', talker: 'BD', fixType: 3, prns: [201, 203, 206], hdop: 1.2, systemId: 4 },
    },
    {
      line: '$GPGSV,2,1,08,01,40,083,46,02,17,308,41,12,07,344,39,14,22,228,45*75',
      want: { type: 'GSV', talker: 'GP', total: 2, index: 1, inView: 8 },
    },
    {
      line: '$GLGSV,3,1,10,65,26,035,,66,52,318,22,71,11,131,,72,11,079,*64',
      want: { type: 'GSV', talker: 'GL', total: 3, index: 1, inView: 10 },
    },
    {
      line: '$GAGSV,1,1,03,02,54,097,,07,27,311,,08,37,250,*5C',
      want: { type: 'GSV', talker: 'GA', inView: 3, satellites: [
        { prn: 2, elevation_deg: 54, azimuth_deg: 97, snr_db: null },
        { prn: 7, elevation_deg: 27, azimuth_deg: 311, snr_db: null },
        { prn: 8, elevation_deg: 37, azimuth_deg: 250, snr_db: null },
      ] },
    },
    {
      line: '$GBGSV,1,1,02,201,45,120,38,203,30,250,33,1*7B',
      want: { type: 'GSV', talker: 'GB', inView: 2, satellites: [
        { prn: 201, elevation_deg: 45, azimuth_deg: 120, snr_db: 38 },
        { prn: 203, elevation_deg: 30, azimuth_deg: 250, snr_db: 33 },
      ] },
    },
    {
      line: '$GNGNS,014035.00,4332.69262,S,17235.48549,E,RR,13,0.9,25.63,11.24,,*70',
      want: { type: 'GNS', talker: 'GN', timeMs: T(1, 40, 35), lat: -(43 + 32.69262 / 60), lon: 172 + 35.48549 / 60, modes: 'RR', satellites: 13, hdop: 0.9, altitude_m: 25.63 },
    },
    {
      line: '$GAGNS,112257.00,3844.24011,N,00908.43828,W,NAN,03,10.5,,,,,V*72',
      want: { type: 'GNS', talker: 'GA', modes: 'NAN', satellites: 3, hdop: 10.5, altitude_m: null },
    },
  ])('$line', ({ line, want }) => {
    const s = sentence(line);
    for (const [k, v] of Object.entries(want)) {
      const got = (s as unknown as Record<string, unknown>)[k];
      if (typeof v === 'number' && !Number.isInteger(v)) expect(got, k).toBeCloseTo(v, 9);
      else expect(got, k).toEqual(v);
    }
  });

  it('accepts a lower-case checksum', () => {
    expect(parseNmea('$GNVTG,,T,,M,0.146,N,0.271,K,A*3a').kind).toBe('sentence');
  });
});

describe('parseNmea: what it refuses', () => {
  it.each([
    ['one flipped character', '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*46', 'bad_checksum'],
    ['a corrupted field, checksum unchanged', '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.5,M,46.9,M,,*47', 'bad_checksum'],
    ['no checksum', '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,', 'malformed'],
    ['checksum not hex', '$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*4G', 'malformed'],
    ['truncated mid-sentence', '$GPGGA,123519,4807.0', 'malformed'],
    ['no $', 'GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48', 'malformed'],
    ['binary byte inside', '$GPVTG,054.7,T,034\u00ff4,M,005.5,N,010.2,K*48', 'malformed'],
    ['longer than any sentence', `$GPTXT,${'x'.repeat(130)}*00`, 'malformed'],
    ['empty', '', 'malformed'],
    ['a lone $', '$', 'malformed'],
    // The next ones carry correct checksums: only the content is impossible.
    ['minutes of 60', '$GPGGA,123519,4860.000,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*4D', 'malformed'],
    ['hemisphere X', '$GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*51', 'malformed'],
    ['hour 25', '$GPGGA,253519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*43', 'malformed'],
    ['31 February', '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,310294,003.1,W*68', 'malformed'],
    ['too few fields', '$GPGGA,123519,4807.038,N*27', 'malformed'],
    ['GSV message 3 of 2', '$GPGSV,2,3,08,01,40,083,46*4C', 'malformed'],
  ])('%s → %s', (_name, line, kind) => {
    expect(parseNmea(line).kind).toBe(kind);
  });

  it.each([
    ['$PUBX,00,081350.00,4717.113210,N,00833.915187,E,546.589,G3,2.1,2.0,0.007,77.52,0.007,,0.92,1.19,0.77,9,0,0*5F', 'PUBX'],
    ['$GPGLL,4916.45,N,12311.12,W,225444,A,*1D', 'GPGLL'],
    ['$GPZDA,201530.00,04,07,2002,00,00*60', 'GPZDA'],
    ['$GPTXT,01,01,02,u-blox ag - www.u-blox.com*50', 'GPTXT'],
  ])('counts a valid sentence it does not use as unsupported: %s', (line, address) => {
    expect(parseNmea(line)).toEqual({ kind: 'unsupported', address });
  });
});
