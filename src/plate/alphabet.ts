/**
 * The plate alphabet: 0–9 and A–Z as symbols 0..35 (what `normalisePlate` keeps), plus the two
 * wildcard symbols partial-plate entries use (`?` any one character, `*` any run). The hot-list
 * index encodes plates into small Uint8Arrays once per lookup so its walks compare bytes, not
 * strings.
 */
export const SYMBOLS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ?*';
export const PLAIN_SYMBOLS = 36;
export const SYM_ANY_ONE = 36;
export const SYM_ANY_RUN = 37;
/** Longest plate text (or pattern) accepted; no jurisdiction issues plates past 8–10 characters. */
export const MAX_PLATE_LENGTH = 12;

const SYM_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < SYMBOLS.length; i++) SYM_OF[SYMBOLS.charCodeAt(i)] = i;

/** Symbol of one character code, or -1 when it is not part of the alphabet. */
export function symbolOf(code: number): number {
  return code < 128 ? SYM_OF[code]! : -1;
}

/**
 * Encodes `text` into `out` and returns its length, or -1 when the text is too long or holds a
 * character outside the alphabet (wildcards are refused unless `allowWildcards`).
 */
export function encodePlate(text: string, out: Uint8Array, allowWildcards = false): number {
  const n = text.length;
  if (n > out.length) return -1;
  for (let i = 0; i < n; i++) {
    const s = symbolOf(text.charCodeAt(i));
    if (s < 0 || (!allowWildcards && s >= PLAIN_SYMBOLS)) return -1;
    out[i] = s;
  }
  return n;
}

export function decodeSymbols(syms: ArrayLike<number>, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += SYMBOLS[syms[i]!]!;
  return s;
}
