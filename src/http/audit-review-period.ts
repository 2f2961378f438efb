/**
 * The period of an audit review: a calendar quarter (`2026-Q3`; by default the last full quarter
 * before today) or a custom range of whole days (`from`/`to` as YYYY-MM-DD, both included), in
 * the unit's local time, as the agency's calendar is.
 */
import type { FieldError } from './search-criteria.js';

export interface ReviewPeriod {
  /** ms since epoch, included. */
  from: number;
  /** ms since epoch, excluded. */
  to: number;
  /** `2026-Q3` for a quarter, null for a custom range. */
  quarter: string | null;
  /** In words: `2026 Q3 (Jul 1 – Sep 30, 2026)`. */
  label: string;
}

/** A custom range covers at most this many days (a year and a quarter). */
export const MAX_RANGE_DAYS = 460;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function day(t: Date): string {
  return `${MONTHS[t.getMonth()]} ${t.getDate()}, ${t.getFullYear()}`;
}

export function quarterPeriod(year: number, q: number): ReviewPeriod {
  const from = new Date(year, (q - 1) * 3, 1);
  const to = new Date(year, q * 3, 1);
  const last = new Date(year, q * 3, 0);
  return { from: from.getTime(), to: to.getTime(), quarter: `${year}-Q${q}`, label: `${year} Q${q} (${day(from)} – ${day(last)})` };
}

/** The last quarter that has ended before `now`. */
export function lastFullQuarter(now: number): ReviewPeriod {
  const t = new Date(now);
  const q = Math.floor(t.getMonth() / 3) + 1;
  return q === 1 ? quarterPeriod(t.getFullYear() - 1, 4) : quarterPeriod(t.getFullYear(), q - 1);
}

/** The quarters offered in the form: the current one and the eight before it, newest first. */
export function recentQuarters(now: number, count = 9): ReviewPeriod[] {
  const t = new Date(now);
  let year = t.getFullYear();
  let q = Math.floor(t.getMonth() / 3) + 1;
  const out: ReviewPeriod[] = [];
  for (let i = 0; i < count; i++) {
    out.push(quarterPeriod(year, q));
    q--;
    if (q === 0) {
      q = 4;
      year--;
    }
  }
  return out;
}

function parseDay(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getFullYear() === Number(m[1]) && d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? d : null;
}

/** The period a request asks for: `quarter`, or `from` and `to`, or the default. */
export function parsePeriod(q: { quarter?: string; from?: string; to?: string }, now: number): ReviewPeriod | FieldError[] {
  const quarter = q.quarter?.trim();
  const fromText = q.from?.trim();
  const toText = q.to?.trim();
  if (fromText || toText) {
    const errors: FieldError[] = [];
    const from = fromText ? parseDay(fromText) : null;
    const to = toText ? parseDay(toText) : null;
    if (!from) errors.push({ field: 'from', message: 'a first day as YYYY-MM-DD is needed for a custom range' });
    if (!to) errors.push({ field: 'to', message: 'a last day as YYYY-MM-DD is needed for a custom range' });
    if (from && to) {
      if (to < from) errors.push({ field: 'to', message: 'the last day is before the first' });
      else if ((to.getTime() - from.getTime()) / 86_400_000 + 1 > MAX_RANGE_DAYS) errors.push({ field: 'to', message: `a range covers at most ${MAX_RANGE_DAYS} days` });
    }
    if (errors.length || !from || !to) return errors;
    const end = new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1);
    return { from: from.getTime(), to: end.getTime(), quarter: null, label: `${day(from)} – ${day(to)}` };
  }
  if (quarter) {
    const m = /^(\d{4})-Q([1-4])$/.exec(quarter);
    if (!m) return [{ field: 'quarter', message: 'a quarter as YYYY-Qn, e.g. 2026-Q3' }];
    return quarterPeriod(Number(m[1]), Number(m[2]));
  }
  return lastFullQuarter(now);
}
