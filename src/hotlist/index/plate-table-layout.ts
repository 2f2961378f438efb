/**
 * The plate table's byte layout: the file format that `PlateTableBuilder` writes and `PlateTable`
 * (and the fragment search) reads. Every part is a flat typed array; a group (one plate length)
 * and a sort order are fixed-stride records of int32 fields in `groups` and `orders`, addressed
 * as `groups[g + GroupField.COUNT]`. How a plate is cut into lookup keys (`layoutFor`,
 * `keyPosition`) is part of the format: the builder sorts by those keys and the search looks
 * them up. The pigeonhole scheme behind the cuts is described in plate-table.ts.
 */
import { PLAIN_SYMBOLS } from '../../plate/alphabet.js';

/** Fields of one group (the plates of one length) in `PlateTableParts.groups`, stride `GROUP_STRIDE`. */
export const GroupField = {
  /** Plate length of the group. */
  LEN: 0,
  /** Distinct plates (rows) in the group. */
  COUNT: 1,
  /** Offset of the group's first row in `rows`. */
  BYTE_OFF: 2,
  /** Row id of the group's first row (index into `head`). */
  ID_OFF: 3,
  /** Offset of the group's first sort order in `orders`. */
  ORDERS: 4,
  /** Key length of the forward order's one-edit lookup (`layoutFor().fKey`). */
  F_KEY: 5,
  /** Key length of the reversed order's one-edit lookup (`layoutFor().rKey`). */
  R_KEY: 6,
  /** First and last plate position with a gap order of its own. */
  GAP_FROM: 7,
  GAP_TO: 8,
  /** The middle piece `[MIDDLE_FROM, MIDDLE_TO)` of a two-edit lookup; prefix before, suffix after. */
  MIDDLE_FROM: 9,
  MIDDLE_TO: 10,
} as const;
export const GROUP_STRIDE = 11;
/** Fields of one sort order in `PlateTableParts.orders`, stride `ORDER_STRIDE`. */
export const OrderField = {
  /** An `OrderKind`. */
  KIND: 0,
  /** The middle order's first position, a gap order's left-out position; 0 otherwise. */
  PARAM: 1,
  /** Offset of the order's row permutation in `ids` (-1 for forward, `NOT_BUILT`). */
  IDS: 2,
  /** Offset of the order's prefix table in `tables`. */
  TAB: 3,
  /** Key classes the prefix table resolves. */
  DEPTH: 4,
  KEY_LEN: 5,
  /** Offset of the order's fingerprints in `prints`, or -1. */
  PRINTS: 6,
} as const;
export const ORDER_STRIDE = 7;
/** `OrderField.IDS` of an order left out because the list was built for another edit tolerance. */
export const NOT_BUILT = -2;
/** Key classes a fingerprint holds after the prefix table's: 36^3 < 2^16. */
export const PRINT_SYMBOLS = 3;
/** Sort orders, by the row positions their key reads. */
export const OrderKind = { FORWARD: 0, REVERSED: 1, MIDDLE: 2, GAP: 3 } as const;
/** Orders of a group: forward, reversed, middle, then one gap order per gap position. */
export const FIXED_ORDERS = 3;

export interface PlateTableParts {
  /** Per plate length present: length, distinct plates, offsets, lookup key lengths. */
  groups: Int32Array;
  /** Per sort order of each group: kind, parameter, permutation and prefix-table offsets. */
  orders: Int32Array;
  /** Each group's plates, `len` symbols a row, sorted by classes, then symbols. */
  rows: Uint8Array;
  /** First entry of each plate (row id = group offset + row); entries chain through `nextEntry`. */
  head: Int32Array;
  /** Row permutations of the orders other than forward. */
  ids: Int32Array;
  /** Prefix tables: entry c of a table is the first row whose leading key classes, base 36, are ≥ c. */
  tables: Int32Array;
  /**
   * Per order whose key is longer than its table's depth: the next `PRINT_SYMBOLS` key classes
   * of each row, base 36, in order. A range is narrowed by binary search over these contiguous
   * 16-bit words instead of over rows reached through a permutation (a cache miss a probe).
   */
  prints: Uint16Array;
  /** Each symbol's confusion class as its smallest symbol, under the classes the list was built with. */
  canon: Uint8Array;
}

/** Maps every symbol to the smallest symbol of its confusion class (itself when in none). */
export function canonicalSymbols(classOf: Int8Array): Uint8Array {
  const canon = new Uint8Array(PLAIN_SYMBOLS);
  for (let s = 0; s < PLAIN_SYMBOLS; s++) {
    canon[s] = s;
    const cls = classOf[s]!;
    if (cls < 0) continue;
    for (let x = 0; x < s; x++) {
      if (classOf[x] === cls) {
        canon[s] = x;
        break;
      }
    }
  }
  return canon;
}

/** Prefix-table depth of an order: buckets of a few rows, tables no bigger than the group. */
export function depthFor(count: number, keyLen: number): number {
  return Math.min(count < 512 ? 1 : count < 32768 ? 2 : 3, keyLen);
}

/** How a plate of length `len` is cut for lookups (see the comment of plate-table.ts). */
export function layoutFor(len: number): { fKey: number; rKey: number; gapFrom: number; gapTo: number; middleFrom: number; middleTo: number } {
  const fKey = Math.max(1, Math.min(4, len - 1));
  const rKey = Math.max(1, Math.min(5, len - 1));
  const middleFrom = Math.floor(len / 3);
  return { fKey, rKey, gapFrom: Math.max(0, len - rKey), gapTo: Math.min(fKey, len) - 1, middleFrom, middleTo: middleFrom + ((len - middleFrom) >> 1) };
}

/** Row position of key symbol `j` in an order of `kind` with `param` over rows of `len`. */
export function keyPosition(kind: number, param: number, len: number, j: number): number {
  switch (kind) {
    case OrderKind.FORWARD:
      return j;
    case OrderKind.REVERSED:
      return len - 1 - j;
    case OrderKind.MIDDLE:
      return param + j;
    default:
      return j < param ? j : j + 1;
  }
}

