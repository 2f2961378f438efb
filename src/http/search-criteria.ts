/**
 * Validation of a search of stored reads: the criteria (plate with wildcards, time range, camera,
 * area) and the justification every query must carry — a case number and a purpose
 * (sacramento-da IV.C.b; shasta 467.6 (b): legitimate law-enforcement purposes only).
 */
import { Type } from '@sinclair/typebox';
import { NullableNumber, NullableString } from './schema.js';
import type { DetectionQuery } from './ports.js';

const OptNum = Type.Optional(NullableNumber());
const OptStr = (max: number) => Type.Optional(NullableString(max));

export const SearchFields = {
  caseNumber: OptStr(64),
  purpose: OptStr(500),
  plate: OptStr(32),
  from: OptNum,
  to: OptNum,
  cameraId: OptStr(32),
  minLat: OptNum,
  maxLat: OptNum,
  minLon: OptNum,
  maxLon: OptNum,
};
export const SearchBody = Type.Object({
  ...SearchFields,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
});

export interface FieldError {
  field: string;
  message: string;
}

export interface Justification {
  caseNumber: string;
  purpose: string;
}

const PURPOSE_MIN = 4;

export function justification(b: { caseNumber?: string | null; purpose?: string | null }): Justification | FieldError[] {
  const caseNumber = b.caseNumber?.trim() ?? '';
  const purpose = b.purpose?.trim() ?? '';
  const errors: FieldError[] = [];
  if (!caseNumber) errors.push({ field: 'caseNumber', message: 'a case number is required for every search (sacramento-da IV.C.b)' });
  if (purpose.length < PURPOSE_MIN) errors.push({ field: 'purpose', message: 'state the purpose of this search (sacramento-da IV.C.b; shasta 467.6 (b))' });
  return errors.length ? errors : { caseNumber, purpose };
}

/** Upper-case A–Z 0–9 plus `*` and `?`; spaces, dashes and dots (as typed from a plate) dropped. */
export function normalisePlatePattern(p: string): string {
  return p.toUpperCase().replace(/[\s.\-·]/g, '');
}

export function criteria(b: {
  plate?: string | null;
  from?: number | null;
  to?: number | null;
  cameraId?: string | null;
  minLat?: number | null;
  maxLat?: number | null;
  minLon?: number | null;
  maxLon?: number | null;
}): DetectionQuery | FieldError[] {
  const errors: FieldError[] = [];
  const q: DetectionQuery = {};
  if (b.plate?.trim()) {
    const plate = normalisePlatePattern(b.plate);
    if (!/^[A-Z0-9*?]{1,16}$/.test(plate)) errors.push({ field: 'plate', message: 'letters, digits, * (any run) and ? (one character) only' });
    else if (plate.replace(/[*?]/g, '').length < 2) errors.push({ field: 'plate', message: 'give at least two known characters' });
    else q.plate = plate;
  }
  if (b.from !== null && b.from !== undefined) q.from = b.from;
  if (b.to !== null && b.to !== undefined) q.to = b.to;
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) errors.push({ field: 'to', message: 'must be after "from"' });
  if (b.cameraId?.trim()) q.cameraId = b.cameraId.trim();
  const box = [b.minLat, b.maxLat, b.minLon, b.maxLon];
  const given = box.filter((v) => v !== null && v !== undefined).length;
  if (given === 4) {
    const [minLat, maxLat, minLon, maxLon] = box as number[];
    if (minLat! < -90 || maxLat! > 90 || minLat! > maxLat!) errors.push({ field: 'minLat', message: 'latitudes must satisfy -90 ≤ min ≤ max ≤ 90' });
    if (minLon! < -180 || maxLon! > 180 || minLon! > maxLon!) errors.push({ field: 'minLon', message: 'longitudes must satisfy -180 ≤ min ≤ max ≤ 180' });
    q.bbox = { minLat: minLat!, maxLat: maxLat!, minLon: minLon!, maxLon: maxLon! };
  } else if (given > 0) {
    errors.push({ field: 'minLat', message: 'an area needs all four bounds (min/max latitude and longitude)' });
  }
  return errors.length ? errors : q;
}
