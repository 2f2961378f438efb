/**
 * Plate text normalisation. The tracker (association, voting, de-duplication) and the hot list
 * (entries and reads) compare on the same alphabet, so a plate typed by an officer (`7-abc 123`,
 * full-width or Cyrillic look-alikes pasted from a bulletin) and a plate read by the OCR meet:
 * A–Z and 0–9 (alphabet.ts).
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
