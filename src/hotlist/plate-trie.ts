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
import { COUNT_SHIFT, HAS_ENTRIES, LABEL_MASK, type TrieParts } from './trie-builder.js';

export const EDIT = 2;
const INF = 1 << 20;
const MAX_DEPTH = MAX_PLATE_LENGTH + 3;
const STACK = 4096;
/** Candidates one walk carries (bits of an int32 mask). */
export const MAX_CANDIDATES = 32;
const ROW_STRIDE = MAX_PLATE_LENGTH + 1;
const CAND_STRIDE = (MAX_DEPTH + 1) * ROW_STRIDE;

/** Called for each node holding entries that matched; `text` is the stored plate or pattern. */
export type NodeVisitor = (node: number, text: string, cost: number) => void;

export class PlateTrie {
  private readonly nodes: Int32Array;
  readonly head: Int32Array;
  // Scratch space reused by every walk: lookups run on one thread, one at a time.
  private readonly rows = new Int32Array(MAX_CANDIDATES * CAND_STRIDE);
  private readonly keys = new Uint8Array(MAX_CANDIDATES * ROW_STRIDE);
  private readonly lens = new Uint8Array(MAX_CANDIDATES);
  private readonly costs = new Int32Array(MAX_CANDIDATES);
  private readonly stackNode = new Int32Array(STACK);
  private readonly stackPos = new Int32Array(STACK);
  private readonly stackMask = new Int32Array(STACK);
  private readonly path = new Uint8Array(MAX_DEPTH + 1);
  private readonly labelMask = new Int32Array(64);
  private readonly labelStamp = new Int32Array(64);
  private readonly labelList = new Int32Array(64);
  private allowStamp = 0;
  // Empty until first needed, but typed from the start: a field changing from null to an array
  // changes the object's hidden class and deoptimizes the walks of every other trie instance.
  private parent = new Int32Array(0);
  private stamp = new Int32Array(0);
  private walkId = 0;
  /** Nodes the last fuzzy walk visited (benchmark figure: the work a lookup does). */
  visited = 0;

  constructor(parts: TrieParts) {
    this.nodes = parts.nodes;
    this.head = parts.head;
  }

  get nodeCount(): number {
    return this.head.length;
  }

  get bytes(): number {
    return this.nodes.byteLength + this.head.byteLength;
  }

