/**
 * Walks over the frozen trie of wildcard patterns (`WildcardTrieParts`): exact lookup of a
 * pattern, and the walk that finds every pattern a read matches. The walk only visits the prefixes that can still
 * match; `*` fans out over the remaining read positions, and (node, position) states are visited
 * once.
 */
import { MAX_PLATE_LENGTH, SYM_ANY_ONE, SYM_ANY_RUN, decodeSymbols } from '../../plate/alphabet.js';
import { COUNT_SHIFT, HAS_ENTRIES, LABEL_MASK, type WildcardTrieParts } from './wildcard-trie-builder.js';

const STACK = 4096;

/** Called for each node holding entries that matched; `text` is the stored plate or pattern. */
export type NodeVisitor = (node: number, text: string) => void;

export class WildcardTrie {
  private readonly nodes: Int32Array;
  readonly head: Int32Array;
  // Scratch space reused by every walk: lookups run on one thread, one at a time.
  private readonly stackNode = new Int32Array(STACK);
  private readonly stackPos = new Int32Array(STACK);
  // Empty until first needed, but typed from the start: a field changing from null to an array
  // changes the object's hidden class and deoptimizes the walks of every other trie instance.
  private parent = new Int32Array(0);
  private stamp = new Int32Array(0);
  private walkId = 0;

  constructor(parts: WildcardTrieParts) {
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
      if (pos === len && (word & HAS_ENTRIES) !== 0) visit(n, this.textOf(n));
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
