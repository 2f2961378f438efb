/**
 * Builds the plate table (`PlateTableParts`, see `plate-table-layout.ts`): plates grouped by
 * length, each group's distinct plates as symbol rows sorted by confusion class, plus the
 * reversed, middle and gap orders as permutations, each with a prefix table and key
 * fingerprints. The rows are sorted by plate-row-sort.ts.
 */
import { MAX_PLATE_LENGTH, PLAIN_SYMBOLS } from '../../plate/alphabet.js';
import { FIXED_ORDERS, GROUP_STRIDE, GroupField, NOT_BUILT, ORDER_STRIDE, OrderField, OrderKind, PRINT_SYMBOLS, canonicalSymbols, depthFor, layoutFor, type PlateTableParts } from './plate-table-layout.js';
import { PER_WORD, identity, keySymbol, packKeys, sameRow, sortRows, sortRunsBySymbols } from './plate-row-sort.js';
import { sharedArray, sharedCopy } from './shared-arrays.js';

/** Words a plate takes while being added. */
const WORDS = 3;
if (WORDS * PER_WORD < MAX_PLATE_LENGTH) throw new Error('plate words too few for MAX_PLATE_LENGTH');

interface OrderPlan {
  kind: number;
  param: number;
  keyLen: number;
  built: boolean;
}

export class PlateTableBuilder {
  private packed: Uint32Array;
  private lens: Uint8Array;
  private entries: Int32Array;
  private n = 0;
  /** Each symbol's confusion class, as the class's smallest symbol (sort and lookup key). */
  private readonly canon: Uint8Array;

  /**
   * `maxEdits`: the edit tolerance the table will be searched with; orders only other
   * tolerances use are left out (a search that needs one checks the whole length group instead).
   * Undefined builds them all.
   */
  constructor(
    expected: number,
    classOf: Int8Array,
    private readonly maxEdits?: number,
  ) {
    this.canon = canonicalSymbols(classOf);
    const cap = Math.max(16, expected);
    this.packed = new Uint32Array(cap * WORDS);
    this.lens = new Uint8Array(cap);
    this.entries = new Int32Array(cap);
  }

  get size(): number {
    return this.n;
  }

  /** Adds plate `key[0..len)` (plain symbols 0–35) for entry `entry`. */
  add(key: Uint8Array, len: number, entry: number): void {
    if (this.n === this.lens.length) this.grow();
    const at = this.n * WORDS;
    for (let w = 0; w < WORDS; w++) {
      let v = 0;
      for (let j = w * PER_WORD; j < (w + 1) * PER_WORD; j++) v = v * PLAIN_SYMBOLS + (j < len ? key[j]! : 0);
      this.packed[at + w] = v;
    }
    this.lens[this.n] = len;
    this.entries[this.n++] = entry;
  }

