/**
 * Field decoders for NMEA 0183. Each returns null for an empty field and throws `NmeaFieldError`
 * for a value no receiver can have sent (the parser turns that into a `malformed` count).
 */
export class NmeaFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NmeaFieldError';
  }
}

const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)$/;
const INTEGER = /^\d+$/;
const TIME = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/;
const DATE = /^(\d{2})(\d{2})(\d{2})$/;
const LAT = /^(\d{2})(\d{2}(?:\.\d+)?)$/;
const LON = /^(\d{3})(\d{2}(?:\.\d+)?)$/;

export const KNOTS_TO_MPS = 1852 / 3600;

export function decimal(field: string | undefined, name: string): number | null {
  if (field === undefined || field === '') return null;
  if (!DECIMAL.test(field)) throw new NmeaFieldError(`${name}: not a number`);
  return Number(field);
}

export function integer(field: string | undefined, name: string): number | null {
  if (field === undefined || field === '') return null;
  if (!INTEGER.test(field)) throw new NmeaFieldError(`${name}: not an integer`);
  return Number(field);
}

/** Like `decimal`, and also refuses values outside [min, max]. */
export function bounded(field: string | undefined, name: string, min: number, max: number): number | null {
  const v = decimal(field, name);
  if (v !== null && (v < min || v > max)) throw new NmeaFieldError(`${name}: ${v} outside ${min}..${max}`);
  return v;
}

/** hhmmss[.sss] → ms since UTC midnight. Second 60 is a leap second. */
export function timeOfDay(field: string | undefined): number | null {
  if (field === undefined || field === '') return null;
  const m = TIME.exec(field);
  if (!m) throw new NmeaFieldError('time: not hhmmss.ss');
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3]);
  if (h > 23 || min > 59 || s >= 61) throw new NmeaFieldError('time: out of range');
  return Math.round(((h * 60 + min) * 60 + s) * 1000);
}

/** ddmmyy → ms since epoch of that UTC midnight. Two-digit years 80–99 are 19xx (NMEA has no century). */
export function dateOf(field: string | undefined): number | null {
  if (field === undefined || field === '') return null;
  const m = DATE.exec(field);
  if (!m) throw new NmeaFieldError('date: not ddmmyy');
  const d = Number(m[1]);
  const mo = Number(m[2]);
  const yy = Number(m[3]);
  const y = yy >= 80 ? 1900 + yy : 2000 + yy;
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (mo < 1 || mo > 12 || d < 1 || check.getUTCDate() !== d) throw new NmeaFieldError('date: no such day');
  return ms;
}

/** ddmm.mmmm + N/S (lat) or dddmm.mmmm + E/W (lon) → signed decimal degrees. */
export function coordinate(value: string | undefined, hemi: string | undefined, axis: 'lat' | 'lon'): number | null {
  const empty = (value ?? '') === '';
  if (empty && (hemi ?? '') === '') return null;
  if (empty) throw new NmeaFieldError(`${axis}: hemisphere without value`);
  const m = (axis === 'lat' ? LAT : LON).exec(value!);
  if (!m) throw new NmeaFieldError(`${axis}: not ${axis === 'lat' ? 'ddmm.mmmm' : 'dddmm.mmmm'}`);
  const deg = Number(m[1]);
  const min = Number(m[2]);
  if (min >= 60) throw new NmeaFieldError(`${axis}: minutes ≥ 60`);
  const abs = deg + min / 60;
  if (abs > (axis === 'lat' ? 90 : 180)) throw new NmeaFieldError(`${axis}: out of range`);
  const [pos, neg] = axis === 'lat' ? ['N', 'S'] : ['E', 'W'];
  if (hemi === pos) return abs;
  if (hemi === neg) return -abs;
  throw new NmeaFieldError(`${axis}: hemisphere must be ${pos} or ${neg}`);
}

/** A one-letter field from a fixed set, or null when empty. */
export function letter(field: string | undefined, allowed: string, name: string): string | null {
  if (field === undefined || field === '') return null;
  if (field.length !== 1 || !allowed.includes(field)) throw new NmeaFieldError(`${name}: unexpected "${field}"`);
  return field;
}
