/**
 * Walks over a frozen trie (`TrieParts`): exact lookup, the Levenshtein-row walk that finds every
 * stored plate within a bounded, OCR-aware edit cost of a read, and the pattern walk used for
 * wildcard entries. Nothing here scans the list: each walk only visits the prefixes that can
 * still match, and a branch is dropped as soon as its row's minimum exceeds the budget.
 *
 * Costs are in half-edits so that a confusion-class substitution may cost 0 (free), 1 (half an
 * edit) or 2 (a full edit) while staying in integer arithmetic.
 */
import { MAX_PLATE_LENGTH, SYM_ANY_ONE, SYM_ANY_RUN, decodeSymbols } from './alphabet.js';
import type { TrieParts } from './trie-builder.js';

export const EDIT = 2;
const INF = 1 << 20;
const MAX_DEPTH = MAX_PLATE_LENGTH + 3;
const STACK = 4096;

/** Called for each node holding entries that matched; `text` is the stored plate or pattern. */
export type NodeVisitor = (node: number, text: string, cost: number) => void;

export class PlateTrie {
  private readonly label: Uint8Array;
  private readonly firstChild: Int32Array;
  private readonly childCount: Uint8Array;
  readonly head: Int32Array;
  // Scratch space reused by every walk: lookups run on one thread, one at a time.
  private readonly rows = new Int32Array((MAX_DEPTH + 1) * (MAX_PLATE_LENGTH + 1));
  private readonly stackNode = new Int32Array(STACK);
  private readonly stackPos = new Int32Array(STACK);
  private readonly path = new Uint8Array(MAX_DEPTH + 1);
  private parent: Int32Array | null = null;
  private stamp: Int32Array | null = null;
  private walkId = 0;
  private readonly allowed = new Int32Array(64);
  private allowStamp = 0;

  constructor(parts: TrieParts) {
    this.label = parts.label;
    this.firstChild = parts.firstChild;
    this.childCount = parts.childCount;
    this.head = parts.head;
  }

  get nodeCount(): number {
    return this.label.length;
  }

  get bytes(): number {
    return this.label.byteLength + this.firstChild.byteLength + this.childCount.byteLength + this.head.byteLength;
  }

  /** Node reached by `key[0..len)`, or -1. */
  find(key: Uint8Array, len: number): number {
    let node = 0;
    for (let i = 0; i < len; i++) {
      const sym = key[i];
      const first = this.firstChild[node]!;
      const end = first + this.childCount[node]!;
      let next = -1;
      for (let c = first; c < end; c++) {
        if (this.label[c] === sym) {
          next = c;
          break;
        }
      }
      if (next < 0) return -1;
      node = next;
    }
    return node;
  }

  /**
   * Every node with entries whose text is within `maxCost` (half-edits) of `key`: insertions,
   * deletions and unrelated substitutions cost 2, substitutions inside a confusion class cost
   * `confusionCost`. Rows are banded: a cell more than maxCost/2 off the diagonal needs that many
   * insertions or deletions, so it can never come back under the budget.
   */
  fuzzy(key: Uint8Array, len: number, maxCost: number, confusionCost: number, classOf: Int8Array, visit: NodeVisitor): void {
    const band = maxCost >> 1;
    const w = len + 1;
    const rows = this.rows;
    const { label, firstChild, childCount, head, stackNode, stackPos: stackDepth, path } = this;
    for (let j = 0; j <= len; j++) rows[j] = EDIT * j;
    const maxDepth = Math.min(len + band, MAX_DEPTH);
    let sp = 0;
    const rootEnd = firstChild[0]! + childCount[0]!;
    for (let c = firstChild[0]!; c < rootEnd; c++) {
      stackNode[sp] = c;
      stackDepth[sp++] = 1;
    }
    while (sp > 0) {
      const n = stackNode[--sp]!;
      const d = stackDepth[sp]!;
      const sym = label[n]!;
      const symClass = classOf[sym]!;
      path[d] = sym;
      const prev = (d - 1) * w;
      const cur = d * w;
      const lo = d > band ? d - band : 0;
      const hi = d + band < len ? d + band : len;
      if (lo > 0) rows[cur + lo - 1] = INF;
      let rowMin = INF;
      for (let j = lo; j <= hi; j++) {
        let v: number;
        if (j === 0) {
          v = EDIT * d;
        } else {
          const q = key[j - 1]!;
          v = rows[prev + j - 1]! + (q === sym ? 0 : symClass >= 0 && classOf[q] === symClass ? confusionCost : EDIT);
          const del = rows[prev + j]! + EDIT;
          if (del < v) v = del;
          if (j > lo) {
            const ins = rows[cur + j - 1]! + EDIT;
            if (ins < v) v = ins;
          }
        }
        rows[cur + j] = v;
        if (v < rowMin) rowMin = v;
      }
      if (hi < len) rows[cur + hi + 1] = INF;
      if (rowMin > maxCost) continue;
      if (hi === len && head[n] !== -1 && rows[cur + len]! <= maxCost) visit(n, decodeSymbols(path, 1, d + 1), rows[cur + len]!);
      if (d >= maxDepth) continue;
      // When no cell has a whole edit left, a child survives only by matching a read character
      // (or one of its confusion class) on the diagonal: mark those labels and skip the rest,
      // instead of computing a row for each of up to 36 children just to prune it.
      const filter = rowMin + EDIT > maxCost;
      const stamp = filter ? this.markAllowed(key, len, cur, lo, hi, maxCost, confusionCost, classOf) : 0;
      const end = firstChild[n]! + childCount[n]!;
      if (sp + (end - firstChild[n]!) > STACK) continue; // cannot happen with 38 symbols and MAX_DEPTH levels
      for (let c = firstChild[n]!; c < end; c++) {
        if (filter && this.allowed[label[c]!] !== stamp) continue;
        stackNode[sp] = c;
        stackDepth[sp++] = d + 1;
      }
    }
  }