  /**
   * Lays out the table. Entries of one plate chain through `nextEntry` in the order they were
   * added; `isDuplicate(a, b)` drops a later entry that repeats an earlier one (same state and
   * list). Returns the table and how many entries were dropped.
   */
  build(nextEntry: Int32Array, isDuplicate: (earlier: number, later: number) => boolean): { parts: PlateTableParts; duplicates: number } {
    const groups = this.groupsByLength();
    const parts = allocateParts(groups, this.canon);
    const at: Cursor = { byteOff: 0, idOff: 0, idsOff: 0, tabOff: 0, ordOff: 0, printsOff: 0 };
    let duplicates = 0;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      duplicates += writeRows(group, parts, at, nextEntry, isDuplicate);
      writeGroupRecord(parts.groups, g * GROUP_STRIDE, group, at);
      for (const plan of group.plans) writeOrder(plan, group, parts, at, this.canon);
      at.byteOff += group.distinct * group.len;
      at.idOff += group.distinct;
    }
    this.packed = new Uint32Array(0);
    this.lens = new Uint8Array(0);
    this.entries = new Int32Array(0);
    return { parts, duplicates };
  }

  /**
   * The plates added, one group per length present: each group's plates as symbol rows (in the
   * order added), sorted by classes then symbols, and counted once each.
   */
  private groupsByLength(): LengthGroup[] {
    const { n, lens, packed, entries, canon } = this;
    const byLen = new Int32Array(MAX_PLATE_LENGTH + 2);
    for (let i = 0; i < n; i++) byLen[lens[i]! + 1]! += 1;
    const lengths: number[] = [];
    for (let L = 1; L <= MAX_PLATE_LENGTH; L++) if (byLen[L + 1]! > 0) lengths.push(L);
    for (let L = 1; L <= MAX_PLATE_LENGTH + 1; L++) byLen[L] = byLen[L]! + byLen[L - 1]!;
    const order = new Int32Array(n);
    const fill = byLen.slice();
    for (let i = 0; i < n; i++) order[fill[lens[i]!]!++] = i;
    return lengths.map((L) => {
      const members = order.subarray(byLen[L], byLen[L + 1]);
      const count = members.length;
      const bytes = new Uint8Array(count * L);
      const groupEntries = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        unpack(packed, members[i]!, L, bytes, i * L);
        groupEntries[i] = entries[members[i]!]!;
      }
      const ids = identity(count);
      const classes = sortRows(bytes, 0, count, L, canon, ids, OrderKind.FORWARD, 0, L);
      sortRunsBySymbols(classes, count, ids, bytes, L);
      let distinct = 0;
      for (let i = 0; i < count; i++) if (i === 0 || !sameRow(bytes, ids[i - 1]! * L, ids[i]! * L, L)) distinct++;
      return { len: L, bytes, sorted: ids, entries: groupEntries, distinct, plans: planOrders(L, this.maxEdits) };
    });
  }

  private grow(): void {
    const cap = Math.ceil(this.lens.length * 1.5);
    const p = new Uint32Array(cap * WORDS);
    p.set(this.packed);
    this.packed = p;
    const l = new Uint8Array(cap);
    l.set(this.lens);
    this.lens = l;
    const e = new Int32Array(cap);
    e.set(this.entries);
    this.entries = e;
  }
}

/** One plate length's plates while the table is built. */
interface LengthGroup {
  len: number;
  /** `len` symbols a plate, in the order added (released once its rows are written). */
  bytes: Uint8Array;
  /** Plate numbers into `bytes`, sorted by confusion classes, then symbols. */
  sorted: Int32Array;
  /** The entry of each plate in `bytes`. */
  entries: Int32Array;
  /** Distinct plates: the group's rows in the table. */
  distinct: number;
  plans: OrderPlan[];
}

/** Where the next group's parts go in the table's arrays. */
interface Cursor {
  byteOff: number;
  idOff: number;
  idsOff: number;
  tabOff: number;
  ordOff: number;
  printsOff: number;
}

/**
 * The table's arrays, sized for `groups`. They are shared memory from the start: the worker
 * hands them over as they are.
 */
function allocateParts(groups: readonly LengthGroup[], canon: Uint8Array): PlateTableParts {
  let rowsTotal = 0;
  let bytesTotal = 0;
  let idsTotal = 0;
  let tablesTotal = 0;
  let printsTotal = 0;
  let ordersTotal = 0;
  for (const { len, distinct: d, plans } of groups) {
    rowsTotal += d;
    bytesTotal += d * len;
    ordersTotal += plans.length;
    for (const o of plans) {
      if (o.built && o.kind !== OrderKind.FORWARD) idsTotal += d;
      const depth = o.built ? depthFor(d, o.keyLen) : 0;
      tablesTotal += PLAIN_SYMBOLS ** depth + 1;
      if (o.keyLen > depth) printsTotal += d;
    }
  }
  return {
    groups: sharedArray(Int32Array, groups.length * GROUP_STRIDE),
    orders: sharedArray(Int32Array, ordersTotal * ORDER_STRIDE),
    rows: sharedArray(Uint8Array, bytesTotal),
    head: sharedArray(Int32Array, rowsTotal),
    ids: sharedArray(Int32Array, idsTotal),
    tables: sharedArray(Int32Array, tablesTotal),
    prints: sharedArray(Uint16Array, printsTotal),
    canon: sharedCopy(Uint8Array, canon, canon.length),
  };
}

