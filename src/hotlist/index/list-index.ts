/**
 * One list version in memory: the plate table, the wildcard-pattern trie and the entry table
 * they point into, all typed arrays (built by `ListIndexBuilder`, often in a worker). Read-only once
 * made: a new version is a new `ListIndex`, swapped in by replacing one reference.
 */
import { MAX_PLATE_LENGTH, encodePlate } from '../../plate/alphabet.js';
import type { ConfusionTable } from '../../plate/confusion-table.js';
import { classifyMatch } from '../explain.js';
import { COLUMNS, FLAG_INFORMATIONAL, FLAG_NCIC, type ColumnName, type ListIndexParts } from './list-index-builder.js';
import { WildcardTrie } from './wildcard-trie.js';
import { MAX_CANDIDATES, PlateTable } from './plate-table.js';
import { EDIT_IN_HALF_EDITS } from './row-cost.js';
import { columnBytes, readColumn } from './string-column.js';
import type { HotlistEntryInfo, MatchKind } from '../types.js';

export interface MatchSettings {
  table: ConfusionTable;
  /** Edits (missing, extra or different characters) tolerated: 0–2. */
  maxEdits: number;
  /** Cost of a confusion-class substitution in half-edits: 0 = free, 1 = half an edit, 2 = a full edit. */
  confusionCost: number;
  /** Reads shorter than this get no edit tolerance: a 4-character read within one edit of thousands of plates says nothing. */
  minEditLength: number;
}

export interface RawMatch {
  index: ListIndex;
  entry: number;
  plate: string;
  kind: MatchKind;
  /** Walk cost in half-edits (confusions counted at `confusionCost`); 0 for wildcards. */
  cost: number;
  /** Index of the candidate text that matched. */
  candidate: number;
}

export class ListIndex {
  readonly plates: PlateTable;
  readonly wild: WildcardTrie;
  private readonly key = new Uint8Array(MAX_PLATE_LENGTH + 1);

  constructor(readonly parts: ListIndexParts) {
    this.plates = new PlateTable(parts.plates);
    this.wild = new WildcardTrie(parts.wild);
  }

  get source(): string {
    return this.parts.source;
  }
  get generation(): string {
    return this.parts.generation;
  }
  get entryCount(): number {
    return this.parts.entryCount;
  }
  get wildcardCount(): number {
    return this.parts.wildcardCount;
  }

  /** Approximate bytes held by the typed arrays (status page, benchmark). */
  get bytes(): number {
    const e = this.parts.entries;
    const cols = COLUMNS.reduce((s, c) => s + columnBytes(e.columns[c]), 0);
    return this.plates.bytes + this.wild.bytes + e.priority.byteLength + e.flags.byteLength + e.expiresAt.byteLength + e.nextEntry.byteLength + cols;
  }

  /** Expiry is checked against the clock at match time: an entry expiring at T matches until T, not at T. */
  alive(e: number, now: number): boolean {
    const t = this.parts.entries.expiresAt[e]!;
    return Number.isNaN(t) || now < t;
  }

  /** Entries without a state match any read; a read with a state only matches entries of that state or none. */
  stateMatches(e: number, state: string | null | undefined): boolean {
    if (!state) return true;
    const s = this.column('state', e);
    return s === '' || s === state;
  }

  /** Exact lookup only (the benchmark's exact path): live entries stored under `text`. */
  exact(text: string, state: string | null | undefined, now: number, out: number[]): void {
    const len = encodePlate(text, this.key);
    if (len < 0) return;
    const row = this.plates.find(this.key, len);
    if (row < 0) return;
    const next = this.parts.entries.nextEntry;
    for (let e = this.plates.head[row]!; e !== -1; e = next[e]!) if (this.alive(e, now) && this.stateMatches(e, state)) out.push(e);
  }

