/**
 * NMEA 0183 sentence parser: one line in, one `NmeaParseResult` out. Pure and total: whatever
 * the bytes, it returns, it never throws (a serial line delivers noise on every plug-in).
 */
import { bounded, coordinate, dateOf, integer, letter, NmeaFieldError, timeOfDay } from './nmea-fields.js';
import {
  TALKERS,
  type GgaSentence,
  type GnsSentence,
  type GsaSentence,
  type GsvSatellite,
  type GsvSentence,
  type NmeaParseResult,
  type NmeaSentence,
  type RmcSentence,
  type Talker,
  type VtgSentence,
} from './nmea-sentences.js';

/** NMEA caps a sentence at 82 characters; some multi-GNSS receivers exceed it with extra
 *  precision, so allow a margin before calling a line garbage. */
export const MAX_SENTENCE_LENGTH = 120;

const TALKER_SET: ReadonlySet<string> = new Set(TALKERS);
const MODE_LETTERS = 'ADEFMNPRS';

type FieldParser = (f: string[], talker: Talker) => NmeaSentence;

/** Minimum field count (after the address) and decoder per sentence type. */
const PARSERS: Record<string, { min: number; parse: FieldParser }> = {
  GGA: { min: 9, parse: parseGga },
  RMC: { min: 9, parse: parseRmc },
  VTG: { min: 8, parse: parseVtg },
  GSA: { min: 17, parse: parseGsa },
  GNS: { min: 9, parse: parseGns },
  GSV: { min: 3, parse: parseGsv },
};

export function parseNmea(line: string): NmeaParseResult {
  if (line.length < 9 || line.charCodeAt(0) !== 0x24 /* $ */) return malformed('does not start with $');
  if (line.length > MAX_SENTENCE_LENGTH) return malformed('too long');
  const star = line.length - 3;
  if (line.charCodeAt(star) !== 0x2a /* * */) return malformed('no checksum');
  let sum = 0;
  for (let i = 1; i < star; i++) {
    const c = line.charCodeAt(i);
    // Printable ASCII only; '$', '*' and '!' are delimiters and cannot occur inside a sentence.
    if (c < 0x20 || c > 0x7e || c === 0x24 || c === 0x2a || c === 0x21) return malformed('invalid character');
    sum ^= c;
  }
  const given = parseHex(line.charCodeAt(star + 1), line.charCodeAt(star + 2));
  if (given < 0) return malformed('checksum is not hex');
  if (given !== sum) return { kind: 'bad_checksum' };

  const fields = line.slice(1, star).split(',');
  const address = fields[0]!;
  if (address.length !== 5 || address.startsWith('P')) return { kind: 'unsupported', address };
  const talker = address.slice(0, 2);
  const def = PARSERS[address.slice(2)];
  if (!TALKER_SET.has(talker) || !def) return { kind: 'unsupported', address };
  const body = fields.slice(1);
  if (body.length < def.min) return malformed(`${address}: ${body.length} fields, at least ${def.min} expected`);
  try {
    return { kind: 'sentence', sentence: def.parse(body, talker as Talker) };
  } catch (err) {
    if (err instanceof NmeaFieldError) return malformed(`${address}: ${err.message}`);
    throw err;
  }
}

