/**
 * The plain plates of one list, for exact and OCR-tolerant lookup. Plates are grouped by length;
 * each group holds its distinct plates once, as fixed-width symbol rows sorted by confusion class
 * (rows a confusion apart are neighbours), plus a few more sort orders of the same rows kept as
 * row-number permutations, each with a prefix table that turns a key's first classes into a row
 * range. No JavaScript object exists per plate, and every part is a typed array a worker can
 * transfer.
 *
 * Tolerant lookup is pigeonhole filtering: whatever a single edit changed, some long stretch of
 * the plate is untouched and appears in the read, up to confusions, at a known position. With
 * one edit at plate position p:
 *   - p ≥ f: the first f symbols are untouched; looked up in the forward order;
 *   - p < L − r: the last r symbols are untouched; looked up in the reversed order;
 *   - the few positions between get an order of their own that sorts rows by the plate without
 *     position p ("gap" orders), looked up with the read without the edited symbol.
 * Every lookup therefore carries four or more known symbols, and its range holds a handful of
 * rows out of millions, found through a prefix table and a binary search over fingerprints;
 * only those rows are checked in full. Two edits use three pieces (prefix,
 * middle order, suffix) with shorter keys: slower, and only when configured. Costs are in
 * half-edits so a confusion-class substitution may cost 0, 1 or 2 in integer arithmetic.
 */
import { MAX_PLATE_LENGTH, PLAIN_SYMBOLS, SYMBOLS } from '../../plate/alphabet.js';
import { costWithin } from './row-cost.js';
import { FIXED_ORDERS, GROUP_STRIDE, GroupField, NOT_BUILT, ORDER_STRIDE, OrderField, OrderKind, PRINT_SYMBOLS, canonicalSymbols, type PlateTableParts } from './plate-table-layout.js';

/** Candidates one search carries. */
export const MAX_CANDIDATES = 32;

/** Groups this small are checked row by row: a lookup would cost more than it saves. */
const SCAN_BELOW = 48;
const ROW_STRIDE = MAX_PLATE_LENGTH + 1;
/** Most rows one candidate reports (further matches of a 3-character read are not useful). */
const MAX_FOUND = 512;
const POW = Array.from({ length: 4 }, (_, i) => PLAIN_SYMBOLS ** i);
const PRINT_POW = Array.from({ length: PRINT_SYMBOLS + 1 }, (_, i) => PLAIN_SYMBOLS ** i);

/** Gets each (candidate, row) a search finds, with its cost in half-edits. */
type Visit = (candidate: number, row: number, cost: number) => void;

export class PlateTable {
  readonly head: Int32Array;
  private readonly groups: Int32Array;
  private readonly orders: Int32Array;
  private readonly rows: Uint8Array;
  private readonly ids: Int32Array;
  private readonly tables: Int32Array;
  private readonly prints: Uint16Array;
  private readonly canon: Uint8Array;
  /** Offset into `groups` of each plate length's group, or -1. */
  private readonly groupAt = new Int32Array(MAX_PLATE_LENGTH + 1).fill(-1);
  // Scratch space reused by every search: lookups run on one thread, one at a time.
  private readonly keys = new Uint8Array(MAX_CANDIDATES * ROW_STRIDE);
  private readonly lens = new Uint8Array(MAX_CANDIDATES);
  private readonly costs = new Int32Array(MAX_CANDIDATES);
  private readonly variant = new Uint8Array(ROW_STRIDE);
  private readonly classKey = new Uint8Array(ROW_STRIDE);
  private readonly found = new Int32Array(MAX_FOUND);
  private readonly dp = new Int32Array(2 * ROW_STRIDE);
  private foundCount = 0;
  private lo = 0;
  private hi = 0;
  private classMates: Int8Array[] = [];
  private matesFor: Int8Array | null = null;
  private sameClassesFor: Int8Array | null = null;
  private sameClasses = false;
  /** Rows the last search checked in full (benchmark figure: the work a lookup does). */
  checked = 0;

  constructor(parts: PlateTableParts) {
    this.groups = parts.groups;
    this.orders = parts.orders;
    this.rows = parts.rows;
    this.head = parts.head;
    this.ids = parts.ids;
    this.tables = parts.tables;
    this.prints = parts.prints;
    this.canon = parts.canon;
    for (let g = 0; g < this.groups.length; g += GROUP_STRIDE) this.groupAt[this.groups[g + GroupField.LEN]!] = g;
  }

  /** Distinct plates held. */
  get rowCount(): number {
    return this.head.length;
  }