  /** Stamps the labels a child may carry to stay within budget when only free diagonal steps remain. */
  private markAllowed(key: Uint8Array, len: number, cur: number, lo: number, hi: number, maxCost: number, confusionCost: number, classOf: Int8Array): number {
    const stamp = ++this.allowStamp;
    const allowed = this.allowed;
    const rows = this.rows;
    const last = hi < len ? hi : len - 1;
    for (let i = lo; i <= last; i++) {
      const v = rows[cur + i]!;
      if (v > maxCost) continue;
      const q = key[i]!;
      allowed[q] = stamp;
      const cls = classOf[q]!;
      if (cls >= 0 && v + confusionCost <= maxCost) {
        for (let x = 0; x < classOf.length; x++) if (classOf[x] === cls) allowed[x] = stamp;
      }
    }
    return stamp;
  }

  /**
   * Every pattern node (a trie of `?`/`*` patterns) that matches `key` whole. Literal pattern
   * characters also accept a read character of the same confusion class when `classOf` has
   * classes; the caller re-checks to tell an exact wildcard match from one with confusions.
   */
  patterns(key: Uint8Array, len: number, classOf: Int8Array, visit: NodeVisitor): void {
    const nodes = this.label.length;
    const width = len + 1;
    if (this.stamp === null || this.stamp.length < nodes * (MAX_PLATE_LENGTH + 1)) this.stamp = new Int32Array(nodes * (MAX_PLATE_LENGTH + 1));
    const stamp = this.stamp;
    const id = ++this.walkId;
    const { label, firstChild, childCount, head, stackNode, stackPos } = this;
    let sp = 0;
    const push = (node: number, pos: number): void => {
      const k = node * width + pos;
      if (stamp[k] === id || sp === STACK) return;
      stamp[k] = id;
      stackNode[sp] = node;
      stackPos[sp++] = pos;
    };
    push(0, 0);
    while (sp > 0) {
      const n = stackNode[--sp]!;
      const pos = stackPos[sp]!;
      if (pos === len && head[n] !== -1) visit(n, this.textOf(n), 0);
      const end = firstChild[n]! + childCount[n]!;
      for (let c = firstChild[n]!; c < end; c++) {
        const sym = label[c]!;
        if (sym === SYM_ANY_RUN) {
          for (let p = pos; p <= len; p++) push(c, p);
        } else if (pos < len) {
          const q = key[pos]!;
          if (sym === SYM_ANY_ONE || sym === q || (classOf[sym]! >= 0 && classOf[sym] === classOf[q])) push(c, pos + 1);
        }
      }
    }
  }

  /** The text spelled by the path to `node` (root excluded). */
  textOf(node: number): string {
    const parent = this.parents();
    let out = '';
    for (let n = node; n > 0; n = parent[n]!) out = decodeSymbols(this.label, n, n + 1) + out;
    return out;
  }

  private parents(): Int32Array {
    if (this.parent) return this.parent;
    const parent = new Int32Array(this.label.length);
    parent[0] = -1;
    for (let n = 0; n < this.label.length; n++) {
      const end = this.firstChild[n]! + this.childCount[n]!;
      for (let c = this.firstChild[n]!; c < end; c++) parent[c] = n;
    }
    this.parent = parent;
    return parent;
  }
}
