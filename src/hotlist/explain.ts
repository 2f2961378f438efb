/**
 * Human explanations of a hit: what the read and the stored plate have in common and where they
 * differ, so the officer who must visually confirm the characters (sacramento-pd D.4;
 * sacramento-da III.D) sees at once which characters to check: `exact`, `O read as 0`,
 * `wildcard 6GU?47*`, `one character missing: read 7AB12 for 7AB123`.
 */
import type { ConfusionTable } from '../plate/confusion-table.js';
import { editAlignment } from '../plate/edit-alignment.js';
import type { MatchKind } from './types.js';

type Step = { op: 'same' | 'confusion' | 'different'; plate: string; read: string } | { op: 'missing'; plate: string } | { op: 'extra'; read: string };

const WORDS = ['no', 'one', 'two', 'three', 'four'];

export interface Explained {
  kind: Exclude<MatchKind, 'wildcard'>;
  explanation: string;
  /** Edits that are not confusions (missing, extra, different characters). */
  edits: number;
}

/**
 * The kind of a match without building its explanation: exact, confusion (same length, every
 * difference inside a class) or edit. Ranking needs only this; the explanation text is made for
 * the hits that are reported, not for every candidate that touched an entry.
 */
export function classifyMatch(plate: string, read: string, table: ConfusionTable): Exclude<MatchKind, 'wildcard'> {
  if (plate === read) return 'exact';
  if (plate.length !== read.length) return 'edit';
  for (let i = 0; i < plate.length; i++) {
    if (plate[i] !== read[i] && !table.confusableChars(plate[i]!, read[i]!)) return 'edit';
  }
  return 'confusion';
}

export function explainMatch(plate: string, read: string, table: ConfusionTable): Explained {
  if (plate === read) return { kind: 'exact', explanation: 'exact', edits: 0 };
  const steps = align(plate, read, table);
  const confusions = steps.filter((s) => s.op === 'confusion');
  const edits = steps.filter((s) => s.op === 'different' || s.op === 'missing' || s.op === 'extra');
  if (edits.length === 0) return { kind: 'confusion', explanation: confusions.map(phrase).join(', '), edits: 0 };
  const n = edits.length;
  const first = edits[0]!;
  const lead = n === 1 ? (first.op === 'missing' ? 'one character missing' : first.op === 'extra' ? 'one extra character' : 'one character different') : `${WORDS[n] ?? n} characters differ`;
  const details = steps.filter((s) => s.op !== 'same' && !(n === 1 && s === first && s.op !== 'different')).map(phrase);
  return { kind: 'edit', explanation: `${lead}${details.length > 0 ? ` (${details.join(', ')})` : ''}: read ${read} for ${plate}`, edits: n };
}

function phrase(s: Step): string {
  switch (s.op) {
    case 'missing':
      return `${s.plate} missing`;
    case 'extra':
      return `extra ${s.read}`;
    case 'same':
    case 'confusion':
    case 'different':
      return `${s.plate} read as ${s.read}`;
  }
}

/** The plate costs' minimum-cost alignment (the tracker's too), in the words of a hit. */
function align(plate: string, read: string, table: ConfusionTable): Step[] {
  return editAlignment(plate, read, table).steps.map((s): Step => {
    switch (s.op) {
      case 'match': {
        const a = plate[s.refIndex]!;
        const b = read[s.readIndex]!;
        return { op: a === b ? 'same' : table.confusableChars(a, b) ? 'confusion' : 'different', plate: a, read: b };
      }
      case 'gap':
        return { op: 'missing', plate: plate[s.refIndex]! };
      case 'extra':
        return { op: 'extra', read: read[s.readIndex]! };
    }
  });
}

/** `wildcard 6GU?47*`, with the confusions it needed when the read only matches through them. */
export function explainWildcard(pattern: string, read: string, table: ConfusionTable): string {
  const confusions = wildcardConfusions(pattern, 0, read, 0, table);
  if (confusions === null || confusions.length === 0) return `wildcard ${pattern}`;
  return `wildcard ${pattern} (${confusions.join(', ')})`;
}

/** Fewest confusions with which `read[ri..]` matches `pattern[pi..]`, or null when it does not. */
function wildcardConfusions(pattern: string, pi: number, read: string, ri: number, table: ConfusionTable): string[] | null {
  if (pi === pattern.length) return ri === read.length ? [] : null;
  const p = pattern[pi]!;
  if (p === '*') {
    let best: string[] | null = null;
    for (let k = ri; k <= read.length; k++) {
      const r = wildcardConfusions(pattern, pi + 1, read, k, table);
      if (r !== null && (best === null || r.length < best.length)) best = r;
      if (best !== null && best.length === 0) break;
    }
    return best;
  }
  if (ri === read.length) return null;
  const c = read[ri]!;
  if (p === '?' || p === c) return wildcardConfusions(pattern, pi + 1, read, ri + 1, table);
  if (!table.confusableChars(p, c)) return null;
  const rest = wildcardConfusions(pattern, pi + 1, read, ri + 1, table);
  return rest === null ? null : [`${p} read as ${c}`, ...rest];
}
