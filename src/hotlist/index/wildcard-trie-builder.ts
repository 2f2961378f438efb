/**
 * Builds the wildcard trie: the partial-plate patterns of a list (`6GU?47*`), one symbol a level
 * (plain plates go to the plate table, plate-table-builder.ts). Insertion uses a first-child /
 * next-sibling layout in growable typed arrays (13 bytes a node); `build()` then lays the nodes
 * out breadth-first so that every node's children sit next to each other (12 bytes a node, no
 * pointer per child). No JavaScript object is made per node, so a large pattern list stays
 * compact and a worker thread can hand the finished arrays over without copying.
 */

/**
 * The frozen trie: node 0 is the root. Each node is two int32s in `nodes`: its first child's id
 * (children are contiguous), then label | child count << 8 | HAS_ENTRIES. Keeping a node's
 * fields in one cache line, and siblings next to each other, is what makes the pattern walk
 * cheap: it is bound by cache misses, not arithmetic.
 */
export interface WildcardTrieParts {
  nodes: Int32Array;
  /** First entry stored at the node (entries chain through the entry table's `nextEntry`), or -1. */
  head: Int32Array;
}

export const LABEL_MASK = 0xff;
export const COUNT_SHIFT = 8;
export const HAS_ENTRIES = 1 << 16;

export function packNode(label: number, childCount: number, hasEntries: boolean): number {
  return label | (childCount << COUNT_SHIFT) | (hasEntries ? HAS_ENTRIES : 0);
}

export class WildcardTrieBuilder {
  private firstChild: Int32Array;
  private nextSibling: Int32Array;
  private label: Uint8Array;
  private head: Int32Array;
  private size = 1;

  constructor(expectedNodes = 1024) {
    const cap = Math.max(16, expectedNodes);
    this.firstChild = new Int32Array(cap).fill(-1);
    this.nextSibling = new Int32Array(cap).fill(-1);
    this.label = new Uint8Array(cap);
    this.head = new Int32Array(cap).fill(-1);
  }

  get nodes(): number {
    return this.size;
  }

  /** Walks/creates the path of `key[0..len)` and returns its node. */
  insertPath(key: Uint8Array, len: number): number {
    let node = 0;
    for (let i = 0; i < len; i++) {
      const sym = key[i]!;
      let child = this.firstChild[node]!;
      while (child !== -1 && this.label[child] !== sym) child = this.nextSibling[child]!;
      if (child === -1) {
        if (this.size === this.label.length) this.grow();
        child = this.size++;
        this.label[child] = sym;
        this.nextSibling[child] = this.firstChild[node]!;
        this.firstChild[node] = child;
      }
      node = child;
    }
    return node;
  }

  headOf(node: number): number {
    return this.head[node]!;
  }

  setHead(node: number, entry: number): void {
    this.head[node] = entry;
  }

  /** Breadth-first relayout into the frozen form; the builder must not be used afterwards. */
  build(): WildcardTrieParts {
    const n = this.size;
    const nodes = new Int32Array(2 * n);
    const head = new Int32Array(n);
    const queue = new Int32Array(n);
    let tail = 1;
    for (let id = 0; id < n; id++) {
      const old = queue[id]!;
      head[id] = this.head[old]!;
      nodes[2 * id] = tail;
      let count = 0;
      for (let c = this.firstChild[old]!; c !== -1; c = this.nextSibling[c]!) {
        queue[tail++] = c;
        count++;
      }
      nodes[2 * id + 1] = packNode(this.label[old]!, count, head[id] !== -1);
    }
    this.firstChild = this.nextSibling = this.head = new Int32Array(0);
    this.label = new Uint8Array(0);
    return { nodes, head };
  }

  private grow(): void {
    const cap = Math.ceil(this.label.length * 1.5);
    const grow32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap).fill(-1);
      b.set(a);
      return b;
    };
    this.firstChild = grow32(this.firstChild);
    this.nextSibling = grow32(this.nextSibling);
    this.head = grow32(this.head);
    const l = new Uint8Array(cap);
    l.set(this.label);
    this.label = l;
  }
}
