/**
 * One hot-list entry as read from a list file, the central server or the local entry form,
 * validated and normalised. Validation is pure and reports every problem of a row at once
 * (`field: message`), so an import report names the row, the field and what is wrong.
 */
import { normalisePlate } from '../plate/normalise.js';
import { MAX_PLATE_LENGTH } from '../plate/alphabet.js';

export interface EntryRow {
  /** Normalised plate (A–Z 0–9), or a pattern with `?` and `*` when `wildcard`. */
  plate: string;
  wildcard: boolean;
  state: string | null;
  list: string;
  /** 1 = most urgent. */
  priority: number;
  reason: string;
  caseNumber: string | null;
  subjectXref: string | null;
  officerName: string | null;
  officerContact: string | null;
  source: string;
  createdAt: number | null;
  /** ms since epoch; null = no expiry (whole lists are replaced at each sync instead). */
  expiresAt: number | null;
  informational: boolean;
  alsoInNcic: boolean;
  id: string | null;
  enteredBy: string | null;
}

export type RawValue = string | number | boolean | null | undefined;
export type RawRow = Record<string, RawValue>;

export interface RowProblem {
  field: string;
  message: string;
}

export interface RowRules {
  /** Lists whose hits are informational only (sacramento-pd I.1; roseville 426.6.4 (c)). */
  specialLists: ReadonlySet<string>;
  defaultPriority: number;
  /** Known characters a partial plate must have, so a pattern cannot match half the traffic. */
  minWildcardLiterals: number;
  /** Source recorded on rows that do not name one. */
  source: string;
  now: number;
}

export type RowResult = { row: EntryRow } | { problems: RowProblem[] } | { expired: true };

const MAX_TEXT = 500;
const LIST_NAME = /^[a-z0-9_]{1,40}$/;
const STATE = /^[A-Z]{2,3}$/;