  get bytes(): number {
    return this.canon.byteLength + this.rows.byteLength + this.head.byteLength + this.ids.byteLength + this.tables.byteLength + this.prints.byteLength + this.groups.byteLength + this.orders.byteLength;
  }

  /** Row id of plate `key[0..len)`, or -1. */
  find(key: Uint8Array, len: number): number {
    if (len < 1 || len > MAX_PLATE_LENGTH) return -1;
    const gm = this.groupAt[len]!;
    if (gm < 0) return -1;
    const ck = this.classKey;
    for (let j = 0; j < len; j++) ck[j] = this.canon[key[j]!]!;
    this.range(this.groups[gm + GroupField.ORDERS]!, ck, len);
    // The range holds the plates of the same classes (usually one); find the identical one.
    const off = this.groups[gm + GroupField.BYTE_OFF]!;
    for (let i = this.lo; i < this.hi; i++) {
      const at = off + i * len;
      let j = 0;
      while (j < len && this.rows[at + j] === key[j]) j++;
      if (j === len) return this.groups[gm + GroupField.ID_OFF]! + i;
    }
    return -1;
  }

  /** The plate text of row `row`. */
  textOf(row: number): string {
    const groups = this.groups;
    for (let g = 0; g < groups.length; g += GROUP_STRIDE) {
      const local = row - groups[g + GroupField.ID_OFF]!;
      if (local < 0 || local >= groups[g + GroupField.COUNT]!) continue;
      const L = groups[g + GroupField.LEN]!;
      const at = groups[g + GroupField.BYTE_OFF]! + local * L;
      let s = '';
      for (let j = 0; j < L; j++) s += SYMBOLS[this.rows[at + j]!]!;
      return s;
    }
    throw new RangeError(`no plate row ${row}`);
  }

  /** Sets candidate `c` (0..31) of the next `search`; false when the text cannot be searched. */
  setCandidate(c: number, key: Uint8Array, len: number, maxCost: number): boolean {
    if (c >= MAX_CANDIDATES || len < 1 || len > MAX_PLATE_LENGTH) return false;
    this.keys.set(key.subarray(0, len), c * ROW_STRIDE);
    this.lens[c] = len;
    this.costs[c] = maxCost;
    return true;
  }

  /**
   * Every plate within a candidate's budget (half-edits) of that candidate: insertions,
   * deletions and unrelated substitutions cost 2, substitutions inside a confusion class cost
   * `confusionCost`. `visit` gets each (candidate, row) once, with the least cost.
   */
  search(count: number, confusionCost: number, classOf: Int8Array, visit: Visit): void {
    const mates = this.matesOf(classOf);
    if (this.sameClassesFor !== classOf) {
      this.sameClassesFor = classOf;
      const canon = canonicalSymbols(classOf);
      this.sameClasses = canon.every((v, i) => v === this.canon[i]);
    }
    let checked = 0;
    for (let c = 0; c < count; c++) {
      const m = this.lens[c]!;
      const budget = this.costs[c]!;
      const k = budget >> 1;
      this.foundCount = 0;
      for (let L = Math.max(1, m - k); L <= Math.min(MAX_PLATE_LENGTH, m + k); L++) {
        const gm = this.groupAt[L]!;
        if (gm >= 0) checked += this.searchGroup(c, gm, budget, confusionCost, classOf, mates, visit);
      }
    }
    this.checked = checked;
  }

  /**
   * Candidate `c` against the group at `gm` (plates of one length): small groups, and groups
   * whose orders for this edit tolerance were not built, are checked row by row; others through
   * the pigeonhole lookups for 0, 1 or 2 edits. Returns the rows checked in full.
   */
  private searchGroup(c: number, gm: number, budget: number, cc: number, classOf: Int8Array, mates: Int8Array[], visit: Visit): number {
    const groups = this.groups;
    const k = budget >> 1;
    const L = groups[gm + GroupField.LEN]!;
    const n = groups[gm + GroupField.COUNT]!;
    const first = groups[gm + GroupField.ORDERS]!;
    if (n < SCAN_BELOW || L < k + 1 || !this.hasOrders(first, k, groups[gm + GroupField.GAP_TO]! - groups[gm + GroupField.GAP_FROM]! + 1)) {
      return this.check(c, gm, first, 0, n, budget, cc, classOf, visit);
    }
    if (k === 0) {
      const qo = c * ROW_STRIDE;
      for (let j = 0; j < L; j++) this.variant[j] = this.keys[qo + j]!;
      return this.lookup(c, gm, first, L, 0, budget, cc, classOf, mates, visit);
    }
    if (k === 1) return this.lookupOneEdit(c, gm, first, budget, cc, classOf, mates, visit);
    return this.lookupTwoEdits(c, gm, first, budget, cc, classOf, mates, visit);
  }

