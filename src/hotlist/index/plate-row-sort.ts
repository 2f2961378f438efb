/**
 * Sorting the plate table's rows (plate-table-builder.ts). An order's keys are the confusion
 * classes of the row positions it reads, packed base 36 into 32-bit words, word-major; a stable
 * LSD radix sort runs over those words two symbols a pass, so each pass reads its keys in order
 * instead of chasing an index into a byte array: millions of plates sort in well under a second
 * an order.
 */
import { PLAIN_SYMBOLS } from '../../plate/alphabet.js';
import { keyPosition } from './plate-table-layout.js';

/** Symbols packed per 32-bit word: 36^4 < 2^32. */
export const PER_WORD = 4;
/** Radix of one pass: two symbols. */
const DIGIT = PLAIN_SYMBOLS * PLAIN_SYMBOLS;

/** Row numbers 0 … n − 1 (the forward order, before a sort). */
export function identity(n: number): Int32Array {
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  return ids;
}

/**
 * Keys of an order (`kind`, `param`, `keyLen` symbols) for rows `ids` (or all rows in place), as
 * confusion classes packed 4 a 32-bit word, word-major: word w of row i at `w * count + i`.
 */
export function packKeys(bytes: Uint8Array, off: number, count: number, len: number, canon: Uint8Array, ids: Int32Array | null, kind: number, param: number, keyLen: number): Uint32Array {
  const W = Math.max(1, Math.ceil(keyLen / PER_WORD));
  const words = new Uint32Array(W * count);
  const pos = new Int32Array(keyLen);
  for (let j = 0; j < keyLen; j++) pos[j] = keyPosition(kind, param, len, j);
  for (let i = 0; i < count; i++) {
    const at = off + (ids ? ids[i]! : i) * len;
    for (let w = 0; w < W; w++) {
      let v = 0;
      for (let j = w * PER_WORD; j < (w + 1) * PER_WORD; j++) v = v * PLAIN_SYMBOLS + (j < keyLen ? canon[bytes[at + pos[j]!]!]! : 0);
      words[w * count + i] = v;
    }
  }
  return words;
}

const SYMBOL_DIV = Array.from({ length: PER_WORD }, (_, i) => PLAIN_SYMBOLS ** (PER_WORD - 1 - i));

/** Key class `j` of row `i` in keys packed by `packKeys`. */
export function keySymbol(keys: Uint32Array, count: number, i: number, j: number): number {
  return Math.floor(keys[(j >> 2) * count + i]! / SYMBOL_DIV[j & 3]!) % PLAIN_SYMBOLS;
}

/**
 * Sorts `ids` (row numbers of `count` rows of `len` symbols at `bytes[off..]`) by the confusion
 * classes of an order's key (`kind`, `param`, `keyLen` symbols); stable. Returns the packed keys
 * in sorted order.
 */
export function sortRows(bytes: Uint8Array, off: number, count: number, len: number, canon: Uint8Array, ids: Int32Array, kind: number, param: number, keyLen: number): Uint32Array {
  const words = packKeys(bytes, off, count, len, canon, ids, kind, param, keyLen);
  if (count > 1 && keyLen > 0) radixSort(words, ids, words.length / count, keyLen);
  return words;
}

/**
 * Within each run of rows with the same classes (sorted `keys`), orders the rows by their
 * symbols, stably: identical plates become adjacent. Runs are a row or two, so insertion sort.
 */
export function sortRunsBySymbols(keys: Uint32Array, count: number, ids: Int32Array, bytes: Uint8Array, len: number): void {
  const W = keys.length / count;
  let start = 0;
  for (let i = 1; i <= count; i++) {
    let same = i < count;
    for (let w = 0; same && w < W; w++) same = keys[w * count + i] === keys[w * count + i - 1];
    if (same) continue;
    for (let a = start + 1; a < i; a++) {
      const id = ids[a]!;
      let b = a - 1;
      while (b >= start && compareRows(bytes, ids[b]! * len, id * len, len) > 0) {
        ids[b + 1] = ids[b]!;
        b--;
      }
      ids[b + 1] = id;
    }
    start = i;
  }
}

function compareRows(bytes: Uint8Array, a: number, b: number, len: number): number {
  for (let j = 0; j < len; j++) {
    const d = bytes[a + j]! - bytes[b + j]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Stable LSD radix sort of `idx` by the first `keyLength` symbols of its word-major keys (4
 * symbols a word), two symbols a pass, least significant first.
 */
function radixSort(words: Uint32Array, idx: Int32Array, wordCount: number, keyLength: number): void {
  const n = idx.length;
  let src: Uint32Array = words;
  let dst: Uint32Array = new Uint32Array(words.length);
  let srcIdx: Int32Array = idx;
  let dstIdx: Int32Array = new Int32Array(n);
  const count = new Int32Array(DIGIT + 1);
  // Passes over symbol pairs (p, p + 1), p even; a pair past the key's end is all zeros.
  for (let p = (keyLength - 1) & ~1; p >= 0; p -= 2) {
    const w = (p / PER_WORD) | 0;
    const shift = PLAIN_SYMBOLS ** (PER_WORD - 2 - (p % PER_WORD));
    const base = w * n;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(((src[base + i]! / shift) | 0) % DIGIT) + 1]! += 1;
    for (let d = 1; d <= DIGIT; d++) count[d] = count[d]! + count[d - 1]!;
    for (let i = 0; i < n; i++) {
      const digit = ((src[base + i]! / shift) | 0) % DIGIT;
      const at = count[digit]!++;
      for (let x = 0; x < wordCount; x++) dst[x * n + at] = src[x * n + i]!;
      dstIdx[at] = srcIdx[i]!;
    }
    [src, dst] = [dst, src];
    [srcIdx, dstIdx] = [dstIdx, srcIdx];
  }
  if (srcIdx !== idx) {
    idx.set(srcIdx);
    words.set(src);
  }
}

export function sameRow(bytes: Uint8Array, a: number, b: number, len: number): boolean {
  for (let j = 0; j < len; j++) if (bytes[a + j] !== bytes[b + j]) return false;
  return true;
}
