/**
 * Validation of a search of stored reads: the criteria (plate with wildcards, time range, camera,
 * area) and the justification every query must carry — a case number in the agency's format and
 * a purpose chosen from the agency's list with free text describing it (sacramento-da IV.C.b;
 * shasta 467.6 (b): legitimate law-enforcement purposes only).
 *
 * A search is a look-up, not a bulk export (issue 16 item 6: an operator dumped every detection
 * with no criteria and case number "."): it needs a real criterion — a full or partial plate, or
 * a place (camera or area) with a time window of bounded length — and its results are capped and
 * paged. Everything wider is an administrator's export with its release record.
 */
import { Type } from '@sinclair/typebox';
import { NullableNumber, NullableString } from './schema.js';
import type { DetectionQuery } from './ports.js';

const OptNum = Type.Optional(NullableNumber());
const OptStr = (max: number) => Type.Optional(NullableString(max));

/** Offsets past this are refused by the schema (a huge offset used to reach SQLite and answer 500). */
export const MAX_OFFSET = 1_000_000;

export const SearchFields = {
  caseNumber: OptStr(64),
  /** One of the agency's purposes (`http.search_purposes`). */
  purposeCategory: OptStr(80),
  /** Free text: what in the case the search is for. */
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
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET })),
  /** A supervisor's approval of a purpose not on the agency's list (`auth/approvals.ts`). */
  approvalId: Type.Optional(Type.Integer({ minimum: 1 })),
});

export interface FieldError {
  field: string;
  message: string;
}

export interface Justification {
  caseNumber: string;
  purposeCategory: string;
  /** As recorded in the audit log's purpose column: `category: text`. */
  purpose: string;
}

export interface SearchPolicy {
  /** The agency's case number format, compiled. */
  casePattern: RegExp;
  purposes: readonly string[];
  /** Longest time window of a search by place without a plate (ms). */
  maxWindowMs: number;
}

export function searchPolicy(c: { case_number_pattern: string; search_purposes: string[]; search_max_window_h: number }): SearchPolicy {
  return { casePattern: new RegExp(c.case_number_pattern, 'u'), purposes: c.search_purposes, maxWindowMs: c.search_max_window_h * 3600_000 };
}

/** Letters, digits, punctuation and symbols only: no control, format (zero-width), private-use or space characters. */
const VISIBLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]+$/u;
const WORD_CHARS = /[\p{L}\p{N}]/gu;
const PURPOSE_MIN_CHARS = 4;
/** Known (non-wildcard) characters a partial plate must have. */
export const PLATE_MIN_KNOWN = 3;

export function justification(
  b: { caseNumber?: string | null; purposeCategory?: string | null; purpose?: string | null },
  policy: Pick<SearchPolicy, 'casePattern' | 'purposes'>,
): Justification | FieldError[] {
  const caseNumber = b.caseNumber?.trim() ?? '';
  const category = b.purposeCategory?.trim() ?? '';
  const text = b.purpose?.trim() ?? '';
  const errors: FieldError[] = [];
  if (!caseNumber) errors.push({ field: 'caseNumber', message: 'a case number is required for every search (sacramento-da IV.C.b)' });
  else if (!VISIBLE.test(caseNumber) || !/[\p{L}\p{N}]/u.test(caseNumber) || !policy.casePattern.test(caseNumber)) {
    errors.push({ field: 'caseNumber', message: "not a case number in this agency's format (visible characters only)" });
  }
  if (!policy.purposes.includes(category)) errors.push({ field: 'purposeCategory', message: `choose the purpose: ${policy.purposes.join(', ')}` });
  if ((text.match(WORD_CHARS)?.length ?? 0) < PURPOSE_MIN_CHARS) errors.push({ field: 'purpose', message: 'describe what in the case this search is for (shasta 467.6 (b))' });
  return errors.length ? errors : { caseNumber, purposeCategory: category, purpose: `${category}: ${text}` };
}

/** Upper-case A–Z 0–9 plus `*` and `?`; spaces, dashes and dots (as typed from a plate) dropped. */
export function normalisePlatePattern(p: string): string {
  return p.toUpperCase().replace(/[\s.\-·]/g, '');
}

export function criteria(
  b: {
    plate?: string | null;
    from?: number | null;
    to?: number | null;
    cameraId?: string | null;
    minLat?: number | null;
    maxLat?: number | null;
    minLon?: number | null;
    maxLon?: number | null;
  },
  policy: Pick<SearchPolicy, 'maxWindowMs'>,
): DetectionQuery | FieldError[] {
  const errors: FieldError[] = [];
  const q: DetectionQuery = {};
  if (b.plate?.trim()) {
    const plate = normalisePlatePattern(b.plate);
    if (!/^[A-Z0-9*?]{1,16}$/.test(plate)) errors.push({ field: 'plate', message: 'letters, digits, * (any run) and ? (one character) only' });
    else if (plate.replace(/[*?]/g, '').length < PLATE_MIN_KNOWN) errors.push({ field: 'plate', message: `give at least ${PLATE_MIN_KNOWN} known characters` });
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
  if (errors.length === 0 && q.plate === undefined) {
    const place = q.cameraId !== undefined || q.bbox !== undefined;
    const hours = Math.round((policy.maxWindowMs / 3600_000) * 10) / 10;
    if (!place || q.from === undefined || q.to === undefined) {
      errors.push({ field: 'plate', message: `give a plate (full or partial), or a camera or area with a time window of at most ${hours} h` });
    } else if (q.to - q.from > policy.maxWindowMs) {
      errors.push({ field: 'to', message: `a search by place covers at most ${hours} h; narrow the time window or give a plate` });
    }
  }
  return errors.length ? errors : q;
}
