/**
 * Plate text normalisation and an OCR-aware text distance. Shared by the tracker (association,
 * voting, de-duplication) and by hot-list matching, so a plate typed by an officer
 * (`7-abc 123`, full-width or Cyrillic look-alikes pasted from a bulletin) and a plate read by
 * the OCR compare on the same alphabet: A–Z and 0–9.
 */

/**
 * Non-Latin letters that look like Latin ones on a plate or in a pasted bulletin. NFKC already
 * folds full-width forms and NFD strips accents; these are the look-alikes neither touches.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  // Cyrillic (upper case; lower case is upper-cased first)
  А: 'A', В: 'B', Е: 'E', Ё: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X',
  І: 'I', Ј: 'J', Ѕ: 'S', Ү: 'Y',
  // Greek
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  // Slashed zero as printed on some plates and fonts; Danish/Norwegian Ø does not decompose under NFD.
  Ø: '0', '∅': '0',
};

/**
 * Upper-cases, folds look-alike characters and keeps only A–Z and 0–9 (spaces, dashes, dots,
 * state separators and anything else are dropped).
 */
export function normalisePlate(text: string): string {
  const decomposed = text.normalize('NFKC').toUpperCase().normalize('NFD');
  let out = '';
  for (const ch of decomposed) {
    const mapped = LOOK_ALIKES[ch] ?? ch;
    if (/^[A-Z0-9]$/.test(mapped)) out += mapped;
  }
  return out;
}

/**
 * Characters OCR engines swap for one another on plates (OpenALPR's and the commercial
 * readers' equivalence tables agree on these). A swap inside one class costs less than an
 * unrelated substitution.
 */
export const OCR_CONFUSION_CLASSES: readonly string[] = ['0ODQ', '1IL', '2Z', '5S', '6G', '8B'];

/** Cost of substituting one character for another of the same confusion class. */
export const CONFUSION_COST = 0.35;
/** Cost of an unrelated substitution, a dropped character or an extra one. */
export const EDIT_COST = 1;

const CLASS_OF = new Map<string, number>();
OCR_CONFUSION_CLASSES.forEach((chars, i) => {
  for (const c of chars) CLASS_OF.set(c, i);
});

export function substitutionCost(a: string, b: string): number {
  if (a === b) return 0;
  const ca = CLASS_OF.get(a);
  return ca !== undefined && ca === CLASS_OF.get(b) ? CONFUSION_COST : EDIT_COST;
}

/**
 * Weighted edit distance between two normalised plates: insertions and deletions cost 1,
 * substitutions 1, or `CONFUSION_COST` inside a confusion class (`8ABC123` vs `BABC123` = 0.35).
 */
export function plateDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length * EDIT_COST;
  if (b.length === 0) return a.length * EDIT_COST;
  let prev = new Float64Array(b.length + 1);
  let cur = new Float64Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j * EDIT_COST;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i * EDIT_COST;
    const ai = a[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j - 1]! + substitutionCost(ai, b[j - 1]!), prev[j]! + EDIT_COST, cur[j - 1]! + EDIT_COST);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** 1 for identical plates, 0 for plates that share nothing; distance scaled by the longer length. */
export function plateSimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 1;
  return Math.max(0, 1 - plateDistance(a, b) / (longest * EDIT_COST));
}