function malformed(reason: string): NmeaParseResult {
  return { kind: 'malformed', reason };
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function parseHex(a: number, b: number): number {
  const hi = hexDigit(a);
  const lo = hexDigit(b);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// $--GGA,hhmmss.ss,llll.ll,a,yyyyy.yy,a,q,nn,h.h,a.a,M,g.g,M,age,sta
function parseGga(f: string[], talker: Talker): GgaSentence {
  return {
    type: 'GGA',
    talker,
    timeMs: timeOfDay(f[0]),
    lat: coordinate(f[1], f[2], 'lat'),
    lon: coordinate(f[3], f[4], 'lon'),
    quality: integerIn(f[5], 'quality', 0, 8) ?? 0,
    satellites: integerIn(f[6], 'satellites', 0, 99),
    hdop: bounded(f[7], 'hdop', 0, 100),
    altitude_m: bounded(f[8], 'altitude', -10_000, 100_000),
  };
}

// $--RMC,hhmmss.ss,A,llll.ll,a,yyyyy.yy,a,x.x,x.x,ddmmyy,x.x,a[,m[,s]]
function parseRmc(f: string[], talker: Talker): RmcSentence {
  const status = letter(f[1], 'AV', 'status');
  return {
    type: 'RMC',
    talker,
    timeMs: timeOfDay(f[0]),
    valid: status === 'A',
    lat: coordinate(f[2], f[3], 'lat'),
    lon: coordinate(f[4], f[5], 'lon'),
    speed_knots: bounded(f[6], 'speed', 0, 10_000),
    course_deg: bounded(f[7], 'course', 0, 360),
    dateMs: dateOf(f[8]),
    modeIndicator: letter(f[11], MODE_LETTERS, 'mode'),
  };
}

// $--VTG,x.x,T,x.x,M,x.x,N,x.x,K[,m]
function parseVtg(f: string[], talker: Talker): VtgSentence {
  return {
    type: 'VTG',
    talker,
    course_deg: bounded(f[0], 'course', 0, 360),
    speed_knots: bounded(f[4], 'speed knots', 0, 10_000),
    speed_kmh: bounded(f[6], 'speed km/h', 0, 20_000),
    modeIndicator: letter(f[8], MODE_LETTERS, 'mode'),
  };
}

// $--GSA,a,x,xx,xx,xx,xx,xx,xx,xx,xx,xx,xx,xx,xx,p.p,h.h,v.v[,s]
function parseGsa(f: string[], talker: Talker): GsaSentence {
  letter(f[0], 'MA', 'selection');
  const fixType = integerIn(f[1], 'fix type', 1, 3) as 1 | 2 | 3 | null;
  const prns: number[] = [];
  for (let i = 2; i < 14; i++) {
    const prn = integerIn(f[i], 'prn', 1, 999);
    if (prn !== null) prns.push(prn);
  }
  return {
    type: 'GSA',
    talker,
    fixType,
    prns,
    pdop: bounded(f[14], 'pdop', 0, 100),
    hdop: bounded(f[15], 'hdop', 0, 100),
    vdop: bounded(f[16], 'vdop', 0, 100),
    systemId: integerIn(f[17], 'system id', 0, 15),
  };
}

// $--GNS,hhmmss.ss,llll.ll,a,yyyyy.yy,a,c--c,xx,x.x,x.x,x.x,x.x,x.x[,s]
function parseGns(f: string[], talker: Talker): GnsSentence {
  const modes = f[5] ?? '';
  if (!/^[ADEFMNPRS]*$/.test(modes)) throw new NmeaFieldError('mode: unexpected characters');
  return {
    type: 'GNS',
    talker,
    timeMs: timeOfDay(f[0]),
    lat: coordinate(f[1], f[2], 'lat'),
    lon: coordinate(f[3], f[4], 'lon'),
    modes,
    satellites: integerIn(f[6], 'satellites', 0, 99),
    hdop: bounded(f[7], 'hdop', 0, 100),
    altitude_m: bounded(f[8], 'altitude', -10_000, 100_000),
  };
}

// $--GSV,t,n,vv,[prn,el,az,snr]{0..4}[,signal]
function parseGsv(f: string[], talker: Talker): GsvSentence {
  const total = integerIn(f[0], 'total', 1, 99);
  const index = integerIn(f[1], 'index', 1, 99);
  const inView = integerIn(f[2], 'in view', 0, 999);
  if (total === null || index === null || inView === null) throw new NmeaFieldError('GSV: header fields are required');
  if (index > total) throw new NmeaFieldError('GSV: message index beyond total');
  const rest = f.length - 3;
  // Groups of four; an odd trailing field is the NMEA 4.1 signal id.
  if (rest % 4 > 1) throw new NmeaFieldError('GSV: incomplete satellite block');
  const satellites: GsvSatellite[] = [];
  for (let i = 3; i + 3 < f.length; i += 4) {
    const prn = integerIn(f[i], 'prn', 1, 999);
    if (prn === null) continue;
    satellites.push({
      prn,
      elevation_deg: bounded(f[i + 1], 'elevation', -90, 90),
      azimuth_deg: bounded(f[i + 2], 'azimuth', 0, 360),
      snr_db: integerIn(f[i + 3], 'snr', 0, 99),
    });
  }
  return { type: 'GSV', talker, total, index, inView, satellites };
}

function integerIn(field: string | undefined, name: string, min: number, max: number): number | null {
  const v = integer(field, name);
  if (v !== null && (v < min || v > max)) throw new NmeaFieldError(`${name}: ${v} outside ${min}..${max}`);
  return v;
}
