/**
 * Hot plates entered on this device. The policy rules are enforced here, not in the page that
 * collects them, so every caller gets the same refusals:
 *
 * - case number, or the subject's XREF when there is none (sacramento-pd E.1.a; roseville 426.6.5 (2));
 * - reason for entry (sacramento-pd E.1.b; roseville 426.6.5 (3));
 * - entering officer's name and contact (roseville 426.6.5 (1));
 * - an expiry, in the future, at most 30 days ahead (sacramento-da IV.E.a; roseville 426.6.5),
 *   at most 24 hours when the plate is also entered in NCIC/CLETS (sacramento-pd E.2; roseville 426.6.5).
 *
 * Entries persist as JSON lines in the data directory, rewritten whole and atomically (temp
 * file, fsync, rename, fsync of the folder) so a power cut leaves the old or the new file, never
 * half of one. Each line uses the import column names, so the file is also a valid list.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { uuidv7 } from '../shared/uuid.js';
import { normaliseEntryPlate, normaliseListName, parseRow, type EntryRow, type RowRules } from './entry-row.js';
import type { HotlistEntryInfo } from './types.js';

export interface LocalEntryInput {
  plate: string;
  state?: string | null;
  list: string;
  priority?: number;
  reason: string;
  caseNumber?: string | null;
  subjectXref?: string | null;
  officerName: string;
  officerContact: string;
  /** ms since epoch. */
  expiresAt: number;
  alsoInNcic: boolean;
  informational?: boolean;
}

export interface FieldError {
  field: string;
  message: string;
}

export type LocalEntryResult = { ok: true; entry: HotlistEntryInfo } | { ok: false; errors: FieldError[] };

export interface LocalRules {
  maxExpiryMs: number;
  maxNcicExpiryMs: number;
  specialLists: ReadonlySet<string>;
  defaultPriority: number;
  minWildcardLiterals: number;
  /** `alerts.alarm_lists`: their entries always alarm, so one cannot be entered as informational. */
  alarmLists?: ReadonlySet<string>;
}

const HOUR = 3_600_000;
const MAX_TEXT = 500;

/** Checks an entry against the policy; returns the row to store or every problem at once. */
export function validateLocalEntry(input: LocalEntryInput, actor: string, now: number, rules: LocalRules): { row: EntryRow } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const { plate, wildcard, list, state } = checkIdentity(input, rules, errors);
  const request = checkRequest(input, errors);
  if (input.informational === true && rules.alarmLists?.has(list)) {
    errors.push({ field: 'informational', message: `the ${list} list raises alarms: its entries cannot be informational (alerts.alarm_lists)` });
  }
  const priority = input.priority ?? rules.defaultPriority;
  if (!Number.isInteger(priority) || priority < 1 || priority > 9) errors.push({ field: 'priority', message: 'expected a whole number 1–9 (1 = most urgent)' });
  if (typeof input.alsoInNcic !== 'boolean') errors.push({ field: 'alsoInNcic', message: 'say whether the plate is also entered in NCIC/CLETS (true or false)' });
  const expiry = expiryProblem(input, now, rules);
  if (expiry !== null) errors.push({ field: 'expiresAt', message: expiry });
  if (text(actor) === '') errors.push({ field: 'actor', message: 'the user entering the plate must be known' });
  if (errors.length > 0) return { errors };
  return {
    row: {
      plate,
      wildcard,
      state: state === '' ? null : state,
      list,
      priority,
      reason: request.reason,
      caseNumber: request.caseNumber === '' ? null : request.caseNumber,
      subjectXref: request.subjectXref === '' ? null : request.subjectXref,
      officerName: request.officerName,
      officerContact: request.officerContact,
      source: 'local',
      createdAt: now,
      expiresAt: input.expiresAt,
      informational: input.informational === true || rules.specialLists.has(list),
      alsoInNcic: input.alsoInNcic,
      id: uuidv7(now),
      enteredBy: text(actor),
    },
  };
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function checkLength(errors: FieldError[], field: string, v: string): void {
  if (v.length > MAX_TEXT) errors.push({ field, message: `longer than ${MAX_TEXT} characters` });
}

/** What is listed: the plate (or pattern), the list and the state, normalised. */
function checkIdentity(input: LocalEntryInput, rules: LocalRules, errors: FieldError[]): { plate: string; wildcard: boolean; list: string; state: string } {
  let plate = '';
  let wildcard = false;
  const p = normaliseEntryPlate(text(input.plate), rules.minWildcardLiterals);
  if ('error' in p) errors.push({ field: 'plate', message: p.error });
  else ({ plate, wildcard } = p);
  const list = normaliseListName(text(input.list));
  if (!/^[a-z0-9_]{1,40}$/.test(list)) errors.push({ field: 'list', message: 'a list name is required: letters, digits and _ (at most 40)' });
  const state = text(input.state).toUpperCase();
  if (state !== '' && !/^[A-Z]{2,3}$/.test(state)) errors.push({ field: 'state', message: 'expected a 2–3 letter state or province code' });
  return { plate, wildcard, list, state };
}

