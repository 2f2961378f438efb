/**
 * Plate formats per region, as position classes: `L` letter, `N` digit, `A` either; `X{m,n}`
 * repeats. Formats RANK readings, they never discard one: a string that fits no format is still
 * reported, just below one that does.
 *
 * Where a format fixes a position as letter or digit, the classic OCR confusions are resolved
 * by it (O/0, I/1, B/8, S/5, Z/2, G/6): `B0B1234` read for Brazil's LLLNNNN becomes `BOB1234`.
 * US ground truth writes the letter O as the digit 0 (openalpr convention, kept by our labels),
 * so US readings are canonicalised O → 0.
 */
export type Region = 'us' | 'eu' | 'br';
export const REGIONS: readonly Region[] = ['us', 'eu', 'br'];

const FORMATS: Record<Region, readonly string[]> = {
  // Common state serial formats without spaces or dashes (CA 7ABC123, NY/TX/PA ABC1234, IL AB12345,
  // NJ A12BCD, MA 1ABC23, FL ABCD12, MN/OR 123ABC, NV 123A45, all-digit DE/RI/special series ...).
  us: ['LLLNNNN', 'NLLLNNN', 'LLLNNN', 'NNNLLL', 'LLNNNNN', 'LNNLLL', 'NLLLNN', 'LLLLNN', 'NNNLNN', 'LLNLNNN', 'NLLNNN', 'LLLNLL', 'NNNNLL', 'LLNNNN', 'N{5,7}'],
  eu: [
    'LLNNNLL', // FR, IT, HR/RS (AB123CD)
    'LLNNLLL', // GB, RO (AB12CDE)
    'LNNNLLL', // RO Bucharest (B123ABC)
    'LNNLLL', // RO (B12ABC)
    'NNNNLLL', // ES (1234BCD)
    'L{1,3}L{1,2}N{1,4}', // DE (B MW1234 -> BMW1234), AT-like
    'L{1,3}L{1,2}N{1,4}L', // DE historic / electric suffix (E, H)
    'LLNNNNN', // PL, DK, NO
    'LLLNNNN', // PL, CZ-like
    'LLLNNLL', // PL
    'NLLLNNN', // BE
    'NLNNNNN', // CZ
    'NLLNNNN', // CZ, SK
    'LLLNNN', // HU, SE, FI, LT
    'LLLNNL', // SE
    'LLNNNNLL', // HR
    'NNLLNN', // PT, NL
    'LLNNLL', // PT, NL
    'NNNNLL', // NL
    'LLNNNN', // NL
    'NNLLLL', // NL
    'LLLLNN', // NL
    'NNLLLN', // NL
    'NLLLNN', // NL
    'LLNNNL', // NL
    'LNNNLL', // NL
    'LLLNNL', // NL
    'NLLNNN', // NL
    'LLN{1,6}', // CH (ZH123456)
  ],
  // Brazil: old grey/red LLLNNNN and Mercosur LLLNLNN.
  br: ['LLLNNNN', 'LLLNLNN'],
};

/** Letter ↔ digit look-alikes resolved by a format. */
const LETTER_FOR_DIGIT: Record<string, string> = { '0': 'O', '1': 'I', '8': 'B', '5': 'S', '2': 'Z', '6': 'G' };
const DIGIT_FOR_LETTER: Record<string, string> = { O: '0', I: '1', B: '8', S: '5', Z: '2', G: '6', D: '0', Q: '0' };

/** Expands `X{m,n}` repeats: `L{1,2}N` → [`LN`, `LLN`]. */
export function expandFormat(format: string): string[] {
  let out = [''];
  const re = /([LNA])(?:\{(\d+),(\d+)\})?/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(format)) !== null) {
    if (m.index !== consumed) throw new Error(`bad plate format ${format}`);
    consumed = m.index + m[0].length;
    const lo = m[2] ? Number(m[2]) : 1;
    const hi = m[3] ? Number(m[3]) : 1;
    const next: string[] = [];
    for (const prefix of out) for (let n = lo; n <= hi; n++) next.push(prefix + m[1]!.repeat(n));
    out = next;
  }
  if (consumed !== format.length) throw new Error(`bad plate format ${format}`);
  return out;
}

const CLASSES: Record<Region, Map<number, string[]>> = buildClasses();

