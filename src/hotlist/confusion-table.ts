/**
 * OCR-confusion classes: characters a plate reader mistakes for one another (0/O/D/Q, 1/I/L,
 * 2/Z, 5/S, 6/G, 8/B by default, as in the commercial readers' equivalence tables). Inside a
 * class a substitution is a "confusion", explained as `O read as 0`; the table is configurable
 * per agency (`hotlist.confusion_classes`).
 */
import { PLAIN_SYMBOLS, SYMBOLS, symbolOf } from './alphabet.js';

export const DEFAULT_CONFUSION_CLASSES: readonly string[] = ['0ODQ', '1IL', '2Z', '5S', '6G', '8B'];

export class ConfusionTable {
  /** Class id of each symbol, -1 for symbols in no class (wildcards included). */
  readonly classOf: Int8Array;

  private constructor(classOf: Int8Array) {
    this.classOf = classOf;
  }

  /** Parses class strings; returns every problem at once so the config check can list them. */
  static parse(classes: readonly string[]): { table: ConfusionTable; errors: [] } | { table: null; errors: string[] } {
    const classOf = new Int8Array(SYMBOLS.length).fill(-1);
    const errors: string[] = [];
    classes.forEach((chars, i) => {
      if (chars.length < 2) errors.push(`[${i}]: a class needs at least two characters`);
      for (const ch of chars) {
        const s = symbolOf(ch.charCodeAt(0));
        if (s < 0 || s >= PLAIN_SYMBOLS) errors.push(`[${i}]: "${ch}" is not A–Z or 0–9`);
        else if (classOf[s] !== -1 && classOf[s] !== i) errors.push(`[${i}]: "${ch}" is already in class ${classOf[s]}`);
        else classOf[s] = i;
      }
    });
    return errors.length > 0 ? { table: null, errors } : { table: new ConfusionTable(classOf), errors: [] };
  }

  static of(classes: readonly string[]): ConfusionTable {
    const r = ConfusionTable.parse(classes);
    if (!r.table) throw new Error(`invalid confusion classes: ${r.errors.join('; ')}`);
    return r.table;
  }

  /** True when two different symbols belong to one class. */
  confusable(a: number, b: number): boolean {
    const c = this.classOf[a]!;
    return c >= 0 && c === this.classOf[b];
  }

  confusableChars(a: string, b: string): boolean {
    return a !== b && this.confusable(symbolOf(a.charCodeAt(0)), symbolOf(b.charCodeAt(0)));
  }
}
