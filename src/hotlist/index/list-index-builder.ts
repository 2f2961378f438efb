/**
 * Builds one list's index: a table of plain plates (sorted rows, see `plate-table.ts`), a trie
 * of wildcard patterns (the dedicated structure partial plates are matched with, capped in
 * size), and a columnar entry table both point into. The result is plain typed arrays plus a few small string arrays,
 * so a worker thread can build it and hand it to the main thread in shared memory.
 */
import { MAX_PLATE_LENGTH, encodePlate } from '../../plate/alphabet.js';
import type { EntryRow } from '../entry-row.js';
import { ConfusionTable, DEFAULT_CONFUSION_CLASSES } from '../../plate/confusion-table.js';
import { PlateTableBuilder } from './plate-table-builder.js';
import { sharedCopy } from './shared-arrays.js';
import type { PlateTableParts } from './plate-table-layout.js';
import { StringColumnBuilder, type StringColumnParts } from './string-column.js';
import { WildcardTrieBuilder, type WildcardTrieParts } from './wildcard-trie-builder.js';

export const COLUMNS = ['state', 'list', 'reason', 'caseNumber', 'subjectXref', 'officerName', 'officerContact', 'source', 'id', 'created', 'enteredBy'] as const;
export type ColumnName = (typeof COLUMNS)[number];

export const FLAG_INFORMATIONAL = 1;
export const FLAG_NCIC = 2;
export const FLAG_WILDCARD = 4;

export interface EntryTableParts {
  count: number;
  priority: Uint8Array;
  flags: Uint8Array;
  /** ms since epoch; NaN = no expiry. */
  expiresAt: Float64Array;
  /** Next entry of the same plate (or pattern), or -1. */
  nextEntry: Int32Array;
  columns: Record<ColumnName, StringColumnParts>;
}

export interface ListIndexParts {
  /** The list this index holds (`file:demo-hotlist.csv`, `central`, `local`). */
  source: string;
  generation: string;
  /** When the list was issued (signed list header or file time), ms since epoch. */
  issuedAt: number | null;
  loadedAt: number;
  entryCount: number;
  wildcardCount: number;
  /** Entries dropped at build because they repeat an earlier plate, state and list. */
  duplicates: number;
  plates: PlateTableParts;
  wild: WildcardTrieParts;
  entries: EntryTableParts;
}

export type AddOutcome = 'added' | 'duplicate' | 'wildcard-cap';

export class ListIndexBuilder {
  private readonly plates: PlateTableBuilder;
  private readonly wild = new WildcardTrieBuilder(256);
  private readonly key = new Uint8Array(MAX_PLATE_LENGTH + 1);
  private count = 0;
  private wildcards = 0;
  private priority: Uint8Array;
  private flags: Uint8Array;
  private expiresAt: Float64Array;
  private nextEntry: Int32Array;
  private readonly columns = Object.fromEntries(COLUMNS.map((c) => [c, new StringColumnBuilder()])) as Record<ColumnName, StringColumnBuilder>;

  /**
   * `classes`: the confusion classes plates are sorted by (`hotlist.confusion_classes`);
   * `maxEdits`: the edit tolerance matching will use (`hotlist.max_edit_distance`), undefined
   * for an index that serves any.
   */
  constructor(
    private readonly wildcardCap: number,
    expectedEntries = 1024,
    classes: readonly string[] = DEFAULT_CONFUSION_CLASSES,
    maxEdits?: number,
  ) {
    const cap = Math.max(64, expectedEntries);
    this.plates = new PlateTableBuilder(cap, ConfusionTable.of(classes).classOf, maxEdits);
    this.priority = new Uint8Array(cap);
    this.flags = new Uint8Array(cap);
    this.expiresAt = new Float64Array(cap);
    this.nextEntry = new Int32Array(cap);
  }

  /** Entries added so far (duplicates of plain plates are only found by `build()`). */
  get entries(): number {
    return this.count;
  }

  get wildcardEntries(): number {
    return this.wildcards;
  }