  /** One edit: the forward key, the reversed key, and the read without each gap position. */
  private lookupOneEdit(c: number, gm: number, first: number, budget: number, cc: number, classOf: Int8Array, mates: Int8Array[], visit: Visit): number {
    const groups = this.groups;
    const keys = this.keys;
    const v = this.variant;
    const qo = c * ROW_STRIDE;
    const m = this.lens[c]!;
    const L = groups[gm + GroupField.LEN]!;
    const fKey = groups[gm + GroupField.F_KEY]!;
    const rKey = groups[gm + GroupField.R_KEY]!;
    let checked = 0;
    if (m >= fKey) {
      for (let j = 0; j < fKey; j++) v[j] = keys[qo + j]!;
      checked += this.lookup(c, gm, first, fKey, 0, budget, cc, classOf, mates, visit);
    }
    if (m >= rKey) {
      for (let j = 0; j < rKey; j++) v[j] = keys[qo + m - 1 - j]!;
      checked += this.lookup(c, gm, first + OrderKind.REVERSED * ORDER_STRIDE, rKey, 0, budget, cc, classOf, mates, visit);
    }
    // The edit at gap position p: the read without it is the plate without p.
    const gapFrom = groups[gm + GroupField.GAP_FROM]!;
    const gapTo = groups[gm + GroupField.GAP_TO]!;
    for (let p = gapFrom; p <= gapTo; p++) {
      const skip = m === L ? 1 : m > L ? 2 : 0;
      for (let j = 0; j < p; j++) v[j] = keys[qo + j]!;
      for (let j = p; j < L - 1; j++) v[j] = keys[qo + j + skip]!;
      checked += this.lookup(c, gm, first + (FIXED_ORDERS + p - gapFrom) * ORDER_STRIDE, L - 1, 0, budget, cc, classOf, mates, visit);
    }
    return checked;
  }

  /** Two edits: the prefix, the suffix, and the middle piece at each shift the edits allow. */
  private lookupTwoEdits(c: number, gm: number, first: number, budget: number, cc: number, classOf: Int8Array, mates: Int8Array[], visit: Visit): number {
    const groups = this.groups;
    const keys = this.keys;
    const v = this.variant;
    const qo = c * ROW_STRIDE;
    const m = this.lens[c]!;
    const k = budget >> 1;
    const L = groups[gm + GroupField.LEN]!;
    const from = groups[gm + GroupField.MIDDLE_FROM]!;
    const to = groups[gm + GroupField.MIDDLE_TO]!;
    let checked = 0;
    if (from >= 1 && m >= from) {
      for (let j = 0; j < from; j++) v[j] = keys[qo + j]!;
      checked += this.lookup(c, gm, first, from, 0, budget, cc, classOf, mates, visit);
    }
    if (m >= L - to) {
      for (let j = 0; j < L - to; j++) v[j] = keys[qo + m - 1 - j]!;
      checked += this.lookup(c, gm, first + OrderKind.REVERSED * ORDER_STRIDE, L - to, 0, budget, cc, classOf, mates, visit);
    }
    // The middle piece sits at `from`, shifted by the net insertions and deletions before it.
    for (let shift = -k; shift <= k; shift++) {
      const p = from + shift;
      if (p < 0 || p + (to - from) > m) continue;
      for (let j = 0; j < to - from; j++) v[j] = keys[qo + p + j]!;
      checked += this.lookup(c, gm, first + OrderKind.MIDDLE * ORDER_STRIDE, to - from, 0, budget, cc, classOf, mates, visit);
    }
    return checked;
  }

  /** Whether the orders a search with `k` edits looks up were built. */
  private hasOrders(first: number, k: number, gaps: number): boolean {
    if (k === 0) return true;
    const orders = this.orders;
    if (orders[first + OrderKind.REVERSED * ORDER_STRIDE + OrderField.IDS] === NOT_BUILT) return false;
    if (k >= 2) return orders[first + OrderKind.MIDDLE * ORDER_STRIDE + OrderField.IDS] !== NOT_BUILT;
    for (let g = 0; g < gaps; g++) if (orders[first + (FIXED_ORDERS + g) * ORDER_STRIDE + OrderField.IDS] === NOT_BUILT) return false;
    return true;
  }