/**
 * Writes a group's distinct rows in forward order at the cursor, with the entries of each plate
 * chained under it (dropping duplicates), then releases the group's working arrays. Returns how
 * many entries were dropped.
 */
function writeRows(group: LengthGroup, parts: PlateTableParts, at: Cursor, nextEntry: Int32Array, isDuplicate: (earlier: number, later: number) => boolean): number {
  const { len: L, bytes, sorted: perm, entries } = group;
  const { rows, head } = parts;
  let duplicates = 0;
  let r = -1;
  for (let i = 0; i < perm.length; i++) {
    const from = perm[i]! * L;
    if (i === 0 || !sameRow(bytes, perm[i - 1]! * L, from, L)) {
      r++;
      const to = at.byteOff + r * L;
      for (let j = 0; j < L; j++) rows[to + j] = bytes[from + j]!;
      head[at.idOff + r] = -1;
    }
    const e = entries[perm[i]!]!;
    let dup = false;
    let last = -1;
    for (let x = head[at.idOff + r]!; x !== -1; x = nextEntry[x]!) {
      if (isDuplicate(x, e)) {
        dup = true;
        break;
      }
      last = x;
    }
    if (dup) {
      duplicates++;
      continue;
    }
    nextEntry[e] = -1;
    if (last === -1) head[at.idOff + r] = e;
    else nextEntry[last] = e;
  }
  group.bytes = new Uint8Array(0);
  group.sorted = new Int32Array(0);
  group.entries = new Int32Array(0);
  return duplicates;
}

/** The group's record at `gm` in `groups`: its length, size, offsets and lookup key cuts. */
function writeGroupRecord(groups: Int32Array, gm: number, group: LengthGroup, at: Cursor): void {
  const layout = layoutFor(group.len);
  groups[gm + GroupField.LEN] = group.len;
  groups[gm + GroupField.COUNT] = group.distinct;
  groups[gm + GroupField.BYTE_OFF] = at.byteOff;
  groups[gm + GroupField.ID_OFF] = at.idOff;
  groups[gm + GroupField.ORDERS] = at.ordOff;
  groups[gm + GroupField.F_KEY] = layout.fKey;
  groups[gm + GroupField.R_KEY] = layout.rKey;
  groups[gm + GroupField.GAP_FROM] = layout.gapFrom;
  groups[gm + GroupField.GAP_TO] = layout.gapTo;
  groups[gm + GroupField.MIDDLE_FROM] = layout.middleFrom;
  groups[gm + GroupField.MIDDLE_TO] = layout.middleTo;
}

/**
 * One sort order of the group (whose rows are already written at the cursor): its permutation
 * (none for forward), prefix table and fingerprints, and its record. An order not built gets a
 * record saying so and a one-bucket table over the whole group.
 */
function writeOrder(plan: OrderPlan, group: LengthGroup, parts: PlateTableParts, at: Cursor, canon: Uint8Array): void {
  const { tables, orders } = parts;
  const count = group.distinct;
  const L = group.len;
  if (!plan.built) {
    writeOrderRecord(orders, at.ordOff, plan, NOT_BUILT, at.tabOff, 0, -1);
    tables[at.tabOff] = 0;
    tables[at.tabOff + 1] = count;
    at.tabOff += 2;
    at.ordOff += ORDER_STRIDE;
    return;
  }
  let permAt = -1;
  let keys: Uint32Array;
  if (plan.kind === OrderKind.FORWARD) {
    keys = packKeys(parts.rows, at.byteOff, count, L, canon, null, plan.kind, plan.param, plan.keyLen);
  } else {
    const orderIds = identity(count);
    keys = sortRows(parts.rows, at.byteOff, count, L, canon, orderIds, plan.kind, plan.param, plan.keyLen);
    parts.ids.set(orderIds, at.idsOff);
    permAt = at.idsOff;
    at.idsOff += count;
  }
  const depth = depthFor(count, plan.keyLen);
  const tab = at.tabOff;
  at.tabOff = prefixTable(tables, at.tabOff, depth, count, keys);
  let printsAt = -1;
  if (plan.keyLen > depth) {
    printsAt = at.printsOff;
    writePrints(parts.prints, at.printsOff, keys, count, depth, plan.keyLen);
    at.printsOff += count;
  }
  writeOrderRecord(orders, at.ordOff, plan, permAt, tab, depth, printsAt);
  at.ordOff += ORDER_STRIDE;
}