/** The written request the policies require: reason, case number or XREF, the entering officer. */
function checkRequest(input: LocalEntryInput, errors: FieldError[]): { reason: string; caseNumber: string; subjectXref: string; officerName: string; officerContact: string } {
  const reason = text(input.reason);
  if (reason === '') errors.push({ field: 'reason', message: 'the reason for entry is required (sacramento-pd E.1.b; roseville 426.6.5 (3))' });
  checkLength(errors, 'reason', reason);
  const caseNumber = text(input.caseNumber);
  const subjectXref = text(input.subjectXref);
  if (caseNumber === '' && subjectXref === '') {
    errors.push({ field: 'caseNumber', message: "a case number is required, or the subject's XREF when there is none (sacramento-pd E.1.a; roseville 426.6.5 (2))" });
  }
  checkLength(errors, 'caseNumber', caseNumber);
  checkLength(errors, 'subjectXref', subjectXref);
  const officerName = text(input.officerName);
  const officerContact = text(input.officerContact);
  if (officerName === '') errors.push({ field: 'officerName', message: "the entering officer's name is required (roseville 426.6.5 (1))" });
  if (officerContact === '') errors.push({ field: 'officerContact', message: "the entering officer's contact phone number is required (roseville 426.6.5 (1))" });
  checkLength(errors, 'officerName', officerName);
  checkLength(errors, 'officerContact', officerContact);
  return { reason, caseNumber, subjectXref, officerName, officerContact };
}

/** Why the expiry is refused, or null: required, in the future, within the policy's span. */
function expiryProblem(input: LocalEntryInput, now: number, rules: LocalRules): string | null {
  const expiresAt = input.expiresAt;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return 'an expiry date is required (at most 30 days; 24 hours when also in NCIC/CLETS)';
  if (expiresAt <= now) return 'the expiry must be in the future';
  if (input.alsoInNcic === true && expiresAt - now > rules.maxNcicExpiryMs) {
    return `a hot plate also entered in NCIC/CLETS expires within ${rules.maxNcicExpiryMs / HOUR} hours (sacramento-pd E.2; roseville 426.6.5)`;
  }
  if (expiresAt - now > rules.maxExpiryMs) return `a hot plate expires within ${formatSpan(rules.maxExpiryMs)} (sacramento-da IV.E.a; roseville 426.6.5)`;
  return null;
}

function formatSpan(ms: number): string {
  return ms % (24 * HOUR) === 0 ? `${ms / (24 * HOUR)} days` : `${ms / HOUR} hours`;
}

export function rowToInfo(row: EntryRow): HotlistEntryInfo {
  return {
    id: row.id ?? '',
    plate: row.plate,
    state: row.state,
    list: row.list,
    priority: row.priority,
    reason: row.reason,
    caseNumber: row.caseNumber,
    informational: row.informational,
    expiresAt: row.expiresAt,
    subjectXref: row.subjectXref,
    officerName: row.officerName,
    officerContact: row.officerContact,
    source: row.source,
    createdAt: row.createdAt,
    alsoInNcic: row.alsoInNcic,
    enteredBy: row.enteredBy,
  };
}

/** The file's line for one entry: the import column names, so the file is a valid list too. */
function toLine(row: EntryRow): string {
  return JSON.stringify({
    id: row.id,
    plate: row.plate,
    state: row.state,
    list: row.list,
    priority: row.priority,
    reason: row.reason,
    case_number: row.caseNumber,
    subject_xref: row.subjectXref,
    officer_name: row.officerName,
    officer_contact: row.officerContact,
    source: row.source,
    created: row.createdAt,
    expires: row.expiresAt,
    informational: row.informational,
    also_in_ncic: row.alsoInNcic,
    entered_by: row.enteredBy,
  });
}

export interface LoadedLocal {
  rows: EntryRow[];
  /** Lines that could not be read back (line number, problem); the rest still load. */
  problems: { line: number; message: string }[];
  expired: number;
}

export class LocalEntryFile {
  constructor(readonly path: string) {}

  /** A missing file is an empty list; unreadable lines are reported and skipped. */
  load(rules: Omit<RowRules, 'source'>): LoadedLocal {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], problems: [], expired: 0 };
      throw err;
    }
    const out: LoadedLocal = { rows: [], problems: [], expired: 0 };
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let raw: Record<string, unknown>;
      try {
        raw = JSON.parse(line) as Record<string, unknown>;
      } catch (err) {
        out.problems.push({ line: i + 1, message: err instanceof Error ? err.message : String(err) });
        return;
      }
      const r = parseRow(raw as Record<string, string | number | boolean | null>, { ...rules, source: 'local' });
      if ('expired' in r) out.expired++;
      else if ('problems' in r) out.problems.push({ line: i + 1, message: r.problems.map((p) => `${p.field}: ${p.message}`).join('; ') });
      else out.rows.push(r.row);
    });
    return out;
  }

  /** Replaces the file atomically: temp file, fsync, rename over the old one, fsync the folder. */
  save(rows: readonly EntryRow[]): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, rows.map((r) => `${toLine(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}