  /**
   * Checks the rows of order `ord` whose key starts with `variant[0..klen)` up to confusions.
   * Orders are sorted by confusion class, so one lookup of the key's classes covers every
   * confusion of it; a read matched under other classes than the list was built with has each
   * of its confusion variants the budget allows looked up instead.
   */
  private lookup(c: number, gm: number, ord: number, klen: number, j: number, budget: number, cc: number, classOf: Int8Array, mates: Int8Array[], visit: Visit, spent = 0): number {
    const v = this.variant;
    if (this.sameClasses || j === klen) {
      const ck = this.classKey;
      for (let x = 0; x < klen; x++) ck[x] = this.canon[v[x]!]!;
      this.range(ord, ck, klen);
      return this.check(c, gm, ord, this.lo, this.hi, budget, cc, classOf, visit);
    }
    let checked = this.lookup(c, gm, ord, klen, j + 1, budget, cc, classOf, mates, visit, spent);
    if (spent + cc > budget) return checked;
    const own = v[j]!;
    const others = mates[own]!;
    for (let x = 0; x < others.length; x++) {
      v[j] = others[x]!;
      checked += this.lookup(c, gm, ord, klen, j + 1, budget, cc, classOf, mates, visit, spent + cc);
    }
    v[j] = own;
    return checked;
  }

  /**
   * Sets `lo`/`hi` to the rows of order `ord` whose key classes start with `key[0..klen)`: the
   * prefix table's bucket, narrowed by the fingerprints. Keys longer than both cover give a
   * wider range, which the full check then filters.
   */
  private range(ord: number, key: Uint8Array, klen: number): void {
    const orders = this.orders;
    const tables = this.tables;
    const depth = orders[ord + OrderField.DEPTH]!;
    const tab = orders[ord + OrderField.TAB]!;
    const d = klen < depth ? klen : depth;
    let code = 0;
    for (let j = 0; j < d; j++) code = code * PLAIN_SYMBOLS + key[j]!;
    const scale = POW[depth - d]!;
    let lo = tables[tab + code * scale]!;
    let hi = tables[tab + (code + 1) * scale]!;
    const at = orders[ord + OrderField.PRINTS]!;
    if (klen > d && hi > lo && at >= 0) {
      const t = klen - d < PRINT_SYMBOLS ? klen - d : PRINT_SYMBOLS;
      let v = 0;
      for (let j = 0; j < t; j++) v = v * PLAIN_SYMBOLS + key[d + j]!;
      const unit = PRINT_POW[PRINT_SYMBOLS - t]!;
      const from = v * unit;
      const to = from + unit;
      const prints = this.prints;
      let a = lo;
      let b = hi;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (prints[at + mid]! < from) a = mid + 1;
        else b = mid;
      }
      lo = a;
      b = hi;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (prints[at + mid]! < to) a = mid + 1;
        else b = mid;
      }
      hi = a;
    }
    this.lo = lo;
    this.hi = hi;
  }

  /** Checks rows `[lo, hi)` of order `ord` in full against candidate `c`; returns how many. */
  private check(c: number, gm: number, ord: number, lo: number, hi: number, budget: number, cc: number, classOf: Int8Array, visit: Visit): number {
    const groups = this.groups;
    const L = groups[gm + GroupField.LEN]!;
    const off = groups[gm + GroupField.BYTE_OFF]!;
    const idOff = groups[gm + GroupField.ID_OFF]!;
    const m = this.lens[c]!;
    const qo = c * ROW_STRIDE;
    const forward = this.orders[ord + OrderField.KIND] === OrderKind.FORWARD;
    const idsAt = this.orders[ord + OrderField.IDS]!;
    const ids = this.ids;
    for (let i = lo; i < hi; i++) {
      const local = forward ? i : ids[idsAt + i]!;
      const cost = costWithin(this.keys, qo, m, this.rows, off + local * L, L, budget, cc, classOf, this.dp);
      if (cost < 0) continue;
      const row = idOff + local;
      let seen = false;
      for (let x = 0; x < this.foundCount; x++) {
        if (this.found[x] === row) {
          seen = true;
          break;
        }
      }
      if (seen || this.foundCount === MAX_FOUND) continue;
      this.found[this.foundCount++] = row;
      visit(c, row, cost);
    }
    return hi - lo;
  }

  /** Other members of each symbol's confusion class, cached per table. */
  private matesOf(classOf: Int8Array): Int8Array[] {
    if (this.matesFor === classOf) return this.classMates;
    const mates: Int8Array[] = [];
    for (let s = 0; s < PLAIN_SYMBOLS; s++) {
      const list: number[] = [];
      const cls = classOf[s]!;
      if (cls >= 0) for (let x = 0; x < PLAIN_SYMBOLS; x++) if (x !== s && classOf[x] === cls) list.push(x);
      mates.push(Int8Array.from(list));
    }
    this.matesFor = classOf;
    this.classMates = mates;
    return mates;
  }
}