  add(row: EntryRow): AddOutcome {
    if (row.wildcard && this.wildcards >= this.wildcardCap) return 'wildcard-cap';
    const len = encodePlate(row.plate, this.key, row.wildcard);
    if (len < 0) throw new Error(`plate ${row.plate} is not normalised`);
    const state = row.state ?? '';
    let node = -1;
    if (row.wildcard) {
      node = this.wild.insertPath(this.key, len);
      for (let e = this.wild.headOf(node); e !== -1; e = this.nextEntry[e]!) {
        if (this.columns.list.get(e) === row.list && this.columns.state.get(e) === state) return 'duplicate';
      }
    }
    if (this.count === this.priority.length) this.grow();
    const i = this.count++;
    this.priority[i] = row.priority;
    this.flags[i] = (row.informational ? FLAG_INFORMATIONAL : 0) | (row.alsoInNcic ? FLAG_NCIC : 0) | (row.wildcard ? FLAG_WILDCARD : 0);
    this.expiresAt[i] = row.expiresAt ?? NaN;
    if (row.wildcard) {
      this.nextEntry[i] = this.wild.headOf(node);
      this.wild.setHead(node, i);
    } else {
      this.plates.add(this.key, len, i);
    }
    const c = this.columns;
    c.state.push(state);
    c.list.push(row.list);
    c.reason.push(row.reason);
    c.caseNumber.push(row.caseNumber ?? '');
    c.subjectXref.push(row.subjectXref ?? '');
    c.officerName.push(row.officerName ?? '');
    c.officerContact.push(row.officerContact ?? '');
    c.source.push(row.source);
    c.id.push(row.id ?? '');
    c.created.push(row.createdAt === null ? '' : String(row.createdAt));
    c.enteredBy.push(row.enteredBy ?? '');
    if (row.wildcard) this.wildcards++;
    return 'added';
  }

  build(meta: { source: string; generation: string; issuedAt: number | null; loadedAt: number }): ListIndexParts {
    const n = this.count;
    const nextEntry = sharedCopy(Int32Array, this.nextEntry, n);
    const { list, state } = this.columns;
    const plates = this.plates.build(nextEntry, (a, b) => list.get(a) === list.get(b) && state.get(a) === state.get(b));
    const columns = Object.fromEntries(COLUMNS.map((c) => [c, this.columns[c].build()])) as Record<ColumnName, StringColumnParts>;
    return {
      ...meta,
      entryCount: n - plates.duplicates,
      wildcardCount: this.wildcards,
      duplicates: plates.duplicates,
      plates: plates.parts,
      wild: this.wild.build(),
      entries: {
        count: n,
        priority: sharedCopy(Uint8Array, this.priority, n),
        flags: sharedCopy(Uint8Array, this.flags, n),
        expiresAt: sharedCopy(Float64Array, this.expiresAt, n),
        nextEntry,
        columns,
      },
    };
  }

  private grow(): void {
    const cap = Math.ceil(this.priority.length * 1.5);
    const p = new Uint8Array(cap);
    p.set(this.priority);
    this.priority = p;
    const f = new Uint8Array(cap);
    f.set(this.flags);
    this.flags = f;
    const x = new Float64Array(cap);
    x.set(this.expiresAt);
    this.expiresAt = x;
    const ne = new Int32Array(cap);
    ne.set(this.nextEntry);
    this.nextEntry = ne;
  }
}

/**
 * The index with every typed array in shared memory, for handing from the build worker to the
 * main thread. Transferred ArrayBuffers arrive as hundreds of MB of new external memory, which
 * makes V8 run a full garbage collection on the main thread at once (40–60 ms measured at 1 M
 * entries, a pause every read would wait out); shared buffers arrive without one. The large
 * arrays are built shared already; anything that is not is copied here.
 */
export function shareIndex(parts: ListIndexParts): ListIndexParts {
  return shareArrays(parts);
}

function shareArrays<T>(value: T): T {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    if (value.buffer instanceof SharedArrayBuffer) return value;
    const view = value as unknown as { constructor: new (buffer: SharedArrayBuffer) => { set(source: unknown): void }; byteLength: number };
    const copy = new view.constructor(new SharedArrayBuffer(view.byteLength));
    copy.set(value);
    return copy as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => shareArrays(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shareArrays(v);
    return out as T;
  }
  return value;
}
