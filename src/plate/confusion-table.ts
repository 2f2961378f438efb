/**
 * OCR-confusion classes and the one cost model of plate text. Characters a plate reader mistakes
 * for one another (0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B by default, as in OpenALPR's and the
 * commercial readers' equivalence tables) form classes; a substitution inside a class is a
 * "confusion", explained as `O read as 0`, and costs less than an unrelated one. The classes are
 * configurable per agency (`hotlist.confusion_classes`) and one table serves the tracker
 * (association, voting, de-duplication), the hot-list match and the hit explanation.
 *
 * Costs: a dropped or extra character, or an unrelated substitution, costs `EDIT_COST` (1); a
 * confusion `CONFUSION_COST`. The hot-list index counts confusions against its edit budget with
 * its own configured weight (`hotlist.confusion_cost`, in half edits); that is a matching policy,
 * not a second distance.
 */
import { PLAIN_SYMBOLS, SYMBOLS, symbolOf } from './alphabet.js';

export const DEFAULT_CONFUSION_CLASSES: readonly string[] = ['0ODQ', '1IL', '2Z', '5S', '6G', '8B'];

/** Cost of substituting one character for another of the same confusion class. */
export const CONFUSION_COST = 0.35;
/** Cost of an unrelated substitution, a dropped character or an extra one. */
export const EDIT_COST = 1;

export class ConfusionTable {
  /** The table of `DEFAULT_CONFUSION_CLASSES`. */
  static readonly DEFAULT: ConfusionTable = ConfusionTable.of(DEFAULT_CONFUSION_CLASSES);

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
    const c = this.classOf[a];
    return c !== undefined && c >= 0 && c === this.classOf[b];
  }

  confusableChars(a: string, b: string): boolean {
    return a !== b && this.confusable(symbolOf(a.charCodeAt(0)), symbolOf(b.charCodeAt(0)));
  }

  /** 0 for the same character, `CONFUSION_COST` inside a class, `EDIT_COST` otherwise. */
  substitutionCost(a: string, b: string): number {
    if (a === b) return 0;
    return this.confusableChars(a, b) ? CONFUSION_COST : EDIT_COST;
  }
}