function writeOrderRecord(orders: Int32Array, ordOff: number, plan: OrderPlan, ids: number, tab: number, depth: number, prints: number): void {
  orders[ordOff + OrderField.KIND] = plan.kind;
  orders[ordOff + OrderField.PARAM] = plan.param;
  orders[ordOff + OrderField.IDS] = ids;
  orders[ordOff + OrderField.TAB] = tab;
  orders[ordOff + OrderField.DEPTH] = depth;
  orders[ordOff + OrderField.KEY_LEN] = plan.keyLen;
  orders[ordOff + OrderField.PRINTS] = prints;
}

/** Each row's fingerprint at `off`: the `PRINT_SYMBOLS` key classes after the prefix table's `depth`, base 36. */
function writePrints(prints: Uint16Array, off: number, keys: Uint32Array, count: number, depth: number, keyLen: number): void {
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let j = depth; j < depth + PRINT_SYMBOLS; j++) v = v * PLAIN_SYMBOLS + (j < keyLen ? keySymbol(keys, count, i, j) : 0);
    prints[off + i] = v;
  }
}

/** The orders of a group of plates of length `len` (forward, reversed, middle, gaps) and which are built. */
function planOrders(len: number, maxEdits: number | undefined): OrderPlan[] {
  const { gapFrom, gapTo, middleFrom, middleTo } = layoutFor(len);
  const all = maxEdits === undefined;
  const plan: OrderPlan[] = [
    { kind: OrderKind.FORWARD, param: 0, keyLen: len, built: true },
    { kind: OrderKind.REVERSED, param: 0, keyLen: len, built: all || maxEdits >= 1 },
    { kind: OrderKind.MIDDLE, param: middleFrom, keyLen: middleTo - middleFrom, built: all || maxEdits >= 2 },
  ];
  if (plan.length !== FIXED_ORDERS) throw new Error('order plan out of step with FIXED_ORDERS');
  for (let p = gapFrom; p <= gapTo; p++) plan.push({ kind: OrderKind.GAP, param: p, keyLen: len - 1, built: all || maxEdits === 1 });
  return plan;
}

function unpack(packed: Uint32Array, k: number, len: number, out: Uint8Array, at: number): void {
  for (let w = 0; w < WORDS && w * PER_WORD < len; w++) {
    let v = packed[k * WORDS + w]!;
    for (let j = PER_WORD - 1; j >= 0; j--) {
      const p = w * PER_WORD + j;
      if (p < len) out[at + p] = v % PLAIN_SYMBOLS;
      v = Math.floor(v / PLAIN_SYMBOLS);
    }
  }
}

/**
 * Writes a prefix table at `off`: entry c is the first row whose first `depth` key classes, read
 * as a base-36 number, are ≥ c (rows are sorted, so each prefix's rows are `[t[c], t[c + 1])`).
 * Returns the offset after it.
 */
function prefixTable(tables: Int32Array, off: number, depth: number, count: number, keys: Uint32Array): number {
  const size = PLAIN_SYMBOLS ** depth;
  // The first `depth` (≤ 4) classes are the top of each row's first key word.
  const div = PLAIN_SYMBOLS ** (PER_WORD - depth);
  let r = 0;
  for (let c = 0; c < size; c++) {
    while (r < count && Math.floor(keys[r]! / div) < c) r++;
    tables[off + c] = r;
  }
  tables[off + size] = count;
  return off + size + 1;
}