/** Normalises a list name as typed (`Stolen Vehicle`) to its key (`stolen_vehicle`). */
export function normaliseListName(name: string): string {
  if (/^[a-z0-9_]+$/.test(name)) return name;
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Plate or pattern text → normalised text and whether it is a pattern; null when unusable. */
export function normaliseEntryPlate(text: string, minWildcardLiterals: number): { plate: string; wildcard: boolean } | { error: string } {
  // Most list rows are already normal plates: one pass over the characters settles it.
  if (isPlainPlate(text)) return { plate: text, wildcard: false };
  if (/[?*]/.test(text)) {
    const pattern = text.toUpperCase().replace(/[\s.\-·]/g, '').replace(/\*+/g, '*');
    if (!/^[A-Z0-9?*]+$/.test(pattern)) return { error: 'a partial plate may only hold A–Z, 0–9, ? (one character) and * (any run)' };
    const literals = pattern.replace(/[?*]/g, '').length;
    if (literals < minWildcardLiterals) return { error: `a partial plate needs at least ${minWildcardLiterals} known characters` };
    if (pattern.replace(/\*/g, '').length > MAX_PLATE_LENGTH) return { error: `longer than ${MAX_PLATE_LENGTH} characters` };
    return { plate: pattern, wildcard: true };
  }
  const plate = normalisePlate(text);
  if (plate.length < 2) return { error: 'needs at least two characters A–Z or 0–9' };
  if (plate.length > MAX_PLATE_LENGTH) return { error: `longer than ${MAX_PLATE_LENGTH} characters` };
  return { plate, wildcard: false };
}

/** A–Z and 0–9 only, 2 to MAX_PLATE_LENGTH characters. */
function isPlainPlate(text: string): boolean {
  const n = text.length;
  if (n < 2 || n > MAX_PLATE_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return false;
  }
  return true;
}

/** List names and states repeat over millions of rows: their checks are remembered. */
const checkedLists = new Map<string, { value: string; ok: boolean }>();
const checkedStates = new Map<string, { value: string; ok: boolean }>();

function checkedName(text: string, normalise: (t: string) => string, pattern: RegExp, seen: Map<string, { value: string; ok: boolean }>): { value: string; ok: boolean } {
  let known = seen.get(text);
  if (known === undefined) {
    const value = normalise(text);
    known = { value, ok: pattern.test(value) };
    if (seen.size >= 4096) seen.clear();
    seen.set(text, known);
  }
  return known;
}

const upper = (t: string): string => t.toUpperCase();

export function parseRow(raw: RawRow, rules: RowRules): RowResult {
  const problems: RowProblem[] = [];
  const plateText = textField(raw, 'plate', true, problems);
  let plate = '';
  let wildcard = false;
  if (plateText !== null) {
    const p = normaliseEntryPlate(plateText, rules.minWildcardLiterals);
    if ('error' in p) problems.push({ field: 'plate', message: `"${plateText}": ${p.error}` });
    else ({ plate, wildcard } = p);
  }
  const listText = textField(raw, 'list', true, problems);
  const listCheck = listText === null ? null : checkedName(listText, normaliseListName, LIST_NAME, checkedLists);
  const list = listCheck === null ? '' : listCheck.value;
  if (listText !== null && !listCheck!.ok) problems.push({ field: 'list', message: `"${listText}": use letters, digits and _ (at most 40)` });
  const stateText = textField(raw, 'state', false, problems);
  const stateCheck = stateText === null ? null : checkedName(stateText, upper, STATE, checkedStates);
  const state = stateCheck === null ? null : stateCheck.value;
  if (stateText !== null && !stateCheck!.ok) problems.push({ field: 'state', message: `"${stateText}": expected a 2–3 letter state or province code` });
  const priority = integer(raw.priority, rules.defaultPriority, 1, 9, 'priority', problems);
  const createdAt = time(raw.created, 'created', problems);
  const expiresAt = time(raw.expires, 'expires', problems);
  const informational = flag(raw.informational, 'informational', problems) || rules.specialLists.has(list);
  const alsoInNcic = flag(raw.also_in_ncic, 'also_in_ncic', problems);
  const row: EntryRow = {
    plate,
    wildcard,
    state,
    list,
    priority,
    reason: textField(raw, 'reason', false, problems) ?? '',
    caseNumber: textField(raw, 'case_number', false, problems),
    subjectXref: textField(raw, 'subject_xref', false, problems),
    officerName: textField(raw, 'officer_name', false, problems),
    officerContact: textField(raw, 'officer_contact', false, problems),
    source: textField(raw, 'source', false, problems) ?? rules.source,
    createdAt,
    expiresAt,
    informational,
    alsoInNcic,
    id: textField(raw, 'id', false, problems),
    enteredBy: textField(raw, 'entered_by', false, problems),
  };
  if (problems.length > 0) return { problems };
  // An entry already past its expiry is dropped, not refused: lists are cut ahead of time.
  if (expiresAt !== null && expiresAt <= rules.now) return { expired: true };
  return { row };
}

/** A trimmed text field, null when absent or empty; problems for a missing required one or a wrong type. */
function textField(raw: RawRow, field: string, required: boolean, problems: RowProblem[]): string | null {
  const v = raw[field];
  if (v === undefined || v === null || v === '') {
    if (required) problems.push({ field, message: 'is required' });
    return null;
  }
  if (typeof v === 'boolean') {
    problems.push({ field, message: 'must be text' });
    return null;
  }
  const s = typeof v === 'string' ? v.trim() : String(v);
  if (s.length > MAX_TEXT) problems.push({ field, message: `longer than ${MAX_TEXT} characters` });
  if (required && s === '') problems.push({ field, message: 'is required' });
  return s === '' ? null : s;
}

function integer(v: RawValue, dflt: number, min: number, max: number, field: string, problems: RowProblem[]): number {
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push({ field, message: `"${String(v)}": expected a whole number ${min}–${max}` });
    return dflt;
  }
  return n;
}

/** ISO 8601 date or time, or epoch milliseconds (seconds when 10 digits or fewer). */
export function parseTime(v: RawValue): number | null | undefined {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? (v < 1e11 ? v * 1000 : v) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return s.length <= 10 ? Number(s) * 1000 : Number(s);
  // Lists repeat the same few dates over millions of rows: remember recent parses.
  const known = recentTimes.get(s);
  if (known !== undefined) return known;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  if (recentTimes.size >= 4096) recentTimes.clear();
  recentTimes.set(s, t);
  return t;
}

const recentTimes = new Map<string, number>();

function time(v: RawValue, field: string, problems: RowProblem[]): number | null {
  const t = parseTime(v);
  if (t === undefined) {
    problems.push({ field, message: `"${String(v)}": expected an ISO 8601 date/time or epoch milliseconds` });
    return null;
  }
  return t;
}

function flag(v: RawValue, field: string, problems: RowProblem[]): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', '1', 'yes', 'y'].includes(s)) return true;
  if (['false', '0', 'no', 'n'].includes(s)) return false;
  problems.push({ field, message: `"${String(v)}": expected true or false` });
  return false;
}