  /** Node reached by `key[0..len)`, or -1. */
  find(key: Uint8Array, len: number): number {
    const nodes = this.nodes;
    let node = 0;
    for (let i = 0; i < len; i++) {
      const sym = key[i];
      const first = nodes[2 * node]!;
      const end = first + ((nodes[2 * node + 1]! >>> COUNT_SHIFT) & 0xff);
      let next = -1;
      for (let c = first; c < end; c++) {
        if ((nodes[2 * c + 1]! & LABEL_MASK) === sym) {
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
   * Every node with entries whose text is within a candidate's budget (half-edits) of that
   * candidate: insertions, deletions and unrelated substitutions cost 2, substitutions inside a
   * confusion class cost `confusionCost`. Rows are banded: a cell more than budget/2 off the
   * diagonal needs that many insertions or deletions, so it can never come back under budget.
   *
   * All candidates of a read (its top-N texts) go through in one walk: one pass
   * over the trie carries a row per candidate and a bit mask of the candidates still alive on
   * each branch. Candidates of one read share most prefixes, so the walk visits the union of
   * their branches once instead of each branch once per candidate; the walk is bound by memory
   * access, not arithmetic, so this is most of the cost of matching a top-10 read.
   * Candidates are set with `setCandidate` first (at most 32).
   */
  fuzzyMany(count: number, confusionCost: number, classOf: Int8Array, visit: (candidate: number, node: number, text: string, cost: number) => void): void {
    const { rows, nodes, stackNode, stackPos: stackDepth, stackMask, path, keys, lens, costs, labelMask, labelStamp, labelList } = this;
    const RS = ROW_STRIDE;
    // Fields are read into locals once: a property access first reached deep in the loop has no
    // type feedback yet and sends the optimised walk back to the interpreter.
    let nextStamp = this.allowStamp;
    let all = 0;
    let maxDepth = 0;
    for (let c = 0; c < count; c++) {
      const len = lens[c]!;
      const base = c * CAND_STRIDE;
      for (let j = 0; j <= len; j++) rows[base + j] = EDIT * j;
      all |= 1 << c;
      const deepest = Math.min(len + (costs[c]! >> 1), MAX_DEPTH);
      if (deepest > maxDepth) maxDepth = deepest;
    }
    let sp = 0;
    const rootEnd = nodes[0]! + ((nodes[1]! >>> COUNT_SHIFT) & 0xff);
    for (let ch = nodes[0]!; ch < rootEnd; ch++) {
      stackNode[sp] = ch;
      stackDepth[sp] = 1;
      stackMask[sp++] = all;
    }
    let visited = 0;
    while (sp > 0) {
      visited++;
      const n = stackNode[--sp]!;
      const d = stackDepth[sp]!;
      const mask = stackMask[sp]!;
      const word = nodes[2 * n + 1]!;
      const sym = word & LABEL_MASK;
      const symClass = classOf[sym]!;
      path[d] = sym;
      let alive = 0;
      let wide = 0;
      let stamp = 0;
      let labels = 0;
      for (let c = 0; c < count; c++) {
        const bit = 1 << c;
        if ((mask & bit) === 0) continue;
        const len = lens[c]!;
        const maxCost = costs[c]!;
        const band = maxCost >> 1;
        if (d > len + band) continue;
        const key = c * RS;
        const prev = c * CAND_STRIDE + (d - 1) * RS;
        const cur = prev + RS;
        const lo = d > band ? d - band : 0;
        const hi = d + band < len ? d + band : len;
        if (lo > 0) rows[cur + lo - 1] = INF;
        let rowMin = INF;
        for (let j = lo; j <= hi; j++) {
          let v: number;
          if (j === 0) {
            v = EDIT * d;
          } else {
            const q = keys[key + j - 1]!;
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
        if ((word & HAS_ENTRIES) !== 0 && hi === len && rows[cur + len]! <= maxCost) visit(c, n, decodeSymbols(path, 1, d + 1), rows[cur + len]!);
        if (d >= len + band) continue;
        alive |= bit;
        if (rowMin + EDIT <= maxCost) {
          wide |= bit;
          continue;
        }
        // No whole edit left for this candidate: a child keeps it only by matching one of its
        // characters (or a confusion of it) on the diagonal. Mark those labels for it.
        if (stamp === 0) stamp = ++nextStamp;
        const last = hi < len ? hi : len - 1;
        for (let i = lo; i <= last; i++) {
          const v = rows[cur + i]!;
          if (v > maxCost) continue;
          const q = keys[key + i]!;
          if (labelStamp[q] !== stamp) {
            labelStamp[q] = stamp;
            labelMask[q] = 0;
            labelList[labels++] = q;
          }
          labelMask[q] = labelMask[q]! | bit;
          const cls = classOf[q]!;
          if (cls >= 0 && v + confusionCost <= maxCost) {
            for (let x = 0; x < classOf.length; x++) {
              if (classOf[x] !== cls) continue;
              if (labelStamp[x] !== stamp) {
                labelStamp[x] = stamp;
                labelMask[x] = 0;
                labelList[labels++] = x;
              }
              labelMask[x] = labelMask[x]! | bit;
            }
          }
        }
      }
      if (alive === 0 || d >= maxDepth) continue;
      const first = nodes[2 * n]!;
      const end = first + ((word >>> COUNT_SHIFT) & 0xff);
      if (sp + (end - first) > STACK) continue; // cannot happen with 38 symbols and MAX_DEPTH levels
      if (wide === 0) {
        // Only the marked labels can continue: find each among the children (sorted by label)
        // by binary search instead of reading every child's label.
        for (let k = 0; k < labels; k++) {
          const want = labelList[k]!;
          let a = first;
          let b = end - 1;
          while (a <= b) {
            const mid = (a + b) >> 1;
            const l = nodes[2 * mid + 1]! & LABEL_MASK;
            if (l === want) {
              stackNode[sp] = mid;
              stackDepth[sp] = d + 1;
              stackMask[sp++] = labelMask[want]!;
              break;
            }
            if (l < want) a = mid + 1;
            else b = mid - 1;
          }
        }
        continue;
      }
      for (let ch = first; ch < end; ch++) {
        const label = nodes[2 * ch + 1]! & LABEL_MASK;
        const m = wide | (stamp !== 0 && labelStamp[label] === stamp ? labelMask[label]! : 0);
        if (m === 0) continue;
        stackNode[sp] = ch;
        stackDepth[sp] = d + 1;
        stackMask[sp++] = m;
      }
    }
    this.visited = visited;
    this.allowStamp = nextStamp;
  }

  /** Sets candidate `c` (0..31) of the next `fuzzyMany` walk; false when the text cannot be walked. */
  setCandidate(c: number, key: Uint8Array, len: number, maxCost: number): boolean {
    if (c >= MAX_CANDIDATES || len > MAX_PLATE_LENGTH) return false;
    this.keys.set(key.subarray(0, len), c * ROW_STRIDE);
    this.lens[c] = len;
    this.costs[c] = maxCost;
    return true;
  }

  /**
   * Every pattern node (a trie of `?`/`*` patterns) that matches `key` whole. Literal pattern
   * characters also accept a read character of the same confusion class when `classOf` has
   * classes; the caller re-checks to tell an exact wildcard match from one with confusions.
   */
  patterns(key: Uint8Array, len: number, classOf: Int8Array, visit: NodeVisitor): void {
    const count = this.head.length;
    const width = len + 1;
    if (this.stamp.length < count * (MAX_PLATE_LENGTH + 1)) this.stamp = new Int32Array(count * (MAX_PLATE_LENGTH + 1));
    const stamp = this.stamp;
    const id = ++this.walkId;
    const { nodes, stackNode, stackPos } = this;
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
      const word = nodes[2 * n + 1]!;
      if (pos === len && (word & HAS_ENTRIES) !== 0) visit(n, this.textOf(n), 0);
      const first = nodes[2 * n]!;
      const end = first + ((word >>> COUNT_SHIFT) & 0xff);
      for (let c = first; c < end; c++) {
        const sym = nodes[2 * c + 1]! & LABEL_MASK;
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
    for (let n = node; n > 0; n = parent[n]!) out = decodeSymbols([this.nodes[2 * n + 1]! & LABEL_MASK], 0, 1) + out;
    return out;
  }

  private parents(): Int32Array {
    const count = this.head.length;
    if (this.parent.length === count) return this.parent;
    const parent = new Int32Array(count);
    parent[0] = -1;
    for (let n = 0; n < count; n++) {
      const first = this.nodes[2 * n]!;
      const end = first + ((this.nodes[2 * n + 1]! >>> COUNT_SHIFT) & 0xff);
      for (let c = first; c < end; c++) parent[c] = n;
    }
    this.parent = parent;
    return parent;
  }
}