  /**
   * Every live entry matching the candidate texts of one read (normalised, at most
   * `MAX_CANDIDATES`): exact, confusions and edits from the plate table, then wildcards. Each match
   * records which candidate (index into `texts`) produced it.
   */
  collectMany(texts: readonly string[], state: string | null | undefined, now: number, s: MatchSettings, out: RawMatch[]): void {
    const next = this.parts.entries.nextEntry;
    let count = 0;
    const slot: number[] = [];
    for (let i = 0; i < texts.length && count < MAX_CANDIDATES; i++) {
      const len = encodePlate(texts[i]!, this.key);
      if (len <= 0) continue;
      const edits = len >= s.minEditLength ? s.maxEdits : 0;
      if (this.plates.setCandidate(count, this.key, len, edits * EDIT_IN_HALF_EDITS)) slot[count++] = i;
    }
    if (count === 0) return;
    const plates = this.plates;
    plates.search(count, s.confusionCost, s.table.classOf, (c, row, cost) => {
      const candidate = slot[c]!;
      const text = texts[candidate]!;
      let kind: MatchKind | undefined;
      let plate = '';
      for (let e = plates.head[row]!; e !== -1; e = next[e]!) {
        if (!this.alive(e, now) || !this.stateMatches(e, state)) continue;
        if (kind === undefined) {
          plate = plates.textOf(row);
          kind = classifyMatch(plate, text, s.table);
        }
        out.push({ index: this, entry: e, plate, kind, cost, candidate });
      }
    });
    if (this.parts.wildcardCount === 0) return;
    for (const candidate of slot.slice(0, count)) {
      const text = texts[candidate]!;
      const len = encodePlate(text, this.key);
      this.wild.patterns(this.key, len, s.table.classOf, (node, pattern) => {
        for (let e = this.wild.head[node]!; e !== -1; e = next[e]!) {
          if (!this.alive(e, now) || !this.stateMatches(e, state)) continue;
          out.push({ index: this, entry: e, plate: pattern, kind: 'wildcard', cost: 0, candidate });
        }
      });
    }
  }

  /** Whether this version holds an entry for the same plate (or pattern), state and list. */
  has(plate: string, state: string | null, list: string): boolean {
    const wildcard = /[?*]/.test(plate);
    const len = encodePlate(plate, this.key, wildcard);
    if (len < 0) return false;
    const at = wildcard ? this.wild.find(this.key, len) : this.plates.find(this.key, len);
    if (at < 0) return false;
    const head = wildcard ? this.wild.head : this.plates.head;
    const next = this.parts.entries.nextEntry;
    for (let e = head[at]!; e !== -1; e = next[e]!) {
      if (this.column('list', e) === list && this.column('state', e) === (state ?? '')) return true;
    }
    return false;
  }

  countExpired(now: number): number {
    const x = this.parts.entries.expiresAt;
    let n = 0;
    for (let e = 0; e < x.length; e++) if (x[e]! <= now) n++;
    return n;
  }

  priority(e: number): number {
    return this.parts.entries.priority[e]!;
  }

  informational(e: number): boolean {
    return (this.parts.entries.flags[e]! & FLAG_INFORMATIONAL) !== 0;
  }

  column(name: ColumnName, e: number): string {
    return readColumn(this.parts.entries.columns[name], e);
  }

  entryInfo(e: number, plate: string): HotlistEntryInfo {
    const state = this.optional('state', e);
    const list = this.column('list', e);
    const expires = this.parts.entries.expiresAt[e]!;
    const created = this.optional('created', e);
    return {
      id: this.optional('id', e) ?? `${this.source}:${list}:${state ?? '-'}:${plate}`,
      plate,
      state,
      list,
      priority: this.priority(e),
      reason: this.column('reason', e),
      caseNumber: this.optional('caseNumber', e),
      informational: this.informational(e),
      expiresAt: Number.isNaN(expires) ? null : expires,
      subjectXref: this.optional('subjectXref', e),
      officerName: this.optional('officerName', e),
      officerContact: this.optional('officerContact', e),
      source: this.column('source', e),
      createdAt: created === null ? null : Number(created),
      alsoInNcic: (this.parts.entries.flags[e]! & FLAG_NCIC) !== 0,
      enteredBy: this.optional('enteredBy', e),
    };
  }

  /** A column's value, null when empty. */
  private optional(name: ColumnName, e: number): string | null {
    const v = this.column(name, e);
    return v === '' ? null : v;
  }
}