function buildClasses(): Record<Region, Map<number, string[]>> {
  const out = {} as Record<Region, Map<number, string[]>>;
  for (const r of REGIONS) {
    const byLen = new Map<number, string[]>();
    for (const cls of new Set(FORMATS[r].flatMap(expandFormat))) {
      const list = byLen.get(cls.length) ?? [];
      list.push(cls);
      byLen.set(cls.length, list);
    }
    out[r] = byLen;
  }
  return out;
}

/** Position classes of a region's formats with this length. */
export function formatsOfLength(region: Region, length: number): readonly string[] {
  return CLASSES[region].get(length) ?? [];
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/**
 * `text` forced into `classes` by swapping look-alikes, or null when some position holds a
 * character with no look-alike of the required class. For US, O and 0 are one character.
 */
export function coerce(text: string, classes: string, region: Region): string | null {
  if (text.length !== classes.length) return null;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const k = classes[i]!;
    if (k === 'A' || (k === 'L') === !isDigit(c)) out += c;
    else if (region === 'us' && (c === '0' || c === 'O')) out += '0';
    else if (k === 'L' && LETTER_FOR_DIGIT[c]) out += LETTER_FOR_DIGIT[c];
    else if (k === 'N' && DIGIT_FOR_LETTER[c]) out += DIGIT_FOR_LETTER[c];
    else return null;
  }
  return canonical(out, region);
}

/** Region spelling: US writes letter O as digit 0. */
export function canonical(text: string, region: Region | null): string {
  return region === 'us' ? text.replace(/O/g, '0') : text;
}

export type FormatFit = 'match' | 'plausible' | 'none';

/**
 * How well `text` fits a region: `match` = one of its formats exactly (for US, 0 stands for O
 * in letter positions); `plausible` = US vanity/special plates (2–8 characters, any pattern);
 * `none` otherwise.
 */
export function formatFit(text: string, region: Region): FormatFit {
  for (const cls of formatsOfLength(region, text.length)) {
    if (fitsExactly(text, cls, region)) return 'match';
  }
  if (region === 'us' && text.length >= 2 && text.length <= 8) return 'plausible';
  return 'none';
}

function fitsExactly(text: string, classes: string, region: Region): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const k = classes[i]!;
    if (k === 'A') continue;
    if (region === 'us' && c === '0') continue;
    if ((k === 'N') !== isDigit(c)) return false;
  }
  return true;
}

const CLASS_SIZE: Record<string, number> = { L: 26, N: 10, A: 36 };
const CLASS_COUNT: Record<Region, number> = Object.fromEntries(
  REGIONS.map((r) => [r, new Set(FORMATS[r].flatMap(expandFormat)).size]),
) as Record<Region, number>;

/** Prior weight of a US vanity/special plate and of a string no format explains (per string of its length). */
const PLAUSIBLE_WEIGHT = 0.25;
const NONE_WEIGHT = 0.01;

/**
 * log [P(text | region) / 36^-n]: how much more likely a plate of this region is to carry exactly
 * this string than a uniformly random string of its length, if the region picks one of its
 * format shapes of that length uniformly and each position uniformly within its class (letter
 * 1/26, digit 1/10). A narrow format (Brazil: 2 shapes) gives a matching string far more weight
 * than a broad one (EU: ~80 shapes) gives the same-length look-alike, which is what lets `auto`
 * prefer the corrected `JOG9221` (Brazil) over the raw `JOG922I` (a German historic shape) when
 * both are on the table. A US vanity/special plate gets log 0.25, a string no format explains
 * log 0.01 (the in-region priors). Relative to the string's length on purpose: an absolute
 * P(text) would favour short strings (the empty reading of a smudge most of all).
 */
export function formatLogPrior(text: string, region: Region): number {
  let p = 0;
  for (const cls of formatsOfLength(region, text.length)) {
    if (!fitsExactly(text, cls, region)) continue;
    let q = 1 / CLASS_COUNT[region];
    for (const k of cls) q *= 36 / CLASS_SIZE[k]!;
    p += q;
  }
  if (p > 0) return Math.log(p);
  return Math.log(formatFit(text, region) === 'plausible' ? PLAUSIBLE_WEIGHT : NONE_WEIGHT);
}
