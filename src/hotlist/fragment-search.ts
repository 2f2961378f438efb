/**
 * Look-up by fragment (issue 15): the plates of the lists in force that contain a typed piece of
 * a plate anywhere (`6GU` finds `6GU547B` and `16GU44`), with `?` for one unknown character and
 * `*` for an unknown run (`6G?5*7B`). What a witness remembers is rarely the whole plate; the
 * matcher (`Hotlist.lookup`) answers what a read of the whole text would raise, this answers
 * "which listed plates could it be".
 *
 * No index is built for it: the plate table already holds every distinct plate once, as
 * fixed-width symbol rows in one byte array per plate length. A fragment's longest run of known
 * characters is searched for in those bytes with `Buffer.indexOf` (native, memchr-based), and
 * only the rows it lands in are checked in full. The cost is one pass over the table's rows,
 * bounded by the list's size and independent of what is typed (measured in docs/operator.md:
 * 5 M plates, about 35 MB of rows), and the scan stops as soon as more entries than asked for
 * are found. Plates only: partial-plate entries (`6GU?47*`) are found by `lookup`, whose
 * wildcard walk is the one that knows what a pattern can match.
 */
import { MAX_PLATE_LENGTH, PLAIN_SYMBOLS, SYM_ANY_ONE, symbolOf } from '../plate/alphabet.js';
import type { ListIndex } from './index/list-index.js';
import { GROUP_STRIDE, GroupField } from './index/plate-table-layout.js';
import type { HotlistEntryInfo } from './types.js';

/** Known characters a fragment needs: fewer match a large share of all plates and say nothing. */
export const FRAGMENT_MIN_KNOWN = 3;
/** Longest text accepted as typed (before spaces and dashes are dropped). */
export const FRAGMENT_MAX_INPUT = 32;

export interface FragmentPattern {
  /** As normalised: upper case, `*` runs collapsed, spaces, dashes and dots dropped. */
  text: string;
  /** The pieces between `*`s, as symbols (`SYM_ANY_ONE` for `?`), in order. */
  segments: Uint8Array[];
  /** Shortest plate the pattern fits in. */
  minLength: number;
  /** The longest run of known characters: the bytes searched for. */
  anchor: Uint8Array;
}

export type FragmentParse = { ok: true; pattern: FragmentPattern } | { ok: false; message: string };

export interface FragmentMatch {
  plate: string;
  entry: HotlistEntryInfo;
}

export interface FragmentAnswer {
  pattern: string;
  /** Live entries whose plate contains the pattern, most urgent list first, at most `limit`. */
  matches: FragmentMatch[];
  /** More entries matched than `limit`: the operator types more characters. */
  truncated: boolean;
  /** Rows checked in full after the byte search (benchmark figure). */
  rowsChecked: number;
}

/** Parses what an operator typed; the message says what is wrong in words (never echoing the text). */
export function parseFragment(input: string): FragmentParse {
  if (input.length > FRAGMENT_MAX_INPUT) return { ok: false, message: `at most ${FRAGMENT_MAX_INPUT} characters` };
  const text = input.toUpperCase().replace(/[\s.\-·]/g, '').replace(/\*+/g, '*');
  if (!/^[A-Z0-9?*]*$/.test(text)) return { ok: false, message: 'letters, digits, ? (one character) and * (any run) only' };
  const known = text.replace(/[?*]/g, '').length;
  if (known < FRAGMENT_MIN_KNOWN) return { ok: false, message: `type at least ${FRAGMENT_MIN_KNOWN} letters or digits of the plate` };
  const segments = text
    .split('*')
    .filter((s) => s !== '')
    .map((s) => Uint8Array.from(s, (ch) => symbolOf(ch.charCodeAt(0))));
  const minLength = segments.reduce((n, s) => n + s.length, 0);
  if (minLength > MAX_PLATE_LENGTH) return { ok: false, message: `longer than any plate (${MAX_PLATE_LENGTH} characters)` };
  let anchor = new Uint8Array(0);
  for (const s of segments) {
    for (let i = 0; i < s.length; ) {
      let j = i;
      while (j < s.length && s[j]! < PLAIN_SYMBOLS) j++;
      if (j - i > anchor.length) anchor = s.slice(i, j);
      i = j + 1;
    }
  }
  return { ok: true, pattern: { text, segments, minLength, anchor } };
}

/** Whether the row `rows[at..at+len)` contains the segments in order (leftmost fit of each is enough). */
export function rowContains(rows: Uint8Array, at: number, len: number, segments: readonly Uint8Array[]): boolean {
  let from = 0;
  for (const seg of segments) {
    const n = seg.length;
    let found = -1;
    for (let start = from; start + n <= len && found < 0; start++) {
      let j = 0;
      while (j < n && (seg[j] === SYM_ANY_ONE || seg[j] === rows[at + start + j])) j++;
      if (j === n) found = start;
    }
    if (found < 0) return false;
    from = found + n;
  }
  return true;
}

/**
 * Live entries of one list version whose plate contains `pattern`, appended to `out` until it holds
 * more than `limit`; returns the rows checked in full.
 */
export function searchIndex(index: ListIndex, pattern: FragmentPattern, now: number, limit: number, out: FragmentMatch[]): number {
  const { groups, rows, head } = index.parts.plates;
  const next = index.parts.entries.nextEntry;
  const bytes = Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength);
  const needle = Buffer.from(pattern.anchor.buffer, pattern.anchor.byteOffset, pattern.anchor.byteLength);
  let checked = 0;
  for (let g = 0; g < groups.length && out.length <= limit; g += GROUP_STRIDE) {
    const L = groups[g + GroupField.LEN]!;
    if (L < pattern.minLength) continue;
    const off = groups[g + GroupField.BYTE_OFF]!;
    const end = off + groups[g + GroupField.COUNT]! * L;
    const idOff = groups[g + GroupField.ID_OFF]!;
    let pos = off;
    while (pos < end && out.length <= limit) {
      const hit = bytes.indexOf(needle, pos);
      if (hit < 0 || hit >= end) break;
      const local = ((hit - off) / L) | 0;
      const rowAt = off + local * L;
      // Next row in any case: a row is checked whole, once.
      pos = rowAt + L;
      if (hit + needle.length > pos) continue; // the run straddles two rows
      checked++;
      if (!rowContains(rows, rowAt, L, pattern.segments)) continue;
      const row = idOff + local;
      let plate: string | null = null;
      for (let e = head[row]!; e !== -1; e = next[e]!) {
        if (!index.alive(e, now)) continue;
        plate ??= index.plates.textOf(row);
        out.push({ plate, entry: index.entryInfo(e, plate) });
      }
    }
  }
  return checked;
}

/** Searches every list in force; matches ordered by list priority (1 = most urgent), then plate. */
export function searchFragment(indexes: readonly ListIndex[], pattern: FragmentPattern, now: number, limit: number): FragmentAnswer {
  const found: FragmentMatch[] = [];
  let rowsChecked = 0;
  for (const index of indexes) {
    if (found.length > limit) break;
    rowsChecked += searchIndex(index, pattern, now, limit, found);
  }
  const truncated = found.length > limit;
  const matches = found.slice(0, limit).sort((a, b) => a.entry.priority - b.entry.priority || (a.plate < b.plate ? -1 : a.plate > b.plate ? 1 : 0));
  return { pattern: pattern.text, matches, truncated, rowsChecked };
}
